"""Reference learners that frame every comparison: `no-change` and `majority`.

Neither looks at the features. A learner that does not beat them on a stream has learned
nothing from `x`: `no-change` exploits streams ordered by label set (scene in its published
order), `majority` exploits a dominant label set.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from learners.base import MultiLabelLearner, positive_labels
from learners.registry import register

__all__ = ["MajorityLabelSet", "NoChange"]


def _as_probas(
    labels: dict[Hashable, None], on: frozenset[Hashable]
) -> dict[Hashable, dict[bool, float]]:
    """Certain probabilities for every known label: 1 for the labels in `on`, 0 otherwise."""
    return {
        label: {False: 0.0, True: 1.0} if label in on else {False: 1.0, True: 0.0}
        for label in labels
    }


class NoChange(MultiLabelLearner):
    """Predicts the label set of the previous instance.

    Every label seen so far is in the prediction: those that were on in the previous instance
    are True, the others False. Before the first instance the prediction is empty. The sample
    weight is ignored: the previous instance is the previous instance whatever its weight.

    Examples
    --------
    >>> from river import datasets, metrics
    >>> model = NoChange()
    >>> metric = metrics.multioutput.MicroAverage(metrics.F1())
    >>> for x, y in datasets.Yeast():
    ...     y_pred = model.predict_one(x)
    ...     metric.update(y, {label: y_pred.get(label, False) for label in y})
    ...     model.learn_one(x, y)
    >>> metric
    MicroAverage(F1): 45.80%
    >>> model.predict_one({})["Class1"], model.predict_proba_one({})["Class12"]
    (False, {False: 0.0, True: 1.0})
    """

    def __init__(self) -> None:
        self._labels: dict[Hashable, None] = {}  # every label seen, in first-seen order
        self._last: frozenset[Hashable] = frozenset()

    def learn_one(self, x: dict[Hashable, Any], y: dict[Hashable, bool], *, w: float = 1.0) -> None:
        for label in y:
            if label not in self._labels:
                self._labels[label] = None
        self._last = positive_labels(y)

    def predict_proba_one(
        self, x: dict[Hashable, Any], **kwargs: Any
    ) -> dict[Hashable, dict[bool, float]]:
        return _as_probas(self._labels, self._last)

    def predict_one(self, x: dict[Hashable, Any], **kwargs: Any) -> dict[Hashable, bool]:
        return {label: label in self._last for label in self._labels}


class MajorityLabelSet(MultiLabelLearner):
    """Predicts the most frequent label set seen so far.

    Label sets (the sets of labels that are on) are counted with their sample weights; the
    arg-max is tracked as counts grow, so learning costs O(|y|) per instance. A tie goes to the
    label set that reached the top count first: a set replaces the current majority only when
    its count becomes strictly larger. Every label seen so far is in the prediction.

    Examples
    --------
    >>> from river import datasets, metrics
    >>> model = MajorityLabelSet()
    >>> metric = metrics.multioutput.MicroAverage(metrics.F1())
    >>> for x, y in datasets.Yeast():
    ...     y_pred = model.predict_one(x)
    ...     metric.update(y, {label: y_pred.get(label, False) for label in y})
    ...     model.learn_one(x, y)
    >>> metric
    MicroAverage(F1): 53.71%
    >>> sorted(label for label, on in model.predict_one({}).items() if on)
    ['Class12', 'Class13', 'Class3', 'Class4']
    """

    def __init__(self) -> None:
        self._labels: dict[Hashable, None] = {}
        self._counts: dict[frozenset[Hashable], float] = {}
        self._best: frozenset[Hashable] = frozenset()
        self._best_count = 0.0

    def learn_one(self, x: dict[Hashable, Any], y: dict[Hashable, bool], *, w: float = 1.0) -> None:
        for label in y:
            if label not in self._labels:
                self._labels[label] = None
        key = positive_labels(y)
        count = self._counts.get(key, 0.0) + w
        self._counts[key] = count
        if count > self._best_count:
            self._best, self._best_count = key, count

    def predict_proba_one(
        self, x: dict[Hashable, Any], **kwargs: Any
    ) -> dict[Hashable, dict[bool, float]]:
        return _as_probas(self._labels, self._best)

    def predict_one(self, x: dict[Hashable, Any], **kwargs: Any) -> dict[Hashable, bool]:
        return {label: label in self._best for label in self._labels}


@register("no-change", "reference: predicts the previous instance's label set")
def _no_change() -> NoChange:
    return NoChange()


@register("majority", "reference: predicts the most frequent label set so far")
def _majority() -> MajorityLabelSet:
    return MajorityLabelSet()
