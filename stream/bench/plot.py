"""Quality against throughput, one panel per data set: where each learner sits."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["plot_quality_vs_speed"]


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
    colours = {name: plt.get_cmap("tab10")(i % 10) for i, name in enumerate(learners)}
    columns = min(4, len(datasets))
    rows = math.ceil(len(datasets) / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.2 * rows), squeeze=False)
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
    fig.legend(handles=handles, loc="lower center", ncol=min(len(learners), 6), frameon=False)
    fig.suptitle(f"{metric.replace('_', ' ')} against throughput (hollow: stopped by the budget)")
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    fig.savefig(path, dpi=110)
    plt.close(fig)
