"""The service's loop on stand-in Kafka clients: what does not need a broker to be checked."""

from __future__ import annotations

import gc
import json
from collections import namedtuple
from pathlib import Path
from typing import Any

import pytest

from stream.service.app import Service, ServiceError
from stream.service.settings import ServiceSettings
from tests.service.helpers import yeast_messages

Record = namedtuple("Record", "topic partition offset key value headers")


class Future:
    def __init__(self, error: Exception | None = None) -> None:
        self.exception = error
        self.is_done = True

    def failed(self) -> bool:
        return self.exception is not None

    def add_errback(self, callback: Any, *args: Any) -> None:
        if self.exception is not None:
            callback(self.exception, *args)


class Producer:
    """Records what is sent; the sends listed in `failing` (by their order) fail."""

    def __init__(self, failing: tuple[int, ...] = ()) -> None:
        self.sent: list[tuple[str, bytes | None, int | None, list[Any]]] = []
        self.failing = failing

    def send(self, topic: str, value=None, key=None, headers=None, partition=None) -> Future:  # type: ignore[no-untyped-def]
        self.sent.append((topic, value, partition, headers))
        error = RuntimeError("broker down") if len(self.sent) - 1 in self.failing else None
        return Future(error)

    def partitions_for(self, topic: str) -> set[int]:
        return {0, 1}

    def flush(self, timeout: float | None = None) -> None:
        pass


class Consumer:
    """Gives each batch once, then nothing; sees whether the collector ran meanwhile."""

    def __init__(self, batches: list[list[Record]]) -> None:
        self.batches = batches
        self.collecting: list[bool] = []

    def poll(self, timeout_ms: int = 0) -> dict[Any, list[Record]]:
        self.collecting.append(gc.isenabled())
        if not self.batches:
            return {}
        records = self.batches.pop(0)
        return {(records[0].topic, records[0].partition): records}


def _service(tmp_path: Path, consumer: Consumer, producer: Producer) -> Service:
    settings = ServiceSettings.load(
        {}, topic="in", learner="br-nb", checkpoint_dir=tmp_path, publish_model=False
    )
    service = Service(settings)
    service._consumer, service._producer, service._subscribed = consumer, producer, True
    return service


def _records(n: int, partition: int = 3) -> list[Record]:
    return [
        Record("in", partition, 100 + i, None, json.dumps(m).encode(), [])
        for i, m in enumerate(yeast_messages(n))
    ]


def test_the_collector_pauses_while_a_batch_is_processed(tmp_path: Path) -> None:
    consumer = Consumer([_records(20)])
    service = _service(tmp_path, consumer, Producer())
    seen = []
    process = service._process

    def watched(records: list[Record]) -> None:
        seen.append(gc.isenabled())
        process(records)

    service._process = watched  # type: ignore[method-assign]
    assert gc.isenabled()
    assert service.poll_once() == 20
    assert seen == [False] and consumer.collecting == [False] and gc.isenabled()

    def boom(records: list[Record]) -> None:
        raise RuntimeError("boom")

    consumer.batches.append(_records(2))
    service._process = boom  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        service.poll_once()
    assert gc.isenabled()
    gc.disable()  # a host that runs without the collector keeps it off
    try:
        service.poll_once()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_predictions_carry_their_source_and_failed_sends_stop_the_checkpoint(
    tmp_path: Path,
) -> None:
    producer = Producer(failing=(7,))
    service = _service(tmp_path, Consumer([_records(20)]), producer)
    assert service.poll_once() == 20
    assert [(t, p, h) for t, _, p, h in producer.sent[:2]] == [
        ("in-predictions", 1, [("ihomer-source", b"in:3:100")]),  # keyless: 3 % 2 partitions
        ("in-predictions", 1, [("ihomer-source", b"in:3:101")]),
    ]
    assert [json.loads(v or b"")["id"] for _, v, _, _ in producer.sent] == list(range(20))
    with pytest.raises(ServiceError, match="1 messages could not be produced: in-predictions"):
        service.checkpoint("interval")
    assert not service._unconfirmed
    service.checkpoint("interval")  # the failure was reported once


def test_what_exists_when_the_service_connects_is_frozen(tmp_path: Path, monkeypatch) -> None:
    import kafka

    class Client:
        def __init__(self, *args: Any, **options: Any) -> None:
            pass

    monkeypatch.setattr(kafka, "KafkaConsumer", Client)
    monkeypatch.setattr(kafka, "KafkaProducer", Client)
    service = _service(tmp_path, Consumer([]), Producer())
    gc.unfreeze()
    try:
        service._connect()
        assert gc.get_freeze_count() > 10_000  # modules, Numba, the model: out of its way
        assert isinstance(service._consumer, Client)
    finally:
        gc.unfreeze()


def test_delivered_predictions_are_let_go_between_checkpoints(tmp_path: Path, monkeypatch) -> None:
    import stream.service.app as app

    monkeypatch.setattr(app, "UNCONFIRMED_LIMIT", 15)
    producer = Producer(failing=(3,))
    service = _service(tmp_path, Consumer([_records(10), _records(10)]), producer)
    service._unconfirmed_limit = app.UNCONFIRMED_LIMIT
    service.poll_once()
    assert len(service._unconfirmed) == 10
    service.poll_once()  # 20 > 15: the delivered ones go, the failure is kept for the checkpoint
    assert service._unconfirmed == [] and len(service._send_errors) == 1
    with pytest.raises(ServiceError, match="in-predictions: broker down"):
        service.checkpoint("interval")
