"""`ihomer produce`: replay a data set into a Kafka topic as service messages."""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Iterator
from typing import Any

import click

from stream.errors import IhomerError

__all__ = ["messages", "produce_command"]


def messages(
    dataset: str,
    *,
    limit: int | None = None,
    unlabelled_fraction: float = 0.0,
    seed: int = 0,
    labels: list[str] | None = None,
    ignore: tuple[str, ...] = (),
) -> Iterator[tuple[int, dict[str, Any]]]:
    """`(index, message)` for the instances of a data set, in stream order.

    A message is `{"id": index, "x": features, "y": [labels on]}` (DESIGN.md §3); a seeded
    draw leaves `y` out of about `unlabelled_fraction` of them. Missing (NaN) values are left
    out of `x`.

    >>> first = next(messages("yeast"))
    >>> first[0], sorted(first[1]["y"]), len(first[1]["x"])
    (0, ['Class12', 'Class13', 'Class7', 'Class8'], 103)
    """
    from stream.datasets import open_dataset

    source = open_dataset(dataset, labels=labels, ignore=ignore)
    rng = random.Random(seed)  # noqa: S311 - not for security
    for index, (x, y) in enumerate(source):
        if limit is not None and index >= limit:
            return
        clean = {
            str(k): v
            for k, v in x.items()
            if v is not None and not (isinstance(v, float) and math.isnan(v))
        }
        message: dict[str, Any] = {"id": index, "x": clean}
        if not (unlabelled_fraction and rng.random() < unlabelled_fraction):
            message["y"] = [label for label, on in y.items() if on]
        yield index, message


@click.command("produce")
@click.option("-b", "--bootstrap-servers", default="127.0.0.1:9092", show_default=True)
@click.option("-t", "--topic", required=True, help="The topic to write to.")
@click.option("-d", "--dataset", default="yeast", show_default=True, help="A name or a path.")
@click.option("-n", "--limit", type=click.IntRange(min=1), help="Stop after N instances.")
@click.option(
    "--rate", type=click.FloatRange(min=0.001), help="Messages per second (default: max)."
)
@click.option(
    "--unlabelled-fraction",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Send about this share of the messages without y.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the unlabelled draw.")
@click.option("--labels", help="Label columns (comma-separated) for plain ARFF or CSV files.")
@click.option("--ignore", help="ARFF attributes to leave out (comma-separated).")
@click.option("-q", "--quiet", is_flag=True, help="No summary line.")
def produce_command(
    bootstrap_servers: str,
    topic: str,
    dataset: str,
    limit: int | None,
    rate: float | None,
    unlabelled_fraction: float,
    seed: int,
    labels: str | None,
    ignore: str | None,
    quiet: bool,
) -> None:
    """Replay a data set into TOPIC: one JSON message per instance, id = its index from 0."""
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    label_list = [s.strip() for s in labels.split(",") if s.strip()] if labels else None
    ignored = tuple(s.strip() for s in ignore.split(",") if s.strip()) if ignore else ()
    stream = messages(
        dataset,
        limit=limit,
        unlabelled_fraction=unlabelled_fraction,
        seed=seed,
        labels=label_list,
        ignore=ignored,
    )
    try:
        producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers.split(","), acks="all", linger_ms=5
        )
    except KafkaError as exc:
        raise IhomerError(f"cannot connect to {bootstrap_servers}: {exc}") from None
    started = time.monotonic()
    n = n_labelled = 0
    errors: list[BaseException] = []
    try:
        for index, message in stream:
            if rate is not None:
                ahead = started + index / rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
            value = json.dumps(message, separators=(",", ":"), allow_nan=False).encode()
            future = producer.send(topic, value=value, key=str(index).encode())
            future.add_errback(errors.append)
            n += 1
            n_labelled += "y" in message
        producer.flush()
    finally:
        producer.close()
    if errors:
        raise IhomerError(f"{len(errors)} of {n} messages were not delivered: {errors[0]}")
    seconds = time.monotonic() - started
    if not quiet:
        click.echo(
            f"produced {n} messages ({n_labelled} labelled) to {topic} in {seconds:.1f} s",
            err=True,
        )
