"""`ihomer evaluate`: prequential comparison of learners on one stream."""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from contextlib import ExitStack
from pathlib import Path

import click

from stream.cli.options import split_names
from stream.cli.progress import progress_bar
from stream.errors import IhomerError
from stream.predictions import PredictionsArffWriter, prediction_paths

DEFAULT_LEARNERS = ("ihomer", "mlhat", "br-ht")
REFERENCE_LEARNERS = ("no-change", "majority")
PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def _output_path(value: str | None, option: str, suffixes: tuple[str, ...] = ()) -> Path | None:
    """Check an output path before the run starts, so a long run never ends in a write error."""
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.parent.is_dir():
        raise IhomerError(f"{option} {value}: folder {path.parent} does not exist")
    if suffixes and path.suffix.lower() not in suffixes:
        raise IhomerError(f"{option} {value}: the file name must end in {', '.join(suffixes)}")
    return path


@click.command("evaluate")
@click.option(
    "-d",
    "--dataset",
    default="yeast",
    show_default=True,
    help="yeast (river's bundled stream), synth, a data set name, or an .arff/.csv path.",
)
@click.option(
    "-l",
    "--learner",
    "learner_names",
    multiple=True,
    help=f"Learner short name, repeatable (default: {', '.join(DEFAULT_LEARNERS)}). "
    "`ihomer learners` lists them. no-change and majority are always added.",
)
@click.option(
    "--labels",
    default=None,
    help="Comma-separated label attribute names, for plain ARFF or CSV files.",
)
@click.option(
    "--ignore",
    default=None,
    help="Comma-separated ARFF attributes to leave out (e.g. an id: --ignore protein).",
)
@click.option(
    "-n",
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many instances.",
)
@click.option(
    "--every",
    type=click.IntRange(min=1),
    default=None,
    help="Instances between checkpoints of the curve (default: ~100 per stream).",
)
@click.option(
    "--window",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Sliding window of the curve's metrics.",
)
@click.option("--json", "json_path", default=None, help="Write the results as JSON here.")
@click.option(
    "--partitions",
    "partitions_path",
    default=None,
    help="Write each learner's restructuring events (label partitions before/after) as JSON.",
)
@click.option("--csv", "csv_path", default=None, help="Write the windowed curve as CSV here.")
@click.option(
    "--plot",
    "plot_path",
    default=None,
    help="Plot the windowed curves (.png, .svg or .pdf), drift points marked.",
)
@click.option(
    "--predictions",
    "predictions_path",
    metavar="FILE.arff",
    default=None,
    help="Write the prequential predictions as a MEKA/MOA multi-label ARFF: per instance its "
    "true labels (the first L attributes, MEKA's -C L), then the predicted ones (pred_LABEL), "
    "then its index (instance), one row per instance as the run goes. One --learner writes "
    "FILE.arff; several (or the defaults) write FILE-LEARNER.arff each. The reference "
    "learners are written only when named with --learner.",
)
@click.option(
    "--hierarchy",
    "show_hierarchy",
    is_flag=True,
    help="After the table, print the label-cluster hierarchy of each learner that has one.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def evaluate_command(
    dataset: str,
    learner_names: tuple[str, ...],
    labels: str | None,
    ignore: str | None,
    limit: int | None,
    every: int | None,
    window: int,
    json_path: str | None,
    partitions_path: str | None,
    csv_path: str | None,
    plot_path: str | None,
    predictions_path: str | None,
    show_hierarchy: bool,
    quiet: bool,
) -> None:
    """Test-then-train every learner on the same stream, side by side, and compare them.

    Every instance is predicted, then learned, by each learner in turn; metrics are over the
    whole stream. The table shows each learner's gain over no-change, which predicts the
    previous label set (strong on streams grouped by label set).
    """
    from learners.registry import make
    from stream.datasets import open_dataset
    from stream.prequential import Checkpoint, evaluate
    from stream.report import print_table, write_curve_csv, write_json

    json_out = _output_path(json_path, "--json")
    csv_out = _output_path(csv_path, "--csv")
    partitions_out = _output_path(partitions_path, "--partitions")
    plot_out = _output_path(plot_path, "--plot", PLOT_SUFFIXES)
    predictions_out = _output_path(predictions_path, "--predictions", (".arff",))
    label_list = split_names(labels) or None

    chosen = list(dict.fromkeys(learner_names or DEFAULT_LEARNERS))
    names = chosen + [r for r in REFERENCE_LEARNERS if r not in chosen]
    learners = {name: make(name) for name in names}
    source = open_dataset(dataset, labels=label_list, ignore=split_names(ignore))
    schema = source.schema

    checkpoints: list[Checkpoint] = []
    total = schema.n_instances if limit is None else min(limit, schema.n_instances or limit)
    with ExitStack() as files:
        # opened before the run, so that a path that cannot be written fails at once
        writers = {
            name: files.enter_context(
                PredictionsArffWriter(
                    path, schema.label_names, relation=f"{schema.name} predicted by {name}"
                )
            )
            for name, path in (
                prediction_paths(predictions_out, chosen) if predictions_out else {}
            ).items()
        }

        def write_predictions(
            name: str,
            start: int,
            truths: Sequence[frozenset[Hashable]],
            predictions: Sequence[frozenset[Hashable]],
        ) -> None:
            writer = writers.get(name)
            if writer is not None:
                writer.write(start, truths, predictions)

        with progress_bar(quiet, f"{schema.name} × {len(learners)} learners", total) as advance:
            results = evaluate(
                source,
                learners,
                every=every,
                window=window,
                limit=limit,
                on_checkpoint=checkpoints.append,
                on_instance=advance,
                on_predictions=write_predictions if writers else None,
            )
        if not results:
            raise IhomerError(f"data set {dataset} has no instances")

    print_table(results)
    if show_hierarchy:
        for name, model in learners.items():
            render = getattr(model, "render", None)
            if callable(render):
                click.echo(f"\n{name}: label clusters\n{render()}")
    if json_out:
        write_json(results, json_out)
        click.echo(f"results: {json_out}", err=True)
    if csv_out:
        write_curve_csv(checkpoints, csv_out)
        click.echo(f"curve: {csv_out}", err=True)
    for name, writer in writers.items():
        click.echo(f"predictions of {name}: {writer.path} ({writer.rows} rows)", err=True)
    events = {name: list(getattr(model, "events", [])) for name, model in learners.items()}
    if partitions_out:
        payload = {name: evs for name, evs in events.items() if hasattr(learners[name], "events")}
        partitions_out.write_text(json.dumps(payload, indent=1, default=str) + "\n")
        click.echo(f"partitions: {partitions_out}", err=True)
    if plot_out:
        from stream.plot import plot_curves

        drift_points = list(getattr(source, "drift_points", ()))
        plot_curves(
            checkpoints,
            plot_out,
            title=f"{schema.name}: prequential, windowed",
            window=window,
            drift_points=drift_points,
            events={name: [(e["t"], e["kind"]) for e in evs] for name, evs in events.items()},
        )
        click.echo(f"plot: {plot_out}", err=True)
