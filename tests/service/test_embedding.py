"""`OnlineModel`, the embeddable test-then-train callable, and the two examples that use it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from river import datasets

from learners import registry
from stream.service import InvalidMessage, OnlineModel
from tests.service.conftest import consume, produce
from tests.service.helpers import ROOT, yeast_messages

FAST_LEARNERS = [n for n in registry.names() if n not in ("br-knn", "br-arf")]


@pytest.mark.parametrize("name", FAST_LEARNERS)
def test_predicted_labels_are_predict_one(name: str) -> None:
    """The model's one-call shortcut gives exactly the learner's own `predict_one`."""
    learner = registry.make(name)
    model = OnlineModel(learner)
    for x, y in datasets.Yeast().take(150):
        on, scores = model.predict(x)
        assert sorted(on) == sorted(label for label, v in learner.predict_one(x).items() if v)
        assert set(scores) == set(learner.predict_proba_one(x))
        model.learn(x, [label for label, v in y.items() if v], predicted=on)


def test_test_then_train_matches_a_plain_river_loop() -> None:
    model = OnlineModel(registry.make("br-nb"))
    reference = registry.make("br-nb")
    labels = [f"Class{i}" for i in range(1, 15)]
    for message in yeast_messages(100):
        prediction = model(message)
        assert prediction["scores"] == {
            label: p[True] for label, p in reference.predict_proba_one(message["x"]).items()
        }
        y = {label: label in message["y"] for label in labels}
        reference.learn_one(message["x"], {k: v for k, v in y.items() if k in model.labels})
    assert model.n_learned == 100 and model.model_version == 100


def test_a_new_label_can_appear_any_time_and_bad_events_change_nothing() -> None:
    model = OnlineModel(registry.make("majority"))
    model({"x": {"a": 1.0}, "y": ["a"]})
    model({"x": {"a": 1.0}, "y": ["a", "b"]})
    assert list(model.labels) == ["a", "b"]
    with pytest.raises(InvalidMessage):
        model({"x": {"a": [1]}, "y": ["c"]})
    with pytest.raises(InvalidMessage):
        model(b"{not json")
    assert list(model.labels) == ["a", "b"] and model.n_learned == 2
    predict_only = OnlineModel(registry.make("majority"), learn=False)
    predict_only({"x": {}, "y": ["a"]})
    assert predict_only.n_learned == 0


def test_stdin_example(tmp_path: Path) -> None:
    events = yeast_messages(30)
    lines = (
        [json.dumps(e) for e in events[:20]] + ['{"x": 3}'] + [json.dumps(e) for e in events[20:]]
    )
    model_file = tmp_path / "model.npz"
    command = [
        sys.executable,
        str(ROOT / "examples" / "stdin_processor.py"),
        "--model",
        str(model_file),
    ]
    run = subprocess.run(
        command,
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    replies = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(replies) == 31
    assert replies[20] == {"id": None, "error": "bad-x", "detail": "x is a int"}
    assert [r["id"] for r in replies[:20] + replies[21:]] == list(range(30))
    assert OnlineModel.load(model_file).n_learned == 30
    # a second run resumes from the saved model
    again = subprocess.run(
        command,
        input=lines[0] + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert json.loads(again.stdout)["model_version"] == 30


@pytest.mark.kafka
def test_kafka_python_example(broker, topics, tmp_path: Path) -> None:
    topic, out = topics("embed"), topics("embed-out")
    produce(broker.bootstrap_servers, topic, yeast_messages(60))
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "kafka_python_loop.py"),
            "--bootstrap-servers",
            broker.bootstrap_servers,
            "--topic",
            topic,
            "--predictions-topic",
            out,
            "--group",
            f"g-{topic}",
            "--model",
            str(tmp_path / "m.npz"),
            "--commit-every",
            "25",
            "--max-messages",
            "60",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "60 messages, 60 learned" in run.stdout
    predictions = consume(broker.bootstrap_servers, out, until=lambda r: len(r) >= 60)
    assert sorted(p["id"] for p in predictions) == list(range(60))
