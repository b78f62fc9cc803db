"""Scale curves: how instances/s and peak memory grow with the number of labels.

    python -m stream.bench.scale --out scale-results        # 10, 100, 1000, 5000 labels
    python -m stream.bench.scale --labels 10,100 --instances 5000 --peers br-ht

For each label count, a synthetic stream (`scale_stream`: `MultiLabelSynth` with groups of 5
co-occurring labels, about one group active per instance, so the label cardinality stays
between 4.3 and 4.9 while the label space grows, as on real streams) is learned
test-then-train by our learners (`ihomer` with meta routing and `mlhat` by default), by the
peers (river's binary relevance of Hoeffding trees `br-ht`, and MOA's pruned sets `moa-ps-ht`,
the fastest of MOA's multi-label learners on many labels: on 1000 labels about 1,300
instances/s, against 250 for `moa-mlht`, 110 for `moa-isoupt` and 4 for `moa-br-ht`) and by
`no-change`, the floor: what the process costs with a learner that learns nothing.

Each (learner, label count) runs alone in a child process, so its memory is its own:

- instances/s: as in `stream.prequential`, the clock runs only while the learner predicts and
  learns, after a throwaway copy of it has run over a small stream (loading Numba's compiled
  kernels; MOA's JVM warms up its own way, `stream.bench.moa`).
- peak memory: the peak resident memory of the child (Linux's `VmHWM`, reset once imports and
  warm-up are done, so it covers the run over the stream), with the resident memory at that
  moment (`rss_start_mb`: Python, NumPy, Numba, river) and the learner's own structures
  (`peak_memory_mb`: the evaluator's model size, for MOA the heap the learner retains). MOA's
  loop (`stream.bench.moa`) loads the stream into the JVM, about 64 bytes a value (32 GB for
  100 000 instances of 5000 labels), and keeps n × L bytes of predictions: a MOA learner is
  given the prefix that fits in three quarters of the JVM's heap (`prefix`), and its resident
  memory says little about its model.

A peer gets `budget` seconds per stream: past them it stops and is reported on the prefix it
handled (`stopped_early`), a rate that flatters it, since trees slow down as they grow. Our
learners and `no-change` always run the whole stream. Children run one after the other, so on
a shared machine the load can differ between them: each result keeps the load average at its
start and end.

Written to the output folder: `scale.json` (the results, a summary per label count, the
machine), `scale.md` (instances/s and peak memory per learner, the ratio of `ihomer` to the
fastest peer and to `br-ht`, and each learner's growth from the smallest label count) and
`scale.png` (both against the number of labels, log-log).
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import math
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from stream.errors import IhomerError
from stream.schema import Schema
from stream.sources.base import Instance, Source
from stream.sources.synth import MultiLabelSynth

__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_INSTANCES",
    "DEFAULT_LABELS",
    "OURS",
    "PEERS",
    "REFERENCE",
    "label_cardinality",
    "main",
    "markdown_report",
    "measure",
    "plot_scale",
    "run_here",
    "run_scale",
    "scale_stream",
    "summarize",
]

DEFAULT_LABELS = (10, 100, 1000, 5000)
DEFAULT_INSTANCES = 100_000
#: seconds each peer may spend per stream
DEFAULT_BUDGET = 120.0
OURS = ("ihomer", "mlhat")
PEERS = ("br-ht", "moa-ps-ht")
#: run at every label count as the floor of the process's cost
REFERENCE = "no-change"
SEED = 7
GROUP_SIZE = 5
N_FEATURES = 20
#: instances of the throwaway run that loads a learner's compiled code before the timed one
WARMUP = 500
#: checkpoints per stream (the learner's own size is sampled at each)
CHECKPOINTS = 20
#: heap MOA's loaded stream takes per value (measured: 64 KB an instance at 1000 labels)
MOA_BYTES_PER_VALUE = 64
#: share of the JVM's maximum heap the loaded stream may take (the rest: the learner, garbage)
MOA_HEAP_SHARE = 0.75
#: exit status of a child whose learner cannot run here (MOA without Java or capymoa)
SKIPPED = 3

OnRun = Callable[[str, int], None]


def scale_stream(n_labels: int, n_instances: int, seed: int = SEED) -> MultiLabelSynth:
    """The synthetic stream of one label count: groups of 5 labels, one active per instance on
    average (4.25 of its labels on), half a label of noise: about 4.5 labels on per instance
    whatever the label count.

    >>> stream = scale_stream(100, 4096)
    >>> stream.schema.n_labels, len(stream.groups_at(0))
    (100, 20)
    >>> round(label_cardinality(stream), 1)
    4.7
    """
    groups = max(1, n_labels // GROUP_SIZE)
    return MultiLabelSynth(
        n_features=N_FEATURES,
        n_labels=n_labels,
        n_groups=groups,
        n_instances=n_instances,
        seed=seed,
        group_rate=min(0.5, 1.0 / groups),
        p_off=min(0.02, 0.5 / n_labels),
    )


def label_cardinality(source: Source, limit: int = 8192) -> float:
    """Mean number of labels on per instance over the first `limit` instances."""
    total, n = 0.0, 0
    for _, Y in source.iter_arrays(2048):
        Y = Y[: limit - n]
        total += float(Y.sum())
        n += len(Y)
        if n >= limit:
            break
    return total / n if n else 0.0


class _MoaView(Source):
    """The first `length` instances under a sparse schema, so MOA's ARFF file lists only the
    labels on (a dense file of 5000 labels and 100 000 rows is a gigabyte; every feature is
    present, so the rows mean the same)."""

    def __init__(self, source: Source, length: int) -> None:
        self._source = source
        self._length = length

    @property
    def schema(self) -> Schema:
        return dataclasses.replace(self._source.schema, sparse=True, n_instances=self._length)

    def __iter__(self) -> Iterator[Instance]:
        return itertools.islice(self._source, self._length)


def _moa_fits(n_labels: int) -> int:
    """How many instances of `n_labels` labels MOA's loop can hold in the JVM's heap: it loads
    the whole stream (about `MOA_BYTES_PER_VALUE` a value, with MOA's dense instances) and keeps
    the truth and the predictions as n x L bytes."""
    import jpype

    heap = int(jpype.JClass("java.lang.Runtime").getRuntime().maxMemory())
    per_instance = MOA_BYTES_PER_VALUE * (n_labels + N_FEATURES) + 2 * n_labels
    return max(1, int(MOA_HEAP_SHARE * heap) // per_instance)


# -- one learner on one stream (in a child process) ---------------------------------------------


def _memory_mb() -> dict[str, float]:
    """The process's resident memory now (`VmRSS`) and at its peak (`VmHWM`), in MB."""
    values: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    if "VmHWM" not in values:  # not Linux: the peak since the process started
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        values["VmHWM"] = peak / 2**20 if sys.platform == "darwin" else peak / 1024
    return values


def _reset_peak() -> bool:
    """Start `VmHWM` again from the current resident memory (Linux); whether it could."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _load() -> list[float]:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return []


def _warm_up(learner: str) -> None:
    from learners.registry import make
    from stream.prequential import iter_prequential

    for _ in iter_prequential(scale_stream(10, WARMUP, seed=SEED + 1), {learner: make(learner)}):
        pass


def run_here(
    learner: str,
    n_labels: int,
    n_instances: int,
    *,
    budget: float | None = None,
    seed: int = SEED,
    quiet: bool = True,
) -> dict[str, Any]:
    """One learner's run over one stream in this process: its evaluation object (DESIGN.md §3)
    plus `stream_length`, `prefix` (the instances a MOA learner was given when its loop could
    not hold the whole stream, else None), `peak_rss_mb`, `rss_start_mb`, `memory` (how the
    peak was read), `clusters` (iHOMER's, at the end), `load_average` and `wall_seconds`.

    Raises `stream.bench.moa.PeerUnavailable` for a MOA learner where MOA cannot run.
    """
    started = time.perf_counter()
    load = _load()
    stream = scale_stream(n_labels, n_instances, seed)
    if learner.startswith("moa-"):
        from stream.bench import moa

        moa.check_available()  # starts the JVM
        length = min(n_instances, _moa_fits(n_labels))
        reset = _reset_peak()
        start = _memory_mb()
        if not quiet:
            print(f"{learner} × {n_labels} labels: in the JVM", file=sys.stderr, flush=True)
        result = moa.run(learner, _MoaView(stream, length), budget=budget)[0]
        result["prefix"] = length if length < n_instances else None
        clusters = None
    else:
        result, clusters, reset, start = _run_python(learner, stream, budget, quiet)
        result["prefix"] = None
    peak = _memory_mb()["VmHWM"]
    result.update(
        dataset=stream.schema.name + f"-{n_labels}",
        stream_length=n_instances,
        peak_rss_mb=peak,
        rss_start_mb=start.get("VmRSS"),
        memory="VmHWM since the stream started" if reset else "VmHWM of the whole process",
        clusters=clusters,
        load_average=load + _load(),
        wall_seconds=time.perf_counter() - started,
    )
    return result


def _run_python(
    learner: str, stream: MultiLabelSynth, budget: float | None, quiet: bool
) -> tuple[dict[str, Any], int | None, bool, dict[str, float]]:
    from learners.ihomer import IHOMER
    from learners.registry import make
    from stream.cli.progress import progress_bar
    from stream.prequential import EvaluationResult, iter_prequential

    _warm_up(learner)
    model = make(learner)
    reset = _reset_peak()
    start = _memory_mb()
    total = stream.n_instances or 0
    every = max(1, total // CHECKPOINTS)
    peak_model = 0.0
    snap = None
    description = f"{learner} × {stream.n_labels} labels"
    with progress_bar(quiet, description, total) as advance:
        for checkpoint in iter_prequential(
            stream, {learner: model}, every=every, budget=budget, on_instance=advance
        ):
            snap = checkpoint.learners[learner]
            peak_model = max(peak_model, snap.memory_mb)
            if snap.stopped:  # the rest of the stream is not this learner's any more
                break
    if snap is None:
        raise IhomerError("the stream is empty")
    result = EvaluationResult(
        learner=learner,
        dataset=stream.schema.name,
        n=snap.n,
        n_labels=stream.n_labels,
        seconds=snap.seconds,
        instances_per_second=snap.n / snap.seconds if snap.seconds > 0 else math.inf,
        peak_memory_mb=peak_model,
        metrics=snap.metrics,
        stopped_early=snap.stopped,
    ).to_dict()
    clusters = len(model.clusters) if isinstance(model, IHOMER) else None
    return result, clusters, reset, start


# -- the runs, one child process each -----------------------------------------------------------


def measure(
    learner: str,
    n_labels: int,
    n_instances: int,
    *,
    budget: float | None = None,
    seed: int = SEED,
    quiet: bool = True,
) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """`run_here` in a child process: its result (None if there is none), why the learner
    cannot run here (None if it can) and how the child failed (None if it did not)."""
    root = str(Path(__file__).resolve().parents[2])  # the children run this very code
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}
    command = [sys.executable, "-m", "stream.bench.scale", "--one", learner]
    command += ["--labels", str(n_labels), "--instances", str(n_instances), "--seed", str(seed)]
    if budget is not None:
        command += ["--budget", repr(budget)]
    if quiet:
        command.append("--quiet")
    proc = subprocess.run(  # noqa: S603 - our own module, arguments we built
        command, stdout=subprocess.PIPE, text=True, env=env, check=False
    )
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    answer = lines[-1] if lines else {}
    where = f"{learner} on {n_labels} labels"
    if proc.returncode == SKIPPED:
        return None, f"{learner} skipped: {answer.get('skipped', '?')}", None
    if proc.returncode != 0 or "learner" not in answer:
        why = answer.get("error") or f"exited with status {proc.returncode}"
        return None, None, f"{where} failed: {why}"
    return answer, None, None


def run_scale(
    labels: Sequence[int],
    n_instances: int,
    *,
    ours: Sequence[str] = OURS,
    peers: Sequence[str] = PEERS,
    budget: float | None = DEFAULT_BUDGET,
    seed: int = SEED,
    quiet: bool = True,
    notes: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Every learner at every label count, each in a child process: the results of `run_here`,
    each with its `role` (`ours`, `peer` or `reference`) and the stream's `label_cardinality`.

    Peers get `budget` seconds per stream; our learners and `no-change` run whole streams.
    Why a learner was skipped or failed is appended to `notes`.
    """
    plan = [(name, "ours") for name in ours] + [(name, "peer") for name in peers]
    plan.append((REFERENCE, "reference"))
    skipped: set[str] = set()
    results: list[dict[str, Any]] = []
    for n_labels in labels:
        cardinality = label_cardinality(scale_stream(n_labels, n_instances, seed))
        for name, role in plan:
            if name in skipped:
                continue
            result, skip, failure = measure(
                name,
                n_labels,
                n_instances,
                budget=budget if role == "peer" else None,
                seed=seed,
                quiet=quiet,
            )
            for note in (skip, failure):
                if note is not None:
                    if notes is not None:
                        notes.append(note)
                    if not quiet:
                        print(f"note: {note}", file=sys.stderr, flush=True)
            if skip is not None:
                skipped.add(name)
            if result is None:
                continue
            result.update(role=role, label_cardinality=cardinality)
            results.append(result)
            if not quiet:
                print(f"{_describe(result)}", file=sys.stderr, flush=True)
    return results


def _describe(r: dict[str, Any]) -> str:
    slow = f" (stopped by the budget after {r['n']:,})" if r["stopped_early"] else ""
    return (
        f"{r['learner']} × {r['n_labels']} labels: {_rate(r['instances_per_second'])}/s{slow}, "
        f"peak {r['peak_rss_mb']:,.0f} MB"
    )


# -- summary, report, plot ----------------------------------------------------------------------


def summarize(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per label count: the fastest peer, each of our learners' rate divided by its and by
    `br-ht`'s, and each learner's time per instance and peak memory relative to its own at the
    smallest label count.

    >>> rows = [
    ...     {"learner": "a", "role": "ours", "n_labels": 10, "instances_per_second": 100.0,
    ...      "peak_rss_mb": 200.0},
    ...     {"learner": "br-ht", "role": "peer", "n_labels": 10, "instances_per_second": 5.0,
    ...      "peak_rss_mb": 300.0},
    ...     {"learner": "a", "role": "ours", "n_labels": 100, "instances_per_second": 50.0,
    ...      "peak_rss_mb": 250.0},
    ...     {"learner": "br-ht", "role": "peer", "n_labels": 100, "instances_per_second": 1.0,
    ...      "peak_rss_mb": 900.0},
    ... ]
    >>> summary = summarize(rows)
    >>> [(s["n_labels"], s["fastest_peer"], s["ratio_to_fastest_peer"]["a"]) for s in summary]
    [(10, 'br-ht', 20.0), (100, 'br-ht', 50.0)]
    >>> summary[1]["growth"]["a"]
    {'time': 2.0, 'memory': 1.25}
    """
    sizes = sorted({r["n_labels"] for r in results})
    first: dict[str, dict[str, Any]] = {}
    for r in sorted(results, key=lambda r: r["n_labels"]):
        first.setdefault(r["learner"], r)
    summary = []
    for size in sizes:
        rows = [r for r in results if r["n_labels"] == size]
        peers = [r for r in rows if r["role"] == "peer"]
        fastest = max(peers, key=lambda r: r["instances_per_second"], default=None)
        br_ht = next((r for r in peers if r["learner"] == "br-ht"), None)
        ours = [r for r in rows if r["role"] == "ours"]
        summary.append(
            {
                "n_labels": size,
                "fastest_peer": fastest["learner"] if fastest else None,
                "fastest_peer_rate": fastest["instances_per_second"] if fastest else None,
                "ratio_to_fastest_peer": {
                    r["learner"]: _ratio(r, fastest) for r in ours if fastest is not None
                },
                "ratio_to_br_ht": {r["learner"]: _ratio(r, br_ht) for r in ours if br_ht},
                "growth": {
                    r["learner"]: {
                        "time": _ratio(first[r["learner"]], r),
                        "memory": r["peak_rss_mb"] / first[r["learner"]]["peak_rss_mb"],
                    }
                    for r in rows
                },
            }
        )
    return summary


def _ratio(a: dict[str, Any], b: dict[str, Any]) -> float:
    """`a`'s instances/s over `b`'s (how many times faster `a` is)."""
    rate_b = b["instances_per_second"]
    return a["instances_per_second"] / rate_b if rate_b > 0 else math.inf


def _rate(value: float) -> str:
    if math.isinf(value):
        return "inf"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _cell(r: dict[str, Any] | None) -> str:
    if r is None:
        return "—"
    memory = f"{r['peak_rss_mb']:,.0f} MB ({r['peak_memory_mb']:,.1f})"
    if r["role"] == "reference":
        return memory
    rate = _rate(r["instances_per_second"])
    if r["stopped_early"]:
        return f"slow: {rate}/s over {r['n']:,}, {memory}"
    if r.get("prefix"):
        return f"{rate}/s over the first {r['n']:,}, {memory}"
    return f"{rate}/s, {memory}"


def markdown_report(payload: dict[str, Any]) -> str:
    """The tables of a `scale.json` payload, with the command and the machine."""
    results = payload["results"]
    machine = payload.get("machine", {})
    summary = summarize(results)
    learners = list(dict.fromkeys(r["learner"] for r in results))
    ours = list(dict.fromkeys(r["learner"] for r in results if r["role"] == "ours"))
    headline = ours[0] if ours else None
    cell = {(r["n_labels"], r["learner"]): r for r in results}
    loads = [v for r in results for v in r.get("load_average", [])[::3]]  # 1-minute averages
    where = ", ".join(
        f"{key} {machine[key]}" for key in ("python", "numba", "river") if key in machine
    )
    n = payload.get("instances")
    parts = [
        f"Generated by `{payload.get('command', '?')}` on {machine.get('date', '?')}: "
        f"{machine.get('cpu', '?')}, {machine.get('cores', '?')} cores; {where}."
        + (
            f" Load average (1 min) from {min(loads):.1f} to {max(loads):.1f} during the runs."
            if loads
            else ""
        ),
        "",
        f"Synthetic streams of {n:,} instances" if isinstance(n, int) else "Synthetic streams",
    ]
    parts[-1] += (
        f" ({N_FEATURES} features, groups of {GROUP_SIZE} labels, about one group active per "
        "instance), each learner alone in a process. Cells: instances/s (timed while it "
        "predicts and learns), peak resident memory of the process, and in parentheses the "
        "learner's own structures, in MB. `slow`: a peer stopped by the time budget "
        f"({payload.get('budget')} s) and measured on the prefix it handled. `{REFERENCE}` "
        "learns nothing: its memory is the process's floor. MOA's loop holds the stream it is "
        "given and n × L bytes of predictions in the JVM, whose heap grows towards its limit "
        "(capymoa's -Xmx8g unless `CAPYMOA_JVM_ARGS` says otherwise) before it collects, so "
        "its resident memory is not its model's; `over the first n`: the prefix of the stream "
        f"that fits in {MOA_HEAP_SHARE:.0%} of that heap (about {MOA_BYTES_PER_VALUE} bytes a "
        "value)."
    )
    header = ["labels", "label cardinality", *learners]
    if headline:
        header += [f"{headline} ÷ fastest peer", f"{headline} ÷ br-ht"]
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    for s in summary:
        size = s["n_labels"]
        any_row = next(r for r in results if r["n_labels"] == size)
        row = [f"{size:,}", f"{any_row.get('label_cardinality', math.nan):.1f}"]
        row += [_cell(cell.get((size, name))) for name in learners]
        if headline:
            fastest = s["ratio_to_fastest_peer"].get(headline)
            row.append(f"{fastest:,.1f}× ({s['fastest_peer']})" if fastest else "—")
            br = s["ratio_to_br_ht"].get(headline)
            row.append(f"{br:,.1f}×" if br else "—")
        lines.append("| " + " | ".join(row) + " |")
    parts += ["", "\n".join(lines)]
    if len(summary) > 1:
        smallest = summary[0]["n_labels"]
        parts += [
            "",
            f"Growth from {smallest:,} labels: time per instance × and peak resident memory ×.",
            "",
            "| labels | " + " | ".join(learners) + " |",
            "|---" * (len(learners) + 1) + "|",
        ]
        for s in summary[1:]:
            cells = []
            for name in learners:
                g = s["growth"].get(name)
                if g is None:
                    cells.append("—")
                elif name == REFERENCE:
                    cells.append(f"{g['memory']:.2f}× memory")
                else:
                    cells.append(f"{g['time']:,.1f}× time, {g['memory']:.2f}× memory")
            size = s["n_labels"]
            parts.append(f"| {size:,} ({size / smallest:,.0f}×) | " + " | ".join(cells) + " |")
    parts += [
        "",
        "Micro-F1 / subset accuracy over the instances each learner handled, to read the "
        "speeds against:",
        "",
        "| labels | " + " | ".join(learners) + " |",
        "|---" * (len(learners) + 1) + "|",
    ]
    for s in summary:
        size = s["n_labels"]
        cells = []
        for name in learners:
            r = cell.get((size, name))
            m = r["metrics"] if r else None
            cells.append(f"{m['micro_f1']:.3f} / {m['subset_accuracy']:.3f}" if m else "—")
        parts.append(f"| {size:,} | " + " | ".join(cells) + " |")
    notes = payload.get("notes") or []
    if notes:
        parts += [""] + [f"Note: {note}" for note in notes]
    return "\n".join(parts) + "\n"


def plot_scale(results: Sequence[dict[str, Any]], path: Path) -> None:
    """Save two log-log panels against the number of labels: instances/s and peak resident
    memory, one line per learner (hollow where a peer was stopped by the budget)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    learners = list(dict.fromkeys(r["learner"] for r in results))
    sizes = sorted({r["n_labels"] for r in results})
    plain = FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}")
    # of the ticks between powers of ten, 2 and 5 are labelled (a narrow range has no others)
    some = FuncFormatter(lambda value, _: plain(value) if f"{value:e}"[0] in "25" else "")
    colours = {name: plt.get_cmap("tab10")(i % 10) for i, name in enumerate(learners)}
    fig, (speed, memory) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name in learners:
        rows = sorted((r for r in results if r["learner"] == name), key=lambda r: r["n_labels"])
        colour = colours[name]
        style = "--" if rows and rows[0]["role"] == "reference" else "-"
        for ax, key in ((speed, "instances_per_second"), (memory, "peak_rss_mb")):
            if key == "instances_per_second" and style == "--":
                continue  # learning nothing, its speed is not a learner's
            xs = [r["n_labels"] for r in rows if math.isfinite(r[key])]
            ys = [r[key] for r in rows if math.isfinite(r[key])]
            ax.plot(xs, ys, style, color=colour, label=name, alpha=0.8)
            for r in rows:
                if math.isfinite(r[key]):
                    hollow = r.get("stopped_early", False)
                    ax.scatter(
                        r["n_labels"],
                        r[key],
                        s=36,
                        facecolors="none" if hollow else colour,
                        edgecolors=colour,
                        zorder=3,
                    )
    for ax, title in ((speed, "instances/s"), (memory, "peak resident memory (MB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(sizes)
        ax.xaxis.set_major_formatter(plain)
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(some)
        ax.set_xlabel("labels")
        ax.set_title(title)
        ax.grid(alpha=0.3, which="both")
    memory.legend(frameon=False, fontsize="small")
    fig.suptitle("Cost against the number of labels (hollow: stopped by the budget)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(payload: dict[str, Any], folder: Path) -> str:
    """`scale.json`, `scale.md` and `scale.png` in `folder`; the Markdown report."""
    folder.mkdir(parents=True, exist_ok=True)
    payload = {**payload, "summary": summarize(payload["results"])}
    (folder / "scale.json").write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    report = markdown_report(payload)
    (folder / "scale.md").write_text(report, encoding="utf-8")
    plot_scale(payload["results"], folder / "scale.png")
    return report


# -- command line -------------------------------------------------------------------------------


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(s) for s in value.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of label counts: {value!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"label counts must be positive: {value!r}")
    return sizes


def _names(value: str) -> list[str]:
    return [s.strip() for s in value.split(",") if s.strip()]


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be positive: {value!r}")
    return number


def main(argv: Sequence[str] | None = None, prog: str = "python -m stream.bench.scale") -> int:
    """Run the scale curves (or, with `--one`, one learner on one stream: the child's part)."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument(
        "--labels", type=_sizes, default=list(DEFAULT_LABELS), help="label counts (10,100,...)"
    )
    parser.add_argument("--instances", type=int, default=DEFAULT_INSTANCES, help="per stream")
    parser.add_argument("--learners", type=_names, default=list(OURS), help="ours (comma-sep.)")
    parser.add_argument(
        "--peers", type=_names, default=list(PEERS), help="peers, river's or moa-... (comma-sep.)"
    )
    parser.add_argument(
        "--budget",
        type=_positive,
        default=None,
        help=f"seconds each peer may spend per stream (default {DEFAULT_BUDGET:g})",
    )
    parser.add_argument("--seed", type=int, default=SEED, help="of the streams")
    parser.add_argument("--out", default="scale-results", help="folder of the outputs")
    parser.add_argument("--from", dest="from_path", help="remake the report from a scale.json")
    parser.add_argument("--one", metavar="LEARNER", help=argparse.SUPPRESS)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)
    if args.one is not None:
        return _child(args)
    if args.instances < 1:
        parser.error("--instances must be positive")
    folder = Path(args.out).expanduser()
    if args.from_path is not None:
        payload = json.loads(Path(args.from_path).expanduser().read_text(encoding="utf-8"))
    else:
        _check_names(parser, args.learners, args.peers)
        budget = DEFAULT_BUDGET if args.budget is None else args.budget
        notes: list[str] = []
        results = run_scale(
            args.labels,
            args.instances,
            ours=args.learners,
            peers=args.peers,
            budget=budget,
            seed=args.seed,
            quiet=args.quiet,
            notes=notes,
        )
        from stream.bench.suite import machine

        given = list(sys.argv[1:] if argv is None else argv)
        payload = {
            "machine": machine(),
            "command": " ".join([prog, *map(shlex.quote, given)]),
            "labels": args.labels,
            "instances": args.instances,
            "budget": budget,
            "seed": args.seed,
            "notes": notes,
            "results": results,
        }
    report = write_outputs(payload, folder)
    print(report)
    names = ", ".join(str(folder / f) for f in ("scale.json", "scale.md", "scale.png"))
    print(f"results: {names}", file=sys.stderr)
    return 0


def _check_names(parser: argparse.ArgumentParser, ours: list[str], peers: list[str]) -> None:
    from learners.registry import make
    from stream.bench.moa import MOA_LEARNERS

    for name in [*ours, *peers]:
        if name.startswith("moa-"):
            if name not in MOA_LEARNERS:
                parser.error(f"unknown MOA learner {name!r}; known: {', '.join(MOA_LEARNERS)}")
            if name in ours:
                parser.error(f"{name} is a peer: give it with --peers")
        else:
            try:
                make(name)  # an unknown name fails now, not after an hour of runs
            except IhomerError as exc:
                parser.error(str(exc))


def _child(args: argparse.Namespace) -> int:
    """One learner on one stream; its result as one JSON line on standard output."""
    from stream.bench.moa import PeerUnavailable

    try:
        (n_labels,) = args.labels
        result = run_here(
            args.one, n_labels, args.instances, budget=args.budget, seed=args.seed, quiet=args.quiet
        )
    except PeerUnavailable as exc:
        print(json.dumps({"skipped": exc.reason}), flush=True)
        return SKIPPED
    except (IhomerError, ValueError) as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
