"""Scale-out and operations against a real broker: scorers, standbys, a broker restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stream.service.local_broker import LocalBroker
from stream.service.settings import ServiceSettings
from tests.service.conftest import consume, produce
from tests.service.helpers import FAST, ThreadedService, wait_for, yeast_messages

pytestmark = pytest.mark.kafka


def _settings(bootstrap: str, **options) -> ServiceSettings:
    return ServiceSettings.load({}, bootstrap_servers=bootstrap, **{**FAST, **options})


def _unlabelled(messages: list[dict], start: int) -> list[dict]:
    return [{"id": start + i, "x": m["x"]} for i, m in enumerate(messages)]


def test_a_scorer_picks_up_each_new_model_version(broker, topics, tmp_path: Path) -> None:
    bootstrap = broker.bootstrap_servers
    learn, score = topics("learn"), topics("score")
    model_topic = topics("models", compact=True)
    data = yeast_messages(120)
    learner = ThreadedService(
        _settings(
            bootstrap,
            topic=learn,
            group=f"g-{learn}",
            learner="br-nb",
            model_topic=model_topic,
            checkpoint_dir=tmp_path / "learner",
            checkpoint_every=50,
        )
    )
    scorer = ThreadedService(
        _settings(
            bootstrap, topic=score, group=f"g-{score}", role="scorer", model_topic=model_topic
        )
    )
    try:
        produce(bootstrap, learn, data[:50])
        wait_for(lambda: scorer.service.model.model_version == 50, 60, "model version 50")
        produce(bootstrap, score, _unlabelled(data[100:110], 0))
        first = consume(bootstrap, f"{score}-predictions", until=lambda r: len(r) >= 10)
        assert {p["model_version"] for p in first} == {50}

        produce(bootstrap, learn, data[50:100])
        wait_for(lambda: scorer.service.model.model_version == 100, 60, "model version 100")
        produce(bootstrap, score, _unlabelled(data[100:110], 10))
        both = consume(bootstrap, f"{score}-predictions", until=lambda r: len(r) >= 20)
        second = [p for p in both if p["id"] >= 10]
        assert {p["model_version"] for p in second} == {100}
        # the scorer predicts exactly as the learner's model of that version
        expected = learner.service.model.predict(data[100]["x"])[1]
        by_id = {p["id"]: p for p in second}
        assert by_id[10]["scores"] == {str(k): v for k, v in expected.items()}
        assert scorer.service.model.learn_enabled is False
    finally:
        assert scorer.stop() == 0
        assert learner.stop() == 0
    assert scorer.service.metrics.model_swaps._value.get() >= 2


def test_a_standby_learner_takes_over(broker, topics, tmp_path: Path) -> None:
    bootstrap = broker.bootstrap_servers
    topic = topics("standby", partitions=2)
    options = {
        "topic": topic,
        "group": f"g-{topic}",
        "learner": "majority",
        "checkpoint_dir": tmp_path / "shared",
        "publish_model": False,
    }
    active = ThreadedService(_settings(bootstrap, **options))
    data = yeast_messages(80)
    produce(bootstrap, topic, data[:40])
    wait_for(lambda: active.service.model.n_learned == 40, 60, "40 learned by the first")
    standby = ThreadedService(_settings(bootstrap, **options))
    try:
        wait_for(lambda: standby.service.health()[0], 30, "the standby polling")
        wait_for(lambda: active.service.metrics.rebalances._value.get() >= 2, 30, "a rebalance")
        produce(bootstrap, topic, data[40:60])
        wait_for(lambda: active.service.model.n_learned == 60, 60, "60 learned by the first")
        assert standby.service.model.n_learned == 0 or not standby.service._assigned
        assert len(active.service._assigned) == 2 and not standby.service._assigned
        assert active.stop() == 0
        produce(bootstrap, topic, data[60:])
        wait_for(lambda: standby.service.model.n_learned == 80, 60, "80 learned by the standby")
        assert len(standby.service._assigned) == 2
    finally:
        if active.alive:
            active.stop()
        assert standby.stop() == 0
    predictions = consume(bootstrap, f"{topic}-predictions", until=lambda r: len(r) >= 80)
    assert sorted(p["id"] for p in predictions) == list(range(80))


def test_the_service_survives_a_broker_restart(own_broker: LocalBroker, tmp_path: Path) -> None:
    """The broker stops and starts again while the service runs; it reconnects and goes on.

    The test broker keeps its logs in memory, so after the restart the topic is rebuilt as a
    persistent broker would have kept it (the same first 20 messages at the same offsets)
    before the new messages arrive. The running consumer's metadata requests may get there
    first and have the broker auto-create the topic (with 4 partitions), so every message goes
    to partition 0 explicitly.
    """
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    bootstrap = own_broker.bootstrap_servers
    topic = "restart"

    def create_topic() -> None:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            admin.create_topics([NewTopic(topic, 1, 1)])
        except TopicAlreadyExistsError:
            pass
        finally:
            admin.close()

    data = yeast_messages(40)
    create_topic()
    produce(bootstrap, topic, data[:20], partition=0)
    app = ThreadedService(
        _settings(
            bootstrap,
            topic=topic,
            group="g-restart",
            learner="majority",
            checkpoint_dir=tmp_path / "checkpoints",
            checkpoint_every=5,
        )
    )
    try:
        wait_for(lambda: app.service.model.n_learned == 20, 60, "20 learned")
        own_broker.restart()
        create_topic()
        produce(bootstrap, topic, data, partition=0)
        predictions = consume(
            bootstrap,
            f"{topic}-predictions",
            until=lambda r: {p["id"] for p in r} >= set(range(20, 40)),
            timeout=90,
        )
        assert {p["id"] for p in predictions} == set(range(20, 40))
        wait_for(lambda: app.service.model.n_learned == 40, 30, "40 learned")
        assert app.alive and app.service.health()[0]
    finally:
        assert app.stop() == 0
    assert app.service.offsets == {(topic, 0): 40}


def test_produce_replays_a_data_set(broker, topics) -> None:
    import subprocess
    import sys

    topic = topics("replay", partitions=2)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "stream",
            "produce",
            "-b",
            broker.bootstrap_servers,
            "-t",
            topic,
            "-d",
            "yeast",
            "--limit",
            "200",
            "--unlabelled-fraction",
            "0.25",
            "--rate",
            "2000",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "produced 200 messages" in run.stderr
    records = consume(broker.bootstrap_servers, topic, until=lambda r: len(r) >= 200)
    assert sorted(r["id"] for r in records) == list(range(200))
    unlabelled = sum("y" not in r for r in records)
    assert 30 <= unlabelled <= 70
    first = next(r for r in records if r["id"] == 0)
    assert len(first["x"]) == 103 and json.dumps(first["x"])
