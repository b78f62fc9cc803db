from __future__ import annotations

from kafka import KafkaConsumer

from stream.service.local_broker import LocalBroker
from tests.service.conftest import CONSUMER_TIMEOUTS, consume, produce


def test_broker_round_trip(broker: LocalBroker, topics) -> None:
    topic = topics("roundtrip", partitions=2)
    produce(broker.bootstrap_servers, topic, [{"i": i} for i in range(50)])
    got = consume(broker.bootstrap_servers, topic, until=lambda r: len(r) >= 50, timeout=20)
    assert sorted(r["i"] for r in got) == list(range(50))


def test_group_consumer_and_highwater(broker: LocalBroker, topics) -> None:
    topic = topics("group")
    produce(broker.bootstrap_servers, topic, [{"i": i} for i in range(10)])
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=broker.bootstrap_servers,
        group_id=f"g-{topic}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **CONSUMER_TIMEOUTS,
    )
    try:
        seen = 0
        for _ in range(100):
            seen += sum(len(b) for b in consumer.poll(timeout_ms=200).values())
            if seen >= 10:
                break
        assert seen == 10
        (tp,) = consumer.assignment()
        assert consumer.highwater(tp) == 10 == consumer.position(tp)
    finally:
        consumer.close()
