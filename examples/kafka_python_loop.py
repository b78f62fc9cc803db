"""Embedding a learner in your own kafka-python loop, with `OnlineModel` (no `ihomer serve`).

The model is a callable: give it a decoded event (`{"id", "x", "y"}`, DESIGN.md §3), get the
prediction back (`{"id", "labels", "scores", "model_version"}`); a labelled event is learned
right after it is predicted (test-then-train). Everything Kafka is yours: here, a consumer in a
group with manual commits, and a producer for the predictions. The model is saved (a data file,
never pickle) before each commit, so a restart resumes from the saved model; offsets committed
after the save make the replay after a crash at most one commit interval long.

    python examples/kafka_python_loop.py --bootstrap-servers 127.0.0.1:9092 --topic events \\
        --predictions-topic predictions --model model.npz
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer

from learners.registry import make
from stream.service import InvalidMessage, OnlineModel

logger = logging.getLogger("example")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--predictions-topic", required=True)
    parser.add_argument("--group", default="example")
    parser.add_argument("--learner", default="mlhat")
    parser.add_argument("--model", type=Path, default=Path("model.npz"))
    parser.add_argument("--commit-every", type=int, default=1000)
    parser.add_argument("--max-messages", type=int, default=None, help="stop after this many")
    args = parser.parse_args()

    model = OnlineModel.load(args.model) if args.model.exists() else OnlineModel(make(args.learner))
    consumer = KafkaConsumer(
        args.topic,
        bootstrap_servers=args.bootstrap_servers,
        group_id=args.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    producer = KafkaProducer(bootstrap_servers=args.bootstrap_servers)
    seen = 0
    try:
        for record in consumer:
            try:
                prediction = model(json.loads(record.value))
            except (ValueError, InvalidMessage) as exc:  # your dead-letter policy goes here
                logger.warning("skipping offset %d: %s", record.offset, exc)
            else:
                producer.send(args.predictions_topic, json.dumps(prediction).encode())
            seen += 1
            if seen % args.commit_every == 0 or seen == args.max_messages:
                producer.flush()
                model.save(args.model)
                consumer.commit()
            if seen == args.max_messages:
                break
    finally:
        producer.close()
        consumer.close(autocommit=False)
    print(f"{seen} messages, {model.n_learned} learned, model in {args.model}")


if __name__ == "__main__":
    main()
