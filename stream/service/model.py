"""Test-then-train on events: the part of the service that knows nothing about Kafka.

`OnlineModel` wraps a learner with what a stream of events needs besides it: the labels seen so
far (a message lists the labels that are on; the learner is told every known label, on or off),
the count of instances learned (the model version) and test-then-train metrics over a window.
Calling it on an event predicts, then learns when the event is labelled, and returns the
prediction in the service's message format (DESIGN.md §3). It is the service's core and the
documented way to embed a learner in another event processor (see `examples/`).

Examples
--------
>>> from learners.registry import make
>>> model = OnlineModel(make("majority"))
>>> model({"id": 1, "x": {"a": 1.0}, "y": ["sport"]})
{'id': 1, 'labels': [], 'scores': {}, 'model_version': 0}
>>> model({"id": 2, "x": {"a": 0.5}, "y": ["sport", "music"]})
{'id': 2, 'labels': ['sport'], 'scores': {'sport': 1.0}, 'model_version': 1}
>>> model({"id": 3, "x": {"a": 0.2}})["labels"], model.n_learned
(['sport'], 2)
>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
>>> _ = model.save(path)
>>> OnlineModel.load(path)({"id": 4, "x": {"a": 0.1}})
{'id': 4, 'labels': ['sport'], 'scores': {'sport': 1.0, 'music': 0.0}, 'model_version': 2}
>>> model({"x": {"a": "oops"}, "y": "sport"})
Traceback (most recent call last):
...
stream.service.messages.InvalidMessage: bad-y: y is a str, not a list
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from river import base, compose, multioutput

from learners import state as learner_state
from learners.base import MultiLabelLearner
from stream.errors import IhomerError
from stream.metrics import WindowedMultiLabelMetrics
from stream.service.messages import Event, MessageCodec, PredictionEncoder

__all__ = ["InvalidStateError", "OnlineModel", "Prediction", "learner_summary"]

logger = logging.getLogger(__name__)

Prediction = dict[str, Any]


def _label_rule(learner: base.MultiLabelClassifier) -> str | None:
    """How `predict_one` follows from `predict_proba_one`, when it does: one call then does.

    `"half"`: a label is on when its probability is at least 0.5 (`MultiLabelLearner`'s
    default); `"argmax"`: when True is the arg-max of its probabilities (river's
    `PerOutputClassifier`, also at the end of a pipeline); None: call `predict_one` as well.
    """
    if isinstance(learner, MultiLabelLearner):
        from learners.tree import MultiLabelHoeffdingTree

        thresholding = (MultiLabelLearner.predict_one, MultiLabelHoeffdingTree.predict_one)
        return "half" if type(learner).predict_one in thresholding else None
    final = learner
    if isinstance(learner, compose.Pipeline) and type(learner) is compose.Pipeline:
        final = list(learner.steps.values())[-1]
    if type(final) is multioutput.PerOutputClassifier:
        return "argmax"
    return None


def learner_summary(learner: Any) -> dict[str, Any]:
    """What a learner tells about its structure: label clusters and restructuring events.

    Looks for a `partition` (a sequence of label clusters) and `events` (restructuring events)
    on the learner, as iHOMER exposes them; other learners give `{}`.

    >>> learner_summary(object())
    {}
    """
    out: dict[str, Any] = {}
    partition = getattr(learner, "partition", None)
    if partition is not None:
        try:
            clusters = [sorted(map(str, cluster)) for cluster in partition]
        except TypeError:
            clusters = None
        if clusters is not None:
            out["n_clusters"] = len(clusters)
            out["partition"] = clusters
    events = getattr(learner, "events", None)
    if events is not None:
        try:
            out["n_events"] = len(events)
        except TypeError:
            pass
    return out


class OnlineModel:
    """A learner ready for a stream of events: predict each one, then learn it if labelled.

    Parameters
    ----------
    learner
        Any river multi-label classifier (`learners.registry.make(NAME)` gives ours).
    learn
        Learn the labelled events (False: predict only, as a scoring replica does).
    labels
        Labels known up front (more are added as events bring them).
    window
        Labelled events the test-then-train metrics are computed over.
    codec
        Validates events given as raw bytes or dicts; a default `MessageCodec` when None.
    """

    def __init__(
        self,
        learner: base.MultiLabelClassifier,
        *,
        learn: bool = True,
        labels: Iterable[Hashable] = (),
        window: int = 1_000,
        codec: MessageCodec | None = None,
    ) -> None:
        self.learner = learner
        self.learn_enabled = learn
        self.labels: dict[Hashable, None] = dict.fromkeys(labels)
        self.metrics = WindowedMultiLabelMetrics(window, labels=self.labels)
        self.codec = codec or MessageCodec()
        self.n_learned = 0
        self._rule = _label_rule(learner)
        self._encoder = PredictionEncoder()

    @property
    def batches(self) -> bool:
        """Whether the learner has a batch path (`test_then_train_many` of its own)."""
        method = getattr(type(self.learner), "test_then_train_many", None)
        return method is not None and method is not MultiLabelLearner.test_then_train_many

    @property
    def model_version(self) -> int:
        """The number of labelled instances the learner has learned."""
        return self.n_learned

    def __call__(self, event: Event | Mapping[str, Any] | bytes) -> Prediction:
        """Predict `event`, then learn it if it is labelled; the prediction message as a dict.

        `event` is an `Event`, a decoded JSON dict or raw message bytes; an invalid one raises
        `InvalidMessage` before anything is predicted or learned.
        """
        if isinstance(event, bytes):
            event = self.codec.decode(event)
        elif not isinstance(event, Event):
            event = self.codec.validate(event)
        labels, scores = self.predict(event.x)
        prediction = {
            "id": event.id,
            "labels": labels,
            "scores": scores,
            "model_version": self.n_learned,
        }
        if event.y is not None and self.learn_enabled:
            self.learn(event.x, event.y, predicted=labels)
        return prediction

    def test_then_train_many(self, events: Sequence[Event]) -> list[bytes]:
        """`__call__` on each event in order, through the learner's batch path (see `batches`).

        Gives each event's prediction message, encoded as `encode_prediction` does. When the
        learner raises, nothing has been learned (the learner's contract) nor counted here.
        """
        known = self.labels
        before = len(known)
        ys: list[dict[Hashable, bool] | None] = []
        off = dict.fromkeys(known, False)  # every known label, off: each y is a copy, updated
        try:
            for event in events:
                if event.y is None or not self.learn_enabled:
                    ys.append(None)
                    continue
                on: dict[Hashable, bool] = dict.fromkeys(event.y, True)
                if not known.keys() >= on.keys():
                    for label in on:
                        if label not in known:
                            known[label] = None
                    off = dict.fromkeys(known, False)
                y = off.copy()
                y.update(on)
                ys.append(y)
            learner: Any = self.learner  # a MultiLabelLearner (see `batches`)
            proba, flags, labels = learner.test_then_train_many([event.x for event in events], ys)
        except BaseException:
            for new in list(known)[before:]:  # as it was: labels become known when learned
                del known[new]
            raise
        versions = []
        for i, event in enumerate(events):
            versions.append(self.n_learned)
            if ys[i] is not None:
                self.n_learned += 1
                predicted = set(itertools.compress(labels, flags[i].tolist()))
                self.metrics.update(dict.fromkeys(event.y or ()).keys(), predicted)
        idents = [event.id for event in events]
        out = self._encoder.encode_many(idents, labels, proba, flags, versions)
        return out

    def predict(self, x: dict[Any, Any]) -> tuple[list[Hashable], dict[Hashable, float]]:
        """The labels predicted on and every known label's probability."""
        probas = self.learner.predict_proba_one(x)
        scores = {label: float(p.get(True, 0.0)) for label, p in probas.items()}
        rule = self._rule
        if rule == "half":
            on = [label for label, p in scores.items() if p >= 0.5]
        elif rule == "argmax":  # river's Classifier.predict_one: max(p, key=p.get)
            on = [label for label, p in probas.items() if p and max(p, key=p.__getitem__) is True]
        else:
            on = [label for label, v in self.learner.predict_one(x).items() if v]
        return on, scores

    def learn(
        self,
        x: dict[Any, Any],
        positives: Iterable[Hashable],
        *,
        predicted: Iterable[Hashable] = (),
    ) -> None:
        """Learn one instance whose labels that are on are `positives`.

        `predicted` (the labels predicted before learning) feeds the test-then-train metrics.
        """
        known = self.labels
        on = dict.fromkeys(positives)  # new labels become known in the order they are listed
        for label in on:
            if label not in known:
                known[label] = None
        self.learner.learn_one(x, {label: label in on for label in known})
        self.n_learned += 1
        self.metrics.update(on.keys(), set(predicted))

    # ---- checkpoints -----------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """What a checkpoint holds (only classes `learners.state` may name)."""
        return {
            "learner": self.learner,
            "labels": list(self.labels),
            "metrics": self.metrics,
            "n_learned": self.n_learned,
        }

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], *, learn: bool = True, codec: MessageCodec | None = None
    ) -> OnlineModel:
        """The model a checkpoint's state describes."""
        try:
            learner = state["learner"]
            labels = list(state["labels"])
            metrics = state["metrics"]
            n_learned = int(state["n_learned"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidStateError(f"not a service checkpoint: {exc}") from None
        if not isinstance(learner, base.MultiLabelClassifier):
            raise InvalidStateError(f"the checkpoint holds a {type(learner).__name__}")
        if not isinstance(metrics, WindowedMultiLabelMetrics):
            raise InvalidStateError("the checkpoint's metrics are not windowed metrics")
        model = cls(learner, learn=learn, labels=labels, codec=codec)
        model.metrics = metrics
        model.n_learned = n_learned
        return model

    def save(self, path: str | Path, **info: Any) -> int:
        """Checkpoint the model to one file, atomically (`learners.state`: data, never pickle).

        `info` (JSON-able) is stored beside it; `n_learned` is added. The size in bytes.
        """
        return learner_state.save_file(
            path, self.state(), info={**info, "n_learned": self.n_learned}
        )

    @classmethod
    def load(cls, path: str | Path, *, learn: bool = True) -> OnlineModel:
        """The model saved at `path` by `save` (or a service checkpoint)."""
        state, _ = learner_state.load_file(path)
        if not isinstance(state, Mapping):
            raise InvalidStateError(f"{path} is not a model checkpoint")
        return cls.from_state(state, learn=learn)

    def summary(self) -> dict[str, Any]:
        """Counts and test-then-train metrics, for logs, `/healthz` and checkpoints."""
        return {
            "n_learned": self.n_learned,
            "n_labels": len(self.labels),
            "window": self.metrics.window,
            "metrics": self.metrics.get(),
            **learner_summary(self.learner),
        }


class InvalidStateError(IhomerError):
    """A checkpoint whose content is not what the service writes."""
