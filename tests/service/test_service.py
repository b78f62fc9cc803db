"""The service against a real broker, in a thread: predictions, dead letters, metrics."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from learners import state as learner_state
from stream.service.checkpoints import CheckpointStore
from stream.service.local_broker import LocalBroker
from stream.service.settings import ServiceSettings
from tests.service.conftest import consume, produce
from tests.service.helpers import FAST, ThreadedService, wait_for, yeast_messages

pytestmark = pytest.mark.kafka


@pytest.fixture
def start(broker: LocalBroker, tmp_path: Path) -> Iterator[Callable[..., ThreadedService]]:
    running: list[ThreadedService] = []

    def make(**options) -> ThreadedService:
        options.setdefault("checkpoint_dir", tmp_path / "checkpoints")
        options.setdefault("group", f"g-{options['topic']}")
        settings = ServiceSettings.load(
            {}, bootstrap_servers=broker.bootstrap_servers, **{**FAST, **options}
        )
        service = ThreadedService(settings)
        running.append(service)
        return service

    yield make
    for service in running:
        if service.alive:
            service.stop()


def test_a_prediction_for_every_message(broker, topics, start, tmp_path) -> None:
    topic = topics("e2e", partitions=2)
    messages = yeast_messages(300, unlabelled_every=4)
    produce(broker.bootstrap_servers, topic, messages)
    app = start(topic=topic, learner="br-nb", checkpoint_every=100)
    predictions = consume(
        broker.bootstrap_servers,
        f"{topic}-predictions",
        until=lambda r: len({p["id"] for p in r}) >= 300,
    )
    assert app.stop() == 0
    assert {p["id"] for p in predictions} == set(range(300))
    for p in predictions:
        assert set(p) == {"id", "labels", "scores", "model_version"}
        assert set(p["labels"]) <= set(p["scores"])
        assert all(0.0 <= s <= 1.0 for s in p["scores"].values())
    # model versions grow along each partition: test-then-train, one instance at a time
    labelled = sum("y" in m for m in messages)
    assert max(p["model_version"] for p in predictions) <= labelled
    restored = CheckpointStore(tmp_path / "checkpoints").restore()
    assert restored is not None
    assert restored.info["n_learned"] == labelled == 225
    assert sum(restored.info["offsets"].values()) == 300
    assert restored.info["counts"] == {"seen": 300, "predicted": 300, "dead_letters": 0}


def test_keyless_predictions_follow_their_source_partition(broker, topics, start) -> None:
    topic = topics("order", partitions=2)
    out = topics("order-out", partitions=2)
    messages = yeast_messages(120, unlabelled_every=3)
    produce(broker.bootstrap_servers, topic, messages)
    app = start(topic=topic, predictions_topic=out, learner="br-nb")
    records = consume(broker.bootstrap_servers, out, until=lambda r: len(r) >= 120, decode=False)
    assert app.stop() == 0
    assert len(records) == 120
    versions: dict[int, list[int]] = {0: [], 1: []}
    for record in records:
        source = dict(record.headers)["ihomer-source"].decode()
        assert record.partition == int(source.split(":")[1])  # partition p goes to p % 2
        versions[record.partition].append(json.loads(record.value)["model_version"])
    for seen in versions.values():  # in each partition, in the source's order
        assert seen == sorted(seen)


BAD_MESSAGES = {
    b"\xff\xfe not utf-8": "not-utf8",
    b'{"x": {"Att1": 0.5}': "invalid-json",
    b"[1, 2, 3]": "not-an-object",
    b'{"x": {"Att1": "0.5", "Att2": [1]}}': "bad-feature-value",
    b'{"x": {"Att1": 0.5, "typo": 1.0}}': "unknown-feature",
    b'{"x": {"Att1": 0.5}, "y": "Class1"}': "bad-y",
    b'{"x": {"Att1": 0.5}, "y": [1.5]}': "bad-label",
    b'{"id": {"a": 1}, "x": {"Att1": 0.5}}': "bad-id",
    b'{"x": {"Att1": 0.5}, "pad": "' + b"z" * 5000 + b'"}': "too-large",
}


def test_bad_messages_go_to_the_dead_letter_topic(broker, topics, start) -> None:
    topic = topics("dlq")
    good = yeast_messages(20)
    features = ",".join(good[0]["x"])
    values = [json.dumps(m).encode() for m in good[:10]]
    values += list(BAD_MESSAGES)
    values += [json.dumps(m).encode() for m in good[10:]]
    produce(broker.bootstrap_servers, topic, values, raw=True)
    app = start(topic=topic, learner="majority", features=features, max_message_bytes=4096)
    dead = consume(
        broker.bootstrap_servers,
        f"{topic}-dlq",
        until=lambda r: len(r) >= len(BAD_MESSAGES),
        decode=False,
    )
    predictions = consume(
        broker.bootstrap_servers, f"{topic}-predictions", until=lambda r: len(r) >= 20
    )
    ok, health = app.service.health()
    assert ok and app.alive
    assert sorted(p["id"] for p in predictions) == list(range(20))
    assert len(dead) == len(BAD_MESSAGES)
    for record in dead:
        headers = {k: v.decode() for k, v in record.headers}
        original = values[int(headers["ihomer-offset"])]
        assert headers["ihomer-topic"] == topic and headers["ihomer-partition"] == "0"
        assert headers["ihomer-reason"] == BAD_MESSAGES[original]
        assert headers["ihomer-error"]
        assert record.value == original
    assert health["dead_letters"] == len(BAD_MESSAGES)
    text = app.service.metrics.exposition().decode()
    assert 'ihomer_dead_letters_total{reason="unknown-feature"} 1.0' in text
    assert app.stop() == 0


def test_metrics_and_health_endpoints(broker, topics, start) -> None:
    topic = topics("metrics")
    produce(broker.bootstrap_servers, topic, yeast_messages(50))
    app = start(topic=topic, learner="br-nb", metrics_port=0, checkpoint_every=20)
    wait_for(lambda: app.service.store.sequence >= 1, 60, "a checkpoint")
    wait_for(lambda: app.service._server is not None, 5, "the metrics server")
    base = f"http://127.0.0.1:{app.service._server.port}"
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as reply:
        health = json.loads(reply.read())
    assert health["status"] == "ok" and health["n_learned"] == 50
    assert health["assigned"] == [f"{topic}:0"]
    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as reply:
        text = reply.read().decode()
    for name in (
        "ihomer_messages_total",
        "ihomer_predictions_total 50.0",
        "ihomer_learned_total 50.0",
        "ihomer_checkpoint_age_seconds",
        'ihomer_prequential{metric="micro_f1"}',
        "ihomer_model_version 50.0",
    ):
        assert name in text, name
    assert app.stop() == 0
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{base}/healthz", timeout=2)


def test_restart_resumes_from_the_checkpoint(broker, topics, start, tmp_path) -> None:
    topic = topics("resume")
    produce(broker.bootstrap_servers, topic, yeast_messages(40))
    first = start(topic=topic, learner="majority")
    wait_for(lambda: first.service.model.n_learned == 40, 60, "40 learned")
    assert first.stop() == 0
    produce(broker.bootstrap_servers, topic, yeast_messages(60)[40:])
    second = start(topic=topic)  # the learner comes from the checkpoint
    assert second.service.learner_name == "majority"
    assert second.service.model.n_learned == 40
    wait_for(lambda: second.service.model.n_learned == 60, 60, "60 learned")
    assert second.stop() == 0
    model, info = learner_state.load_file(CheckpointStore(tmp_path / "checkpoints").paths()[-1])
    assert info["n_learned"] == 60 and info["offsets"] == {f"{topic}:0": 60}


def test_a_checkpoint_of_another_learner_is_refused(broker, topics, start) -> None:
    topic = topics("other")
    produce(broker.bootstrap_servers, topic, yeast_messages(5))
    first = start(topic=topic, learner="majority")
    wait_for(lambda: first.service.model.n_learned == 5, 60, "5 learned")
    assert first.stop() == 0
    from stream.errors import IhomerError

    with pytest.raises(IhomerError, match="holds a majority model"):
        start(topic=topic, learner="br-nb")


def test_a_missing_input_topic_is_waited_for_not_created(broker, start, caplog) -> None:
    """A mistyped --topic must not create an empty topic; the service waits until it exists."""
    from kafka.admin import KafkaAdminClient, NewTopic

    topic = f"created-later-{time.monotonic_ns()}"
    app = start(topic=topic, learner="majority")
    time.sleep(3)  # several poll rounds, each asking the broker for the topic's metadata
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap_servers)
    try:
        assert topic not in admin.list_topics()
        assert f"input topic {topic} does not exist yet" in caplog.text
        assert app.alive and app.service.health()[0]
        admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        admin.close()
    produce(broker.bootstrap_servers, topic, yeast_messages(10))
    wait_for(lambda: app.service.model.n_learned == 10, 60, "10 learned once the topic exists")
    assert app.stop() == 0
