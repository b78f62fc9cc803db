"""`ihomer inspect`: what the newest checkpoint of a service holds."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

from stream.errors import IhomerError

__all__ = ["checkpoint_report", "inspect_command"]


def checkpoint_report(folder: str | Path) -> dict[str, Any]:
    """The newest valid checkpoint's info in `folder`, with its path and age.

    Keys: `learner`, `n_learned` (labelled instances learned in total), `offsets`
    (`{"TOPIC:PARTITION": next_offset}`), `created_at`, `age_seconds`, `path`, `sequence`,
    `counts`, `summary` (test-then-train metrics; the label partition for iHOMER) and
    `checkpoints` (how many files are in the folder).
    """
    from stream.service.checkpoints import CheckpointStore

    path = Path(folder)
    if not path.is_dir():
        raise IhomerError(f"no such folder: {folder}")
    store = CheckpointStore(path)
    newest = store.newest_info()
    if newest is None:
        raise IhomerError(f"no valid checkpoint in {folder}")
    file, info = newest
    report = dict(info)
    created = info.get("created_at_unix")
    if isinstance(created, int | float):
        report["age_seconds"] = round(time.time() - created, 3)
    report["path"] = str(file)
    report["checkpoints"] = len(store.paths())
    return report


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


@click.command("inspect")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object on standard output.")
def inspect_command(folder: str, as_json: bool) -> None:
    """Show the newest valid checkpoint in FOLDER (a service's --checkpoint-dir)."""
    report = checkpoint_report(folder)
    if as_json:
        click.echo(json.dumps(report, indent=2, sort_keys=True))
        return
    summary = report.get("summary") or {}
    lines = [
        f"checkpoint   {report['path']} ({report['checkpoints']} kept)",
        f"learner      {report.get('learner')}",
        f"learned      {report.get('n_learned')} labelled instances",
        f"created      {report.get('created_at')}"
        + (f" ({_age(report['age_seconds'])} ago)" if "age_seconds" in report else ""),
    ]
    counts = report.get("counts") or {}
    if counts:
        lines.append("messages     " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    offsets = report.get("offsets") or {}
    lines.append("offsets      " + (", ".join(f"{k}={v}" for k, v in offsets.items()) or "none"))
    metrics = summary.get("metrics") or {}
    if metrics:
        window = summary.get("window")
        lines.append(
            f"last {window}   "
            + ", ".join(
                f"{k} {metrics[k]:.4f}"
                for k in ("micro_f1", "example_f1", "hamming_loss")
                if k in metrics
            )
        )
    if "partition" in summary:
        lines.append(f"clusters     {summary.get('n_clusters')}")
        for i, cluster in enumerate(summary["partition"]):
            lines.append(f"  {i:>3}  {', '.join(cluster)}")
    click.echo("\n".join(lines))
