"""Markdown tables of a suite's results: quality, speed and ranks per learner and data set.

A learner stopped by the time budget on a data set shows `slow` with the rate it reached; it
is left out of that data set's ranks and of the averages it has no full run for. Speeds are
given as ratios to the fastest peer of the same run (`stream.bench.suite.is_peer` says who is
a peer), and a sentence names every peer that ran faster than iHOMER.

>>> rows = [
...     {"learner": "a", "dataset": "d1", "n": 10, "instances_per_second": 50.0,
...      "peak_memory_mb": 1.0, "stopped_early": False,
...      "metrics": {"micro_f1": 0.5, "subset_accuracy": 0.2}},
...     {"learner": "b", "dataset": "d1", "n": 3, "instances_per_second": 2.0,
...      "peak_memory_mb": 9.0, "stopped_early": True,
...      "metrics": {"micro_f1": 0.9, "subset_accuracy": 0.9}},
... ]
>>> print(quality_table(rows))
| data set | a | b |
|---|---|---|
| d1 | **0.500 / 0.200** | slow (2.0/s) |
| average | 0.500 / 0.200 | — |
| average rank | 1.00 / 1.00 | — |
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from stream.bench.suite import REFERENCES, is_peer

__all__ = [
    "average_ranks",
    "fastest_peer",
    "faster_than",
    "quality_table",
    "speed_table",
    "versus_best_peer",
]

Result = dict[str, Any]
QUALITY = ("micro_f1", "subset_accuracy")
#: the learner the sentences about peers are written for
MAIN = "ihomer"


def _index(results: Sequence[Result]) -> tuple[list[str], list[str], dict[tuple[str, str], Result]]:
    learners = list(dict.fromkeys(r["learner"] for r in results))
    datasets = list(dict.fromkeys(r["dataset"] for r in results))
    return learners, datasets, {(r["dataset"], r["learner"]): r for r in results}


def _finished(r: Result | None) -> bool:
    return r is not None and not r.get("stopped_early", False)


def _rate(value: float) -> str:
    if math.isinf(value):
        return "inf"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _ratio(value: float) -> str:
    """A ratio of rates, to two significant digits below 1 (0.047×, 0.5×).

    >>> [_ratio(v) for v in (1234.5, 23.44, 1.0, 0.5, 0.0472)]
    ['1,234×', '23.4×', '1.0×', '0.5×', '0.047×']
    """
    if value >= 100:
        return f"{value:,.0f}×"
    if value >= 1:
        return f"{value:.1f}×"
    return f"{value:.2g}×"


def _has_rate(r: Result | None) -> bool:
    return (
        r is not None and math.isfinite(r["instances_per_second"]) and r["instances_per_second"] > 0
    )


def fastest_peer(results: Sequence[Result], dataset: str) -> Result | None:
    """The result of the peer with the highest instances/s on `dataset` (None without peers).

    A peer stopped by the budget counts with the rate it reached.

    >>> fastest_peer([
    ...     {"learner": "mlhat", "dataset": "d", "instances_per_second": 900.0},
    ...     {"learner": "br-ht", "dataset": "d", "instances_per_second": 20.0},
    ...     {"learner": "moa-br-ht", "dataset": "d", "instances_per_second": 400.0},
    ...     {"learner": "no-change", "dataset": "d", "instances_per_second": 9e4},
    ... ], "d")["learner"]
    'moa-br-ht'
    """
    peers = [
        r for r in results if r["dataset"] == dataset and is_peer(r["learner"]) and _has_rate(r)
    ]
    return max(peers, key=lambda r: r["instances_per_second"], default=None)


def average_ranks(results: Sequence[Result], metric: str) -> dict[str, float]:
    """Each learner's rank on `metric` (1 = best, ties share the mean rank) averaged over the
    data sets it finished; ranks are among the learners that finished each data set.

    >>> average_ranks([
    ...     {"learner": "a", "dataset": "d", "metrics": {"micro_f1": 0.5}},
    ...     {"learner": "b", "dataset": "d", "metrics": {"micro_f1": 0.5}},
    ...     {"learner": "c", "dataset": "d", "metrics": {"micro_f1": 0.1}},
    ... ], "micro_f1")
    {'a': 1.5, 'b': 1.5, 'c': 3.0}
    """
    learners, datasets, cell = _index(results)
    ranks: dict[str, list[float]] = {name: [] for name in learners}
    for d in datasets:
        scores = {
            name: round(cell[d, name]["metrics"][metric], 12)
            for name in learners
            if _finished(cell.get((d, name)))
        }
        if metric == "hamming_loss":
            scores = {name: -v for name, v in scores.items()}
        for name, score in scores.items():
            better = sum(v > score for v in scores.values())
            ties = sum(v == score for v in scores.values())
            ranks[name].append(better + (ties + 1) / 2)
    return {name: sum(r) / len(r) for name, r in ranks.items() if r}


def quality_table(
    results: Sequence[Result],
    *,
    metrics: tuple[str, str] = QUALITY,
    average_over: Sequence[str] | None = None,
) -> str:
    """Rows: data sets, then the averages (over `average_over`, default all) and average
    ranks; cells `metric1 / metric2`, the best of each row's first metric in bold."""
    learners, datasets, cell = _index(results)
    first, second = metrics
    lines = ["| data set | " + " | ".join(learners) + " |", "|---" * (len(learners) + 1) + "|"]
    for d in datasets:
        done = [cell[d, name] for name in learners if _finished(cell.get((d, name)))]
        best = max((r["metrics"][first] for r in done), default=None)
        cells = []
        for name in learners:
            r = cell.get((d, name))
            if r is None:
                cells.append("—")
            elif not _finished(r):
                cells.append(f"slow ({_rate(r['instances_per_second'])}/s)")
            else:
                text = f"{r['metrics'][first]:.3f} / {r['metrics'][second]:.3f}"
                cells.append(f"**{text}**" if r["metrics"][first] == best else text)
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    over = [d for d in datasets if average_over is None or d in average_over]
    label = "average" if average_over is None else f"average of {len(over)}"
    averages = []
    for name in learners:
        rows = [cell.get((d, name)) for d in over]
        if over and all(_finished(r) for r in rows):
            means = [sum(r["metrics"][m] for r in rows if r) / len(rows) for m in metrics]
            averages.append(f"{means[0]:.3f} / {means[1]:.3f}")
        else:
            averages.append("—")
    lines.append(f"| {label} | " + " | ".join(averages) + " |")
    rank_a, rank_b = (average_ranks(results, m) for m in metrics)
    ranks = [
        f"{rank_a[name]:.2f} / {rank_b[name]:.2f}" if name in rank_a else "—" for name in learners
    ]
    lines.append("| average rank | " + " | ".join(ranks) + " |")
    return "\n".join(lines)


