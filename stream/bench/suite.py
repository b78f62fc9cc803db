"""Run learners side by side on several data sets and collect the evaluation objects.

Each data set is one prequential run (`stream.prequential.evaluate`): the learners share the
stream in one process, so their instances/s compare on the same machine at the same moment.
MOA's learners (names `moa-...`, `stream.bench.moa`) run after it on the same data set, in a
child process that drives MOA's own test-then-train loop in the JVM; where Java or capymoa is
missing they are skipped with a note.
A learner that exceeds the time budget on a data set stops there and is reported on the
instances it handled (`stopped_early`), as ../shared/PEERS.md reports a `slow` peer.

Each evaluation object also carries its windowed `curve` (`stream.prequential.curves`; MOA's
too) and, for a learner that restructures itself (iHOMER), its `events` as `[t, kind]` pairs,
so the plots of metrics over time can be drawn again from the results file alone.

Who is who in a comparison is said here once: `OURS` are the learners written in this project,
`REFERENCES` frame every comparison, and every other learner is a peer (`is_peer`).

>>> results = run_suite(["yeast"], ["majority"], limit=200)
>>> [(r["learner"], r["dataset"], r["n"]) for r in results]
[('majority', 'yeast', 200), ('no-change', 'yeast', 200)]
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from stream.bench.moa import MOA_LEARNERS

__all__ = [
    "DEFAULT_LEARNERS",
    "MOA_PEERS",
    "OURS",
    "PEER_SUITE",
    "PRESETS",
    "PUBLISHED",
    "REFERENCES",
    "RIVER_PEERS",
    "WINDOW",
    "expand_learners",
    "is_peer",
    "machine",
    "read_results",
    "run_moa",
    "run_suite",
    "write_results",
]

#: what iHOMER is compared with by default: the ablations and river's binary relevance and chains
DEFAULT_LEARNERS = ("ihomer", "mlhat", "ihomer-random", "br-ht", "cc-ht")
#: the learners written in this project (by registered name)
OURS = frozenset({"ihomer", "ihomer-random", "mlhat", "mlht", "br-nb"})
#: reference learners: they frame a comparison, they are nobody's peer
REFERENCES = frozenset({"no-change", "majority"})
#: river's binary relevance, classifier chains and label powerset of Hoeffding trees and of
#: logistic regression, run in our process
RIVER_PEERS = (
    "river-br-ht",
    "river-cc-ht",
    "river-lc-ht",
    "river-br-lr",
    "river-cc-lr",
    "river-lc-lr",
)
#: MOA's multi-label learners, run in their own JVM loop (`stream.bench.moa.MOA_LEARNERS`)
MOA_PEERS = tuple(MOA_LEARNERS)
#: iHOMER and our trees against every peer
PEER_SUITE = ("ihomer", "mlhat", "mlht", *RIVER_PEERS, *MOA_PEERS)
#: names `--learners` expands into lists
PRESETS = {"default": DEFAULT_LEARNERS, "peers": PEER_SUITE}
#: the sliding window of the curves, as `ihomer evaluate`'s default
WINDOW = 500
#: the eight data sets the MLHAT authors publish full-stream results for
PUBLISHED = ("flags", "emotions", "birds", "yeast", "scene", "medical", "enron", "bibtex")

OnRun = Callable[[str, int | None], Callable[[int], None] | None]


def is_peer(name: str) -> bool:
    """Whether `name` is a peer: neither one of `OURS` (under any alias) nor a reference.

    >>> is_peer("br-ht"), is_peer("moa-ps-ht"), is_peer("mlhat"), is_peer("no-change")
    (True, True, False, False)
    """
    from learners.registry import canonical

    return canonical(name) not in OURS and name not in REFERENCES


def expand_learners(names: Sequence[str]) -> list[str]:
    """`names` with each preset (`PRESETS`) replaced by its learners, first mentions kept.

    >>> expand_learners(["peers", "br-nb", "mlhat"])[:4], expand_learners(["default"])[-1]
    (['ihomer', 'mlhat', 'mlht', 'river-br-ht'], 'cc-ht')
    >>> "br-nb" in expand_learners(["peers", "br-nb"])
    True
    """
    out: list[str] = []
    for name in names:
        out.extend(PRESETS.get(name, (name,)))
    return list(dict.fromkeys(out))


def run_suite(
    datasets: Sequence[str],
    learners: Sequence[str],
    *,
    budget: float | None = None,
    limit: int | None = None,
    on_dataset: OnRun | None = None,
    notes: list[str] | None = None,
) -> list[dict[str, Any]]:
    """One evaluation object (DESIGN.md §3) per learner and data set, `no-change` included;
    per data set, the learners in the order given (MOA's after the others), references last.

    `on_dataset(name, n_instances)` is called before each data set and may return a progress
    callback for it. Why MOA's learners were skipped or failed is appended to `notes`.
    """
    from learners.registry import make
    from stream.datasets import open_dataset
    from stream.prequential import Checkpoint, curves, evaluate

    moa = [learner for learner in learners if learner.startswith("moa-")]
    learners = [learner for learner in learners if learner not in moa]
    skipped: str | None = None
    results: list[dict[str, Any]] = []
    for name in datasets:
        source = open_dataset(name)
        total = source.schema.n_instances
        if limit is not None:
            total = min(limit, total) if total is not None else limit
        advance = on_dataset(name, total) if on_dataset is not None else None
        models = {learner: make(learner) for learner in learners}
        checkpoints: list[Checkpoint] = []
        run = evaluate(
            source,
            models,
            budget=budget,
            limit=limit,
            window=WINDOW,
            on_instance=advance,
            on_checkpoint=checkpoints.append,
        )
        lines = curves(checkpoints)
        rows = []
        for result in run:
            rows.append({**result.to_dict(), "dataset": name, "curve": lines[result.learner]})
            events = getattr(models.get(result.learner), "events", None)
            if events is not None:
                rows[-1]["events"] = [[e["t"], e["kind"]] for e in events]
        if moa and limit is not None and notes is not None and name == datasets[0]:
            notes.append("MOA's learners run whole streams only: not run with a limit")
        if moa and skipped is None and limit is None:
            runs, skipped, failure = run_moa(name, moa, budget)
            rows.extend({**r, "dataset": name} for r in runs)
            for note in (skipped, failure):
                if note is not None and notes is not None:
                    notes.append(note)
        results.extend(sorted(rows, key=lambda r: r["learner"] in REFERENCES))  # stable
    return results


def run_moa(
    dataset: str, learners: Sequence[str], budget: float | None
) -> tuple[list[dict[str, Any]], str | None, str | None]:
    """MOA's results on `dataset`, why MOA cannot run here (None if it can), and how it failed.

    A child process, since MEKA's wrapper ends its JVM's process when a learner fails.
    """
    command = [sys.executable, "-m", "stream.bench.moa", dataset, *learners]
    if budget is not None:
        command += ["--budget", str(budget)]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    runs = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    last = (proc.stderr.strip().splitlines() or [""])[-1]
    if proc.returncode == 3:
        return runs, f"MOA's learners skipped: {last.removeprefix('skipped: ')}", None
    if proc.returncode != 0:
        return runs, None, f"MOA on {dataset} exited with status {proc.returncode}: {last}"
    return runs, None, None


def machine() -> dict[str, Any]:
    """Where a suite ran: CPU, cores, Python, the key libraries' versions, the date."""
    import os
    from importlib.metadata import version

    return {
        "cpu": _cpu_name() or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "numba": version("numba"),
        "river": version("river"),
        "date": time.strftime("%Y-%m-%d"),
    }


def _cpu_name() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def write_results(results: list[dict[str, Any]], path: Path, **extra: Any) -> None:
    """`results.json`: the evaluation objects, with the machine and any extra keys."""
    payload = {"machine": machine(), **extra, "results": results}
    path.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")


def read_results(path: Path) -> dict[str, Any]:
    """Read what `write_results` wrote (a bare list of evaluation objects is accepted too)."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(payload, list):
        payload = {"machine": {}, "results": payload}
    return dict(payload)
