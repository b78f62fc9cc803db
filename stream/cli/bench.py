"""`ihomer bench`: learners side by side on many data sets, with tables for the README."""

from __future__ import annotations

import contextlib
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from stream.cli.options import split_names
from stream.cli.progress import ProgressCallback, progress_bar
from stream.errors import IhomerError


@click.command("bench")
@click.option(
    "--datasets",
    default="all",
    show_default=True,
    help="Comma-separated data set names or paths; `all` = yeast and every data set on disk.",
)
@click.option(
    "--learners",
    default="default",
    show_default=True,
    help="Comma-separated learner names (`ihomer learners`) and presets. `default`: ihomer, "
    "mlhat, ihomer-random, br-ht, cc-ht (iHOMER's ablations and two river peers). `peers`: "
    "ihomer, mlhat, mlht against river's river-br-ht, river-cc-ht, river-lc-ht, river-br-lr, "
    "river-cc-lr, river-lc-lr and MOA's moa-br-ht, moa-cc-ht, moa-ps-ht, moa-isoupt, moa-mlht. "
    "Presets and names mix: `peers,br-nb`. MOA's learners (moa-...) need Java and the `peers` "
    "extra and run whole streams only (not with --limit); no-change is always added.",
)
@click.option(
    "--budget",
    type=click.FloatRange(min=0),
    default=300.0,
    show_default=True,
    help="Seconds each learner may spend per data set; past it, it is reported as slow.",
)
@click.option("-n", "--limit", type=click.IntRange(min=1), default=None, help="Instances per set.")
@click.option(
    "--out",
    default=None,
    help="Folder for results.json, results.md, quality_vs_speed.png and one "
    "over_time-DATASET.png per data set (created; default: bench-results). With --from, "
    "results.md and the plots are drawn again there only when --out is given.",
)
@click.option(
    "--readme",
    default=None,
    help="Also write the report between the results markers of this Markdown file.",
)
@click.option(
    "--section",
    default="results",
    show_default=True,
    help="With --readme: the section written, between the lines <!-- SECTION:start --> and "
    "<!-- SECTION:end -->.",
)
@click.option(
    "--from",
    "from_path",
    default=None,
    help="Make the report from this results.json of an earlier run instead of running.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
def bench_command(
    datasets: str,
    learners: str,
    budget: float,
    limit: int | None,
    out: str | None,
    readme: str | None,
    section: str,
    from_path: str | None,
    quiet: bool,
) -> None:
    """Run learners side by side on each data set and write the comparison tables and plots.

    Each data set is one prequential run in this process, so speeds compare within a row; MOA's
    learners run after it in their own JVM loop. Speeds are given as ratios to the fastest peer
    of the row (a peer: any learner but ours and the references), and the report says which
    peers ran faster than ihomer and how ihomer's average quality compares with the best
    peer's.
    """
    from stream.bench.report import check_markers, markdown_report, update_readme

    readme_path = Path(readme).expanduser() if readme else None
    if readme_path is not None:
        check_markers(readme_path, section)  # before the run, not after it
    if from_path is not None:
        from stream.bench.suite import read_results

        try:
            earlier = read_results(Path(from_path).expanduser())
        except (OSError, ValueError) as exc:
            raise IhomerError(f"--from {from_path}: {exc}") from None
        report = markdown_report(
            earlier["results"], earlier.get("machine", {}), earlier.get("command", "?")
        )
        click.echo(report)
        if out is not None:
            folder = Path(out).expanduser()
            folder.mkdir(parents=True, exist_ok=True)
            written = _write_report(earlier["results"], report, folder, earlier.get("window"))
            click.echo(f"written: {', '.join(str(p) for p in written)}", err=True)
        if readme_path is not None:
            update_readme(readme_path, report, section)
            click.echo(f"updated: {readme_path}", err=True)
        return
    target = (readme_path, section) if readme_path is not None else None
    _run(datasets, learners, budget, limit, out or "bench-results", target, quiet)


def _write_report(
    results: list[dict[str, Any]], report: str, folder: Path, window: int | None
) -> list[Path]:
    """results.md and the plots in `folder`; the paths written."""
    from stream.bench.plot import plot_over_time, plot_quality_vs_speed
    from stream.bench.suite import WINDOW

    (folder / "results.md").write_text(report, encoding="utf-8")
    plot_quality_vs_speed(results, folder / "quality_vs_speed.png")
    over_time = plot_over_time(results, folder, window=window or WINDOW)
    return [folder / "results.md", folder / "quality_vs_speed.png", *over_time]


def _run(
    datasets: str,
    learners: str,
    budget: float,
    limit: int | None,
    out: str,
    readme: tuple[Path, str] | None,
    quiet: bool,
) -> None:
    """Run the suite; `readme` = (Markdown file, section) to write the report into."""
    from learners.registry import make
    from stream.bench.moa import MOA_LEARNERS
    from stream.bench.report import markdown_report, update_readme
    from stream.bench.suite import WINDOW, expand_learners, machine, run_suite, write_results
    from stream.datasets import available

    names = split_names(datasets)
    if names == ["all"]:
        names = [d for d in available() if d != "synth"]
        if not names:
            raise IhomerError("no data sets found on disk (set IHOMER_DATA; see `ihomer datasets`)")
    learner_names = expand_learners(split_names(learners) or ["default"])
    for name in learner_names:
        if name.startswith("moa-"):
            if name not in MOA_LEARNERS:
                known = ", ".join(MOA_LEARNERS)
                raise IhomerError(f"unknown MOA learner {name!r}; known: {known}")
        else:
            make(name)  # an unknown name fails now, not after an hour of benchmarks
    folder = Path(out).expanduser()
    folder.mkdir(parents=True, exist_ok=True)

    with contextlib.ExitStack() as bars:

        def on_dataset(name: str, total: int | None) -> ProgressCallback:
            bars.close()  # the previous data set's bar
            description = f"{name} × {len(learner_names) + 1} learners"
            return bars.enter_context(progress_bar(quiet, description, total))

        notes: list[str] = []
        results = run_suite(
            names, learner_names, budget=budget, limit=limit, on_dataset=on_dataset, notes=notes
        )
    for note in notes:
        click.echo(f"note: {note}", err=True)
    command = "ihomer " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    host = machine()
    write_results(
        results, folder / "results.json", command=command, budget=budget, window=WINDOW, notes=notes
    )
    report = markdown_report(results, host, command)
    written = _write_report(results, report, folder, WINDOW)
    click.echo(report)
    click.echo(
        f"results: {', '.join(str(p) for p in [folder / 'results.json', *written])}", err=True
    )
    if readme is not None:
        update_readme(readme[0], report, readme[1])
        click.echo(f"updated: {readme[0]}", err=True)
