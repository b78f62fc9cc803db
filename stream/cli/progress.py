"""A progress bar with instances/s on standard error, shared by the long-running commands."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

__all__ = ["ProgressCallback", "progress_bar"]

ProgressCallback = Callable[[int], None] | None


@contextlib.contextmanager
def progress_bar(quiet: bool, description: str, total: int | None) -> Iterator[ProgressCallback]:
    """Yield `advance(n_done)` (None when `quiet`); the bar refreshes every 64 instances."""
    if quiet:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=False,
    )
    # until the first instances are done: Numba compiles the kernels on a machine's first run
    task = bar.add_task(description, total=total, rate="starting (a first run compiles kernels)")

    def advance(n: int) -> None:
        if n & 63 == 0 or n == total:
            bar.update(task, completed=n)
            speed = bar.tasks[0].speed
            bar.update(task, rate=f"{speed:,.0f} inst/s" if speed else "")

    with bar:
        yield advance
