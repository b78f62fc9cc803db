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
from stream.service.messages import MessageCodec, encode_prediction
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


def _batch_events() -> list:
    """Yeast messages, some unlabelled, labels arriving late, a nominal feature and new ones."""
    codec = MessageCodec()
    events = []
    for i, message in enumerate(yeast_messages(240, unlabelled_every=4)):
        if "y" in message and i < 60:
            message["y"] = [label for label in message["y"] if label != "Class1"]
        if i % 5 == 0:
            message["x"] = {**message["x"], "colour": ["red", "blue"][i % 2]}
        if i == 100:
            message["x"] = {**message["x"], "late": 1.0}
        events.append(codec.validate({"id": f"m{i}" if i % 2 else i, **message}))
    return events


@pytest.mark.parametrize("learn", [True, False])
@pytest.mark.parametrize("name", ["br-nb", "mlhat", "mlht"])
def test_the_batch_path_gives_the_one_by_one_messages_and_model(name: str, learn: bool) -> None:
    events = _batch_events()
    numeric = [e for e in events if not any(isinstance(v, str) for v in e.x.values())]
    events = events + numeric  # batches with and without nominal values
    batched = OnlineModel(registry.make(name), learn=learn)
    one_by_one = OnlineModel(registry.make(name), learn=learn)
    for model in (batched, one_by_one):  # a model that has learned something, for predict-only
        model.learner.learn_one(events[0].x, {"Class2": True, "Class3": False})
    assert batched.batches
    got = []
    for start in range(0, len(events), 70):
        got += batched.test_then_train_many(events[start : start + 70])
    for event, value in zip(events, got, strict=True):
        labels, scores = one_by_one.predict(event.x)
        expected = json.loads(encode_prediction(event.id, labels, scores, one_by_one.n_learned))
        prediction = json.loads(value)
        assert prediction.keys() == expected.keys()
        assert prediction["scores"] == pytest.approx(expected["scores"], abs=1e-12)
        assert {k: v for k, v in prediction.items() if k != "scores"} == {
            k: v for k, v in expected.items() if k != "scores"
        }
        if event.y is not None and learn:
            one_by_one.learn(event.x, event.y, predicted=labels)
    labelled = sum(event.y is not None for event in events)
    assert batched.n_learned == one_by_one.n_learned == (labelled if learn else 0)
    assert list(batched.labels) == list(one_by_one.labels)
    assert batched.metrics.get() == one_by_one.metrics.get()


def test_a_failing_batch_learns_and_counts_nothing() -> None:
    model = OnlineModel(registry.make("br-nb"))
    events = _batch_events()[:10]

    def boom(xs, ys):
        raise RuntimeError("boom")

    model.learner.test_then_train_many = boom  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        model.test_then_train_many(events)
    assert model.n_learned == 0 and not model.labels


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