def speed_table(results: Sequence[Result]) -> str:
    """Rows: data sets; first the fastest peer of the row and its rate, then each learner's
    `instances/s, peak MB (×)`, × = its rate ÷ the fastest peer's in the same run. Where one of
    ours is slower than the fastest peer, its ratio is in bold.

    >>> print(speed_table([
    ...     {"learner": "ihomer", "dataset": "d", "instances_per_second": 300.0,
    ...      "peak_memory_mb": 4.0},
    ...     {"learner": "moa-ps-ht", "dataset": "d", "instances_per_second": 600.0,
    ...      "peak_memory_mb": 1.0},
    ... ]))
    | data set | fastest peer | ihomer | moa-ps-ht |
    |---|---|---|---|
    | d | moa-ps-ht (600/s) | 300/s, 4.0 MB (**0.5×**) | 600/s, 1.0 MB (1.0×) |
    """
    learners, datasets, cell = _index(results)
    lines = [
        "| data set | fastest peer | " + " | ".join(learners) + " |",
        "|---" * (len(learners) + 2) + "|",
    ]
    for d in datasets:
        fastest = fastest_peer(results, d)
        base = fastest["instances_per_second"] if fastest is not None else None
        cells = [
            f"{fastest['learner']} ({_rate(fastest['instances_per_second'])}/s)"
            if fastest is not None
            else "—"
        ]
        for name in learners:
            r = cell.get((d, name))
            if r is None:
                cells.append("—")
                continue
            rate = r["instances_per_second"]
            text = f"{_rate(rate)}/s, {r['peak_memory_mb']:.1f} MB"
            if not _finished(r):
                text = f"slow: {text}"
            if base is not None and _has_rate(r):
                ratio = _ratio(rate / base)
                ours_slower = not is_peer(name) and name not in REFERENCES and rate < base
                text += f" (**{ratio}**)" if ours_slower else f" ({ratio})"
            cells.append(text)
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def faster_than(results: Sequence[Result], learner: str = MAIN) -> str:
    """One sentence naming, per data set, every peer that ran faster than `learner`
    (empty when `learner` or every peer is absent).

    >>> rows = [
    ...     {"learner": "ihomer", "dataset": "d", "instances_per_second": 300.0},
    ...     {"learner": "moa-ps-ht", "dataset": "d", "instances_per_second": 600.0},
    ...     {"learner": "ihomer", "dataset": "e", "instances_per_second": 300.0},
    ...     {"learner": "moa-ps-ht", "dataset": "e", "instances_per_second": 200.0},
    ... ]
    >>> faster_than(rows)
    "Peers faster than ihomer: d: moa-ps-ht (600/s, 2.0× ihomer's rate)."
    >>> faster_than(rows[2:])
    'No peer ran faster than ihomer on any data set.'
    """
    learners, datasets, cell = _index(results)
    if learner not in learners or not any(is_peer(name) for name in learners):
        return ""
    found = []
    for d in datasets:
        ours = cell.get((d, learner))
        if not _has_rate(ours):
            continue
        assert ours is not None
        rate = ours["instances_per_second"]
        faster = sorted(
            (
                r
                for r in results
                if r["dataset"] == d
                and is_peer(r["learner"])
                and _has_rate(r)
                and r["instances_per_second"] > rate
            ),
            key=lambda r: -r["instances_per_second"],
        )
        if faster:
            found.append(
                f"{d}: "
                + ", ".join(
                    f"{r['learner']} ({_rate(r['instances_per_second'])}/s, "
                    f"{_ratio(r['instances_per_second'] / rate)} {learner}'s rate)"
                    for r in faster
                )
            )
    if not found:
        return f"No peer ran faster than {learner} on any data set."
    return f"Peers faster than {learner}: " + "; ".join(found) + "."


