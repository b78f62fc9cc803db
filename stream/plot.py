"""Plot windowed metrics over the stream, one line per learner, with drift points marked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from stream.prequential import Checkpoint, curves

__all__ = ["plot_curves", "plot_learner_curves"]

# restructuring events of a learner, marked on its curve
_EVENT_MARKERS = {"split": "v", "merge": "^", "global-drift": "X", "subtree-swap": "."}
# ... or, with `event_lines`, drawn across the panel (the partition's changes)
_EVENT_LINES = {"split": "--", "merge": "-.", "global-drift": ":"}

_DRIFT_COLOURS = {"concept": "tab:purple", "correlation": "tab:brown", "cardinality": "tab:olive"}


def plot_curves(
    checkpoints: Sequence[Checkpoint],
    path: Path,
    *,
    title: str,
    window: int,
    drift_points: Sequence[tuple[int, str]] = (),
    events: Mapping[str, Sequence[tuple[int, str]]] | None = None,
    metrics: Sequence[str] = ("micro_f1", "subset_accuracy"),
) -> None:
    """Save a PNG (or any format matplotlib knows by the suffix) of the windowed curves.

    `drift_points` are the stream's `(instance index, kind)` pairs, drawn as dashed vertical
    lines; `events` are each learner's restructuring events, drawn as markers on its curve.
    """
    plot_learner_curves(
        curves(checkpoints, metrics),
        path,
        title=title,
        window=window,
        drift_points=drift_points,
        events=events,
        metrics=metrics,
    )


def plot_learner_curves(
    learner_curves: Mapping[str, Mapping[str, Sequence[float]]],
    path: Path,
    *,
    title: str,
    window: int,
    drift_points: Sequence[tuple[int, str]] = (),
    events: Mapping[str, Sequence[tuple[int, str]]] | None = None,
    metrics: Sequence[str] = ("micro_f1", "subset_accuracy"),
    event_lines: bool = False,
) -> None:
    """`plot_curves` from each learner's curve as `stream.prequential.curves` gives it
    (`n` and one list per metric), so a curve read back from a results file plots the same.

    With `event_lines`, a learner's partition changes (cluster splits, merges, global drifts)
    are vertical lines in its colour across every panel; subtree swaps stay markers.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(metrics), 1, figsize=(10, 3.2 * len(metrics)), sharex=True)
    axes = list(axes) if len(metrics) > 1 else [axes]
    events = events or {}
    palette = plt.get_cmap("tab10" if len(learner_curves) <= 10 else "tab20")
    colours = {name: palette(i % palette.N) for i, name in enumerate(learner_curves)}
    for ax, metric in zip(axes, metrics, strict=True):
        for name, curve in learner_curves.items():
            xs, ys = list(curve["n"]), list(curve[metric])
            style = ":" if name in ("no-change", "majority") else "-"
            (line,) = ax.plot(xs, ys, style, label=name, linewidth=1.4, color=colours[name])
            for at, kind in events.get(name, ()):
                if event_lines and kind in _EVENT_LINES:
                    ax.axvline(
                        at,
                        color=line.get_color(),
                        linestyle=_EVENT_LINES[kind],
                        linewidth=0.9,
                        alpha=0.7,
                    )
                    continue
                y_at = float(np.interp(at, xs, ys)) if xs else 0.0
                ax.plot(
                    at,
                    y_at,
                    _EVENT_MARKERS.get(kind, "o"),
                    color=line.get_color(),
                    markersize=6,
                    markeredgecolor="black",
                    markeredgewidth=0.5,
                )
        kinds_seen: set[str] = set()
        for at, kind in drift_points:
            colour = _DRIFT_COLOURS.get(kind, "grey")
            ax.axvline(
                at,
                color=colour,
                linestyle="--",
                linewidth=1.2,
                label=f"drift: {kind}" if kind not in kinds_seen else None,
            )
            kinds_seen.add(kind)
        ax.set_ylabel(f"{metric.replace('_', ' ')}\n(last {window})")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_title(title)
    if any(events.values()):
        axes[-1].set_xlabel(
            "instances   (in a learner's colour: "
            + (
                "-- cluster split, -. merge, : global drift; . subtree swap)"
                if event_lines
                else "v cluster split, ^ merge, X global drift, . subtree swap)"
            )
        )
    else:
        axes[-1].set_xlabel("instances")
    axes[0].legend(loc="lower left", fontsize="small", ncol=3, framealpha=0.85)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
