"""The suite's plots: quality against throughput (one panel per data set, where each learner
sits) and, per data set, the windowed metrics over the stream with iHOMER's restructuring."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["over_time_path", "plot_over_time", "plot_quality_vs_speed"]


def plot_quality_vs_speed(
    results: Sequence[dict[str, Any]], path: Path, *, metric: str = "micro_f1"
) -> None:
    """Save one scatter panel per data set: instances/s (log scale) against `metric`.

    A learner stopped by the time budget is drawn hollow (its score covers a prefix only).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    datasets = list(dict.fromkeys(r["dataset"] for r in results))
    learners = list(dict.fromkeys(r["learner"] for r in results))
    palette = plt.get_cmap("tab10" if len(learners) <= 10 else "tab20")
    colours = {name: palette(i % palette.N) for i, name in enumerate(learners)}
    columns = min(4, len(datasets))
    rows = math.ceil(len(datasets) / columns)
    legend_columns = min(len(learners), 5)
    legend_inches = 0.3 * math.ceil(len(learners) / legend_columns) + 0.2
    height = 3.2 * rows + legend_inches
    fig, axes = plt.subplots(rows, columns, figsize=(max(4 * columns, 8), height), squeeze=False)
    for ax, dataset in zip(axes.flat, datasets, strict=False):
        for r in results:
            if r["dataset"] != dataset or not math.isfinite(r["instances_per_second"]):
                continue
            colour = colours[r["learner"]]
            hollow = r.get("stopped_early", False)
            ax.scatter(
                r["instances_per_second"],
                r["metrics"][metric],
                s=40,
                alpha=0.8,
                facecolors="none" if hollow else colour,
                edgecolors=colour,
                label=r["learner"],
            )
        ax.set_xscale("log")
        ax.set_title(dataset)
        ax.set_xlabel("instances/s")
        ax.set_ylabel(metric.replace("_", " "))
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(datasets) :]:
        ax.set_visible(False)
    handles = [
        Line2D([], [], marker="o", linestyle="", color=colours[name], label=name)
        for name in learners
    ]
    fig.legend(handles=handles, loc="lower center", ncol=legend_columns, frameon=False)
    fig.suptitle(f"{metric.replace('_', ' ')} against throughput (hollow: stopped by the budget)")
    fig.tight_layout(rect=(0, legend_inches / height, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def over_time_path(folder: Path, dataset: str) -> Path:
    """Where `plot_over_time` puts a data set's plot: `over_time-NAME.png` (a path given as
    the data set is reduced to its file name's stem).

    >>> over_time_path(Path("out"), "yeast").as_posix()
    'out/over_time-yeast.png'
    >>> over_time_path(Path("out"), "../data/my set.arff").as_posix()
    'out/over_time-my_set.png'
    """
    path = Path(dataset)
    stem = path.stem if path.suffix.lower() in (".arff", ".csv") or path.parent.name else dataset
    return folder / f"over_time-{re.sub(r'[^A-Za-z0-9_.-]+', '_', stem)}.png"


def plot_over_time(results: Sequence[dict[str, Any]], folder: Path, *, window: int) -> list[Path]:
    """One plot per data set of each learner's windowed micro-F1 and subset accuracy over the
    stream (the `curve` of its evaluation object), iHOMER's cluster splits, merges and global
    drifts (its `events`) as vertical lines in its colour: `stream.plot`, as `ihomer evaluate
    --plot` draws it. Results without a curve (older results files) are left out."""
    from stream.plot import plot_learner_curves

    paths = []
    for dataset in dict.fromkeys(r["dataset"] for r in results):
        rows = [r for r in results if r["dataset"] == dataset and r.get("curve")]
        if not rows:
            continue
        path = over_time_path(folder, dataset)
        plot_learner_curves(
            {r["learner"]: r["curve"] for r in rows},
            path,
            title=f"{dataset}: prequential, over a sliding window of {window}",
            window=window,
            events={
                r["learner"]: [(t, kind) for t, kind in r["events"]]
                for r in rows
                if r.get("events")
            },
            event_lines=True,
        )
        paths.append(path)
    return paths