def versus_best_peer(
    results: Sequence[Result],
    learner: str = MAIN,
    *,
    metrics: tuple[str, str] = QUALITY,
    average_over: Sequence[str] | None = None,
) -> str:
    """One sentence: `learner`'s average of each metric against the best peer's average, over
    `average_over` (default: every data set) and among the peers that finished all of them.

    >>> def row(learner, f1, subset):
    ...     metrics = {"micro_f1": f1, "subset_accuracy": subset}
    ...     return {"learner": learner, "dataset": "d", "metrics": metrics}
    >>> print(versus_best_peer([row("ihomer", 0.6, 0.3), row("br-ht", 0.5, 0.4),
    ...                         row("moa-br-ht", 0.55, 0.1), row("no-change", 0.9, 0.9)]))
    ihomer against the best peer on average (1 data set): micro-F1 0.600 against 0.550
    (moa-br-ht, +0.050), subset accuracy 0.300 against 0.400 (br-ht, -0.100).
    >>> print(versus_best_peer([{**row("ihomer", 0.6, 0.3), "stopped_early": True},
    ...                         row("br-ht", 0.5, 0.4)]))
    ihomer did not finish all 1 data set: no averages to compare.
    """
    learners, datasets, cell = _index(results)
    if learner not in learners or not any(is_peer(name) for name in learners):
        return ""
    over = [d for d in datasets if average_over is None or d in average_over]
    what = f"{len(over)} data set" + ("s" if len(over) != 1 else "")

    def mean(name: str, metric: str) -> float | None:
        rows = [cell.get((d, name)) for d in over]
        if not over or not all(_finished(r) for r in rows):
            return None
        return float(sum(r["metrics"][metric] for r in rows if r)) / len(rows)

    parts = []
    for metric in metrics:
        ours = mean(learner, metric)
        peers = {name: mean(name, metric) for name in learners if is_peer(name)}
        finished = {name: value for name, value in peers.items() if value is not None}
        if ours is None:
            return f"{learner} did not finish all {what}: no averages to compare."
        if not finished:
            return f"No peer finished all {what}: no averages to compare."
        best = max(finished, key=finished.__getitem__)
        label = "micro-F1" if metric == "micro_f1" else metric.replace("_", " ")
        parts.append(
            f"{label} {ours:.3f} against {finished[best]:.3f} ({best}, "
            f"{ours - finished[best]:+.3f})"
        )
    return f"{learner} against the best peer on average ({what}): " + ", ".join(parts) + "."
