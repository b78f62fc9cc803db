"""Markdown tables of a suite's results: quality, speed and ranks per learner and data set.

A learner stopped by the time budget on a data set shows `slow` with the rate it reached; it
is left out of that data set's ranks and of the averages it has no full run for.

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

__all__ = ["average_ranks", "quality_table", "speed_table"]

Result = dict[str, Any]
QUALITY = ("micro_f1", "subset_accuracy")


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


def speed_table(results: Sequence[Result], *, ratio_to: str | None = None) -> str:
    """Rows: data sets; cells `instances/s, peak MB`; with `ratio_to`, each learner's rate
    divided by that learner's in the same run (`×`)."""
    learners, datasets, cell = _index(results)
    lines = ["| data set | " + " | ".join(learners) + " |", "|---" * (len(learners) + 1) + "|"]
    for d in datasets:
        base = cell.get((d, ratio_to)) if ratio_to else None
        cells = []
        for name in learners:
            r = cell.get((d, name))
            if r is None:
                cells.append("—")
                continue
            rate = r["instances_per_second"]
            text = f"{_rate(rate)}/s, {r['peak_memory_mb']:.1f} MB"
            if not _finished(r):
                text = f"slow: {text}"
            if base is not None and name != ratio_to and base["instances_per_second"] > 0:
                text += f" ({rate / base['instances_per_second']:,.1f}×)"
            cells.append(text)
        lines.append(f"| {d} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
