"""Run learners side by side on several data sets and collect the evaluation objects.

Each data set is one prequential run (`stream.prequential.evaluate`): the learners share the
stream in one process, so their instances/s compare on the same machine at the same moment.
MOA's learners (names `moa-...`, `stream.bench.moa`) run after it on the same data set, in a
child process that drives MOA's own test-then-train loop in the JVM; where Java or capymoa is
missing they are skipped with a note.
A learner that exceeds the time budget on a data set stops there and is reported on the
instances it handled (`stopped_early`), as ../shared/PEERS.md reports a `slow` peer.

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

__all__ = [
    "DEFAULT_LEARNERS",
    "PUBLISHED",
    "machine",
    "read_results",
    "run_moa",
    "run_suite",
    "write_results",
]

#: what iHOMER is compared with by default: the ablations and river's binary relevance and chains
DEFAULT_LEARNERS = ("ihomer", "mlhat", "ihomer-random", "br-ht", "cc-ht")
#: the eight data sets the MLHAT authors publish full-stream results for
PUBLISHED = ("flags", "emotions", "birds", "yeast", "scene", "medical", "enron", "bibtex")

OnRun = Callable[[str, int | None], Callable[[int], None] | None]


def run_suite(
    datasets: Sequence[str],
    learners: Sequence[str],
    *,
    budget: float | None = None,
    limit: int | None = None,
    on_dataset: OnRun | None = None,
    notes: list[str] | None = None,
) -> list[dict[str, Any]]:
    """One evaluation object (DESIGN.md §3) per learner and data set, `no-change` included.

    `on_dataset(name, n_instances)` is called before each data set and may return a progress
    callback for it. Why MOA's learners were skipped or failed is appended to `notes`.
    """
    from learners.registry import make
    from stream.datasets import open_dataset
    from stream.prequential import evaluate

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
        for result in evaluate(source, models, budget=budget, limit=limit, on_instance=advance):
            results.append({**result.to_dict(), "dataset": name})
        if moa and limit is not None and notes is not None and name == datasets[0]:
            notes.append("MOA's learners run whole streams only: not run with a limit")
        if moa and skipped is None and limit is None:
            runs, skipped, failure = run_moa(name, moa, budget)
            results.extend({**r, "dataset": name} for r in runs)
            for note in (skipped, failure):
                if note is not None and notes is not None:
                    notes.append(note)
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
