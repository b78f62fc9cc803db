"""`ihomer serve` as a process: kill -9 mid-stream loses nothing and learns nothing twice."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import pytest

from learners import state as learner_state
from stream.service.checkpoints import CheckpointStore
from tests.service.conftest import consume, produce
from tests.service.helpers import ServiceProcess, wait_for

pytestmark = pytest.mark.kafka


def _tagged(n: int) -> list[dict]:
    """Messages whose label set is unique: `majority` counts each label set it learns."""
    out = []
    for i in range(n):
        message: dict = {"id": i, "x": {"a": float(i % 7), "b": 1.0}}
        if i % 5 != 4:
            message["y"] = [f"m{i}"]
        out.append(message)
    return out


def test_kill_9_mid_stream_then_restart_learns_each_message_once(broker, topics, tmp_path) -> None:
    topic = topics("once", partitions=2)
    messages = _tagged(400)
    labelled = {f"m{m['id']}" for m in messages if "y" in m}
    folder = tmp_path / "checkpoints"
    args = ["-b", broker.bootstrap_servers, "-t", topic, "-g", f"g-{topic}", "-c", str(folder)]
    args += ["-l", "majority"]
    args += ["--checkpoint-every", "30", "--keep-checkpoints", "50"]
    env = {"IHOMER_MAX_POLL_RECORDS": "10"}

    # a producer feeding the stream over ~4 s, so that the kill lands mid-stream
    def feed() -> None:
        for start in range(0, len(messages), 20):
            produce(broker.bootstrap_servers, topic, messages[start : start + 20])
            time.sleep(0.2)

    feeder = threading.Thread(target=feed, daemon=True)
    first = ServiceProcess(args, tmp_path / "first.log", env)
    try:
        wait_for(lambda: "partitions assigned" in first.log_text(), 60, "the first assignment")
        feeder.start()
        store = CheckpointStore(folder)
        wait_for(lambda: len(store.paths()) >= 3, 60, "three checkpoints")
        time.sleep(0.35)  # between two checkpoints, most likely
        first.kill9()
    finally:
        first.ensure_stopped()
    killed_at = CheckpointStore(folder).restore()
    assert killed_at is not None
    assert 0 < killed_at.info["n_learned"] < len(labelled), "the kill was not mid-stream"
    feeder.join(30)

    second = ServiceProcess([*args, "--checkpoint-seconds", "0.5"], tmp_path / "second.log", env)
    try:
        predictions = consume(
            broker.bootstrap_servers,
            f"{topic}-predictions",
            until=lambda r: len({p["id"] for p in r}) >= len(messages),
            timeout=90,
        )

        def consumed_all() -> bool:
            restored = CheckpointStore(folder).newest_info()
            return restored is not None and sum(restored[1]["offsets"].values()) == len(messages)

        wait_for(consumed_all, 60, "a checkpoint covering every message")
        second.signal(signal.SIGTERM)
        assert second.wait(30) == 0, second.log_text()[-3000:]
    finally:
        second.ensure_stopped()
    assert {p["id"] for p in predictions} == set(range(len(messages)))

    final = CheckpointStore(folder).restore()
    assert final is not None
    assert final.info["n_learned"] == len(labelled)
    assert sum(final.info["offsets"].values()) == len(messages)
    learner = final.state["learner"]
    counts = {next(iter(labels)): count for labels, count in learner._counts.items()}
    assert set(counts) == labelled
    assert set(counts.values()) == {1.0}, "a message was learned twice"
    assert "restored checkpoint" in second.log_text()


def test_sigterm_stops_cleanly_with_a_final_checkpoint(broker, topics, tmp_path) -> None:
    topic = topics("term")
    messages = _tagged(50)
    produce(broker.bootstrap_servers, topic, messages)
    folder = tmp_path / "checkpoints"
    args = ["-b", broker.bootstrap_servers, "-t", topic, "-g", f"g-{topic}", "-c", str(folder)]
    args += ["-l", "majority"]
    args += ["--checkpoint-every", "100000", "--checkpoint-seconds", "3600"]
    service = ServiceProcess(args, tmp_path / "serve.log")
    try:
        consume(broker.bootstrap_servers, f"{topic}-predictions", until=lambda r: len(r) >= 50)
        assert not CheckpointStore(folder).paths()  # nothing was due before the signal
        service.signal(signal.SIGTERM)
        assert service.wait(30) == 0
    finally:
        service.ensure_stopped()
    log = service.log_text()
    assert "SIGTERM" in log and "reason=shutdown" in log and "stopped cleanly" in log
    (path,) = CheckpointStore(folder).paths()
    info = learner_state.read_info(path)
    assert info["n_learned"] == 40 and info["offsets"] == {f"{topic}:0": 50}
    # and the offsets were committed to Kafka after the checkpoint
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap_servers, group_id=f"g-{topic}")
    try:
        assert consumer.committed(TopicPartition(topic, 0)) == 50
    finally:
        consumer.close()


def test_inspect_reports_the_newest_checkpoint(broker, topics, tmp_path) -> None:
    import subprocess
    import sys

    topic = topics("inspect")
    produce(broker.bootstrap_servers, topic, _tagged(10))
    folder = tmp_path / "checkpoints"
    args = ["-b", broker.bootstrap_servers, "-t", topic, "-g", f"g-{topic}", "-c", str(folder)]
    args += ["-l", "majority"]
    service = ServiceProcess(args, tmp_path / "serve.log")
    try:
        consume(broker.bootstrap_servers, f"{topic}-predictions", until=lambda r: len(r) >= 10)
        service.signal(signal.SIGINT)
        assert service.wait(30) == 0
    finally:
        service.ensure_stopped()
    run = subprocess.run(
        [sys.executable, "-m", "stream", "inspect", str(folder), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(run.stdout)
    assert report["learner"] == "majority" and report["n_learned"] == 8
    assert report["offsets"] == {f"{topic}:0": 10}
    assert {"created_at", "age_seconds", "path", "counts", "summary"} <= set(report)
    text = subprocess.run(
        [sys.executable, "-m", "stream", "inspect", str(folder)], capture_output=True, text=True
    )
    assert "majority" in text.stdout and f"{topic}:0=10" in text.stdout
    # a damaged newest checkpoint is skipped with a warning, never loaded
    newest = CheckpointStore(folder).paths()[-1]
    damaged = Path(folder) / "ckpt-999999999999.npz"
    damaged.write_bytes(newest.read_bytes()[:-100])
    again = subprocess.run(
        [sys.executable, "-m", "stream", "inspect", str(folder), "--json"],
        capture_output=True,
        text=True,
    )
    assert json.loads(again.stdout)["path"] == str(newest)
    assert "skipping a damaged checkpoint" in again.stderr
