"""Write evaluation results: JSON objects, the windowed curve as CSV, a terminal table."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from stream.prequential import Checkpoint, EvaluationResult

__all__ = ["print_table", "write_curve_csv", "write_json"]


def write_json(results: Sequence[EvaluationResult], path: Path) -> None:
    """One object per learner (DESIGN.md §3); a list when there are several."""
    payload = [r.to_dict() for r in results]
    text = json.dumps(payload[0] if len(payload) == 1 else payload, indent=2)
    path.write_text(text + "\n", encoding="utf-8")


def write_curve_csv(checkpoints: Sequence[Checkpoint], path: Path) -> None:
    """One row per checkpoint and learner: windowed and full-stream metrics, time and memory."""
    if not checkpoints:
        path.write_text("", encoding="utf-8")
        return
    first = next(iter(checkpoints[0].learners.values()))
    keys = list(first.metrics)
    header = ["n", "learner", "seconds", "memory_mb"]
    header += [f"window_{k}" for k in keys] + keys
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for cp in checkpoints:
            for name, snap in cp.learners.items():
                row: list[object] = [cp.n, name, f"{snap.seconds:.6f}", f"{snap.memory_mb:.4f}"]
                row += [f"{snap.window_metrics[k]:.6f}" for k in keys]
                row += [f"{snap.metrics[k]:.6f}" for k in keys]
                writer.writerow(row)


def _rate(value: float) -> str:
    if math.isinf(value):
        return "inf"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def print_table(results: Sequence[EvaluationResult], console: Console | None = None) -> None:
    """A compact comparison table: quality, gain over `no-change`, speed, memory."""
    if console is None:
        import sys

        # piped or captured output is not cut to 80 columns
        console = Console() if sys.stdout.isatty() else Console(width=150)
    if not results:
        return
    head = results[0]
    table = Table(
        title=f"{head.dataset}: {head.n} instances, {head.n_labels} labels, prequential",
        caption="gain = share of no-change's room for improvement taken (1 best, ≤0 no better)",
    )
    for column in (
        "learner",
        "micro-F1",
        "gain",
        "subset acc",
        "gain",
        "example-F1",
        "Hamming",
        "macro-F1",
        "inst/s",
        "peak MB",
    ):
        table.add_column(column, justify="left" if column == "learner" else "right")
    for r in results:
        m, g = r.metrics, r.gain_over_no_change or {}
        table.add_row(
            r.learner,
            f"{m['micro_f1']:.3f}",
            f"{g.get('micro_f1', 0.0):+.3f}",
            f"{m['subset_accuracy']:.3f}",
            f"{g.get('subset_accuracy', 0.0):+.3f}",
            f"{m['example_f1']:.3f}",
            f"{m['hamming_loss']:.4f}",
            f"{m['macro_f1']:.3f}",
            _rate(r.instances_per_second),
            f"{r.peak_memory_mb:.2f}",
        )
    console.print(table)
