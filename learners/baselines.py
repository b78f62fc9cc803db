"""River baselines for honest comparison, registered by short name.

Binary relevance (`br-*`) is river's `PerOutputClassifier` around one river classifier per
label, with river's defaults. The peers iHOMER is benchmarked against are named `river-...`:
binary relevance (`river-br-*`), classifier chains (`river-cc-*`) and label powerset
(`river-lc-*`) of Hoeffding trees (`*-ht`) and of logistic regression on scaled features
(`*-lr`; softmax regression, multinomial logistic regression, for the label powerset). Their
older names (`br-ht`, `cc-ht`, `lc-ht`, `br-lr`) are aliases.

Models that need numeric inputs (kNN, naive Bayes, logistic regression and its ensembles,
iSOUP-Tree's linear leaves) get one shared preprocessing step, `encode_features`:
string-valued (nominal) features are one-hot encoded and numeric ones are standard-scaled (not
scaled for naive Bayes and iSOUP-Tree, which use river's defaults).

Wrappers are written only where river's own does not fit:

- `FirstSeenClassifierChain`: river's `ClassifierChain` learns nothing from the first instance
  and nothing for a label on the instance where it first appears (its order grows only after
  learning); this one grows the order first. Same chain otherwise.
- `LabelPowerset`: river's `MultiClassEncoder` gives each label the probability of the arg-max
  label set, so when that probability is below 0.5 its `predict_one` returns the *complement*
  of the most probable label set. Ours predicts the most probable label set and gives each
  label its marginal probability.
- `PrunedSets`: no river counterpart.
- `ThresholdedRegressor`: iSOUP-Tree is a multi-target regressor; this turns it into a
  multi-label classifier.

Stochastic models get a fixed seed (`SEED`) so that runs are reproducible.
"""

from __future__ import annotations

import collections
import functools
import numbers
from collections.abc import Hashable
from typing import Any, cast

from river import (
    base,
    compose,
    ensemble,
    forest,
    linear_model,
    multioutput,
    naive_bayes,
    neighbors,
    preprocessing,
    tree,
)

from learners.base import MultiLabelLearner, positive_labels
from learners.registry import register

__all__ = [
    "SEED",
    "FirstSeenClassifierChain",
    "LabelPowerset",
    "PrunedSets",
    "ThresholdedRegressor",
    "encode_features",
]

SEED = 42
"""The seed of every stochastic baseline."""


def encode_features(*, scale: bool = True, keep_zeros: bool = False) -> compose.TransformerUnion:
    """Numeric features (standard-scaled when `scale`) plus one-hot encoded string features.

    River's linear models, kNN and Gaussian naive Bayes need numbers, so nominal features
    (strings, river's convention) become one indicator feature `f"{name}_{value}"` each. With
    `keep_zeros`, every category seen so far gets an indicator, 0 when it is not the value;
    without, only the value's indicator (1) is present. Linear models and kNN read an absent
    feature as 0, so for them the two are the same model and the sparse one is much faster on
    data sets with many nominal features; trees and naive Bayes read absent as missing and
    need the zeros.

    Absent features stay absent: river's `StandardScaler` keeps statistics over the values it
    is given, so on sparse rows (absent = 0) it scales the non-zero values only, and a binary
    numeric feature that is 1 whenever present has zero variance and is scaled to 0.

    >>> enc = encode_features(keep_zeros=True)
    >>> for x in [{"a": 1.0, "colour": "red"}, {"a": 3.0, "colour": "blue"}]:
    ...     enc.learn_one(x)
    >>> dict(sorted(enc.transform_one({"a": 3.0, "colour": "blue"}).items()))
    {'a': 1.0, 'colour_blue': 1, 'colour_red': 0}
    """
    numeric: Any = compose.SelectType(numbers.Number)
    if scale:
        numeric = numeric | preprocessing.StandardScaler()
    nominal = compose.SelectType(str) | preprocessing.OneHotEncoder(drop_zeros=not keep_zeros)
    return compose.TransformerUnion(numeric, nominal)


def _add_labels(labels: dict[Hashable, None], y: dict[Hashable, bool]) -> None:
    for label in y:
        if label not in labels:
            labels[label] = None


def _binary(p: float) -> dict[bool, float]:
    return {False: 1.0 - p, True: p}


class FirstSeenClassifierChain(MultiLabelLearner):
    """River's classifier chain, with labels chained in the order they first appear.

    Labels listed in `order` come first; every other label joins the end of the chain when it
    first appears, *before* the instance is learned, so the first instance and a new label's
    first occurrence are learned (river's `ClassifierChain` skips them). Each label's classifier
    sees the features plus its predecessors' class probabilities, exactly as in river.
    Sample weights are not supported: river's chain forwards them to `predict_proba_one`.

    Parameters
    ----------
    classifier
        The classifier copied for each label; a `tree.HoeffdingTreeClassifier()` when None.
    order
        Labels to put first in the chain, in this order.

    Examples
    --------
    >>> from river import datasets, metrics
    >>> model = FirstSeenClassifierChain()
    >>> metric = metrics.multioutput.MicroAverage(metrics.F1())
    >>> for x, y in datasets.Yeast().take(500):
    ...     y_pred = model.predict_one(x)
    ...     metric.update(y, {label: y_pred.get(label, False) for label in y})
    ...     model.learn_one(x, y)
    >>> metric
    MicroAverage(F1): 57.23%
    """

    def __init__(
        self, classifier: base.Classifier | None = None, order: tuple[Hashable, ...] | None = None
    ) -> None:
        self.classifier = classifier
        self.order = order
        prototype = classifier.clone() if classifier is not None else tree.HoeffdingTreeClassifier()
        # river's chain is untyped
        self._chain: Any = multioutput.ClassifierChain(prototype, order=list(order or ()))
        self._in_chain: set[Hashable] = set(self._chain.order)

    def learn_one(self, x: dict[Hashable, Any], y: dict[Hashable, bool]) -> None:
        for label in y:
            if label not in self._in_chain:
                self._in_chain.add(label)
                self._chain.order.append(label)
        self._chain.learn_one(x, y)

    def predict_proba_one(
        self, x: dict[Hashable, Any], **kwargs: Any
    ) -> dict[Hashable, dict[bool, float]]:
        probas = self._chain.predict_proba_one(x)
        return {label: _binary(p.get(True, 0.0)) for label, p in probas.items()}


class LabelPowerset(MultiLabelLearner):
    """Label powerset: one multi-class classifier whose classes are the label sets seen.

    `predict_one` gives the most probable label set (ties: the set seen first);
    `predict_proba_one` gives each label's marginal probability, the total probability of the
    label sets that contain it. The two can disagree: a label can be in the most probable set
    with a marginal below 0.5. Every label seen so far is in both outputs.

    Parameters
    ----------
    classifier
        The multi-class classifier; a `tree.HoeffdingTreeClassifier()` when None.

    Examples
    --------
    >>> from river import datasets, metrics
    >>> model = LabelPowerset()
    >>> metric = metrics.multioutput.MicroAverage(metrics.F1())
    >>> for x, y in datasets.Yeast().take(200):
    ...     y_pred = model.predict_one(x)
    ...     metric.update(y, {label: y_pred.get(label, False) for label in y})
    ...     model.learn_one(x, y)
    >>> metric
    MicroAverage(F1): 51.61%
    """

    def __init__(self, classifier: base.Classifier | None = None) -> None:
        self.classifier = classifier
        # Any: river's `Classifier.learn_one` is typed without the `w` most classifiers take
        self._model: Any = (
            classifier.clone() if classifier is not None else tree.HoeffdingTreeClassifier()
        )
        self._labels: dict[Hashable, None] = {}
        self._sets: list[frozenset[Hashable]] = []  # class code -> label set
        self._codes: dict[frozenset[Hashable], int] = {}  # label set -> class code

    def _targets(self, labelset: frozenset[Hashable]) -> list[frozenset[Hashable]]:
        """The label sets an instance with `labelset` is learned as (once each)."""
        return [labelset]

    def learn_one(self, x: dict[Hashable, Any], y: dict[Hashable, bool], *, w: float = 1.0) -> None:
        _add_labels(self._labels, y)
        for target in self._targets(positive_labels(y)):
            code = self._codes.get(target)
            if code is None:
                code = self._codes[target] = len(self._sets)
                self._sets.append(target)
            if w == 1.0:
                self._model.learn_one(x, code)
            else:
                self._model.learn_one(x, code, w=w)

    def predict_proba_one(
        self, x: dict[Hashable, Any], **kwargs: Any
    ) -> dict[Hashable, dict[bool, float]]:
        marginals = dict.fromkeys(self._labels, 0.0)
        probas = self._model.predict_proba_one(x)
        total = sum(probas.values())
        if total > 0.0:
            for code, p in probas.items():
                for label in self._sets[code]:
                    marginals[label] += p / total
        return {label: _binary(min(p, 1.0)) for label, p in marginals.items()}

    def predict_one(self, x: dict[Hashable, Any], **kwargs: Any) -> dict[Hashable, bool]:
        probas = self._model.predict_proba_one(x)
        if not probas:
            return dict.fromkeys(self._labels, False)
        best = self._sets[max(probas, key=probas.__getitem__)]
        return {label: label in best for label in self._labels}


class PrunedSets(LabelPowerset):
    """Pruned sets: a label powerset over the label sets seen at least `min_count` times.

    An online reading of Read, Pfahringer and Holmes' pruned sets (strategy A). Label sets are
    counted as they arrive (the current instance included). An instance whose label set has
    reached `min_count` is learned as that set. Otherwise it is learned once as each of its
    `max_subsets` best frequent proper subsets, ranked as in MEKA by size (larger first), then
    count (larger first), then the order in which they became frequent; the empty set is
    never used, as it would teach "no label" for an instance that has labels. An instance
    with no frequent non-empty subset is not learned. Until some label set is frequent the
    model predicts every known label False. `min_count=1` is the plain label powerset.
    Label-set counts are kept for every distinct set seen (memory grows with their number).

    Parameters
    ----------
    classifier
        The multi-class classifier; a `tree.HoeffdingTreeClassifier()` when None.
    min_count
        A label set is frequent once it has occurred this many times (p in the paper).
    max_subsets
        How many frequent subsets an infrequent label set is learned as (b in the paper).

    Examples
    --------
    >>> from river import datasets, metrics
    >>> model = PrunedSets()
    >>> metric = metrics.multioutput.MicroAverage(metrics.F1())
    >>> for x, y in datasets.Yeast().take(200):
    ...     y_pred = model.predict_one(x)
    ...     metric.update(y, {label: y_pred.get(label, False) for label in y})
    ...     model.learn_one(x, y)
    >>> metric
    MicroAverage(F1): 43.17%

    References
    ----------
    [^1]: Read, J., Pfahringer, B. and Holmes, G., 2008. Multi-label classification using
        ensembles of pruned sets. ICDM 2008, pp. 995-1000.
    """

    def __init__(
        self, classifier: base.Classifier | None = None, min_count: int = 2, max_subsets: int = 2
    ) -> None:
        if min_count < 1:
            raise ValueError(f"min_count must be at least 1, got {min_count}")
        if max_subsets < 0:
            raise ValueError(f"max_subsets must be non-negative, got {max_subsets}")
        super().__init__(classifier)
        self.min_count = min_count
        self.max_subsets = max_subsets
        self._counts: dict[frozenset[Hashable], int] = {}
        self._frequent: dict[frozenset[Hashable], None] = {}  # in the order they became frequent

    def _targets(self, labelset: frozenset[Hashable]) -> list[frozenset[Hashable]]:
        count = self._counts.get(labelset, 0) + 1
        self._counts[labelset] = count
        if count >= self.min_count:
            self._frequent[labelset] = None
            return [labelset]
        subsets = [s for s in self._frequent if s and s < labelset]
        subsets.sort(key=lambda s: (-len(s), -self._counts[s]))  # stable: ties keep order
        return subsets[: self.max_subsets]


class ThresholdedRegressor(MultiLabelLearner):
    """A multi-target regressor on 0/1 label targets, thresholded into a multi-label classifier.

    Each label is a target that is 1.0 when the label is on and 0.0 otherwise. A label is
    predicted on when its regression output is at least `threshold`; its probability is the
    output clipped to [0, 1]. A label the regressor gives no output for scores 0. Every label
    seen so far is in the outputs. String-valued (nominal) features are one-hot encoded first
    (`encode_features(scale=False, keep_zeros=True)`), as iSOUP-Tree's linear leaf models take
    numbers only.

    Parameters
    ----------
    regressor
        The multi-target regressor; a `tree.ISOUPTreeRegressor()` when None.
    threshold
        The output from which a label is predicted on.

    Examples
    --------
    >>> from river import datasets, metrics
    >>> model = ThresholdedRegressor()
    >>> metric = metrics.multioutput.MicroAverage(metrics.F1())
    >>> for x, y in datasets.Yeast().take(500):
    ...     y_pred = model.predict_one(x)
    ...     metric.update(y, {label: y_pred.get(label, False) for label in y})
    ...     model.learn_one(x, y)
    >>> metric
    MicroAverage(F1): 51.22%
    """

    def __init__(
        self, regressor: base.MultiTargetRegressor | None = None, threshold: float = 0.5
    ) -> None:
        self.regressor = regressor
        self.threshold = threshold
        self._model: Any = regressor.clone() if regressor is not None else tree.ISOUPTreeRegressor()
        self._labels: dict[Hashable, None] = {}
        # river's transformers are untyped
        self._encoder: Any = encode_features(scale=False, keep_zeros=True)

    def learn_one(self, x: dict[Hashable, Any], y: dict[Hashable, bool], *, w: float = 1.0) -> None:
        _add_labels(self._labels, y)
        self._encoder.learn_one(x)
        x = self._encoder.transform_one(x)
        targets = {label: 1.0 if on else 0.0 for label, on in y.items()}
        if w == 1.0:
            self._model.learn_one(x, targets)
        else:
            self._model.learn_one(x, targets, w=w)

    def _scores(self, x: dict[Hashable, Any]) -> dict[Hashable, float]:
        out = self._model.predict_one(self._encoder.transform_one(x))
        return {label: min(max(float(out.get(label, 0.0)), 0.0), 1.0) for label in self._labels}

    def predict_proba_one(
        self, x: dict[Hashable, Any], **kwargs: Any
    ) -> dict[Hashable, dict[bool, float]]:
        return {label: _binary(p) for label, p in self._scores(x).items()}

    def predict_one(self, x: dict[Hashable, Any], **kwargs: Any) -> dict[Hashable, bool]:
        return {label: p >= self.threshold for label, p in self._scores(x).items()}


# ---- the registered baselines ------------------------------------------------------------


def _br(classifier: base.Classifier) -> multioutput.PerOutputClassifier:
    return multioutput.PerOutputClassifier(classifier)


def _after(preprocessing: compose.TransformerUnion, model: Any) -> base.MultiLabelClassifier:
    # A river pipeline is an instance of its last step's kind at run time, not statically.
    return cast(base.MultiLabelClassifier, preprocessing | model)


@register(
    "river-br-ht",
    "binary relevance of Hoeffding trees (river PerOutputClassifier)",
    absent_is_missing=True,
    aliases=("br-ht",),
)
def _br_ht() -> base.MultiLabelClassifier:
    return _br(tree.HoeffdingTreeClassifier())


@register("br-hat", "binary relevance of Hoeffding adaptive trees", absent_is_missing=True)
def _br_hat() -> base.MultiLabelClassifier:
    return _br(tree.HoeffdingAdaptiveTreeClassifier(seed=SEED))


@register("br-efdt", "binary relevance of extremely fast decision trees", absent_is_missing=True)
def _br_efdt() -> base.MultiLabelClassifier:
    return _br(tree.ExtremelyFastDecisionTreeClassifier())


@register(
    "br-arf",
    "binary relevance of adaptive random forests (10 trees each; slow)",
    absent_is_missing=True,
)
def _br_arf() -> base.MultiLabelClassifier:
    return _br(forest.ARFClassifier(seed=SEED))


@register("br-knn", "binary relevance of kNN (k=5, window 50) on scaled features")
def _br_knn() -> base.MultiLabelClassifier:
    return _after(encode_features(), _br(neighbors.KNNClassifier()))


@register("river-br-nb", "binary relevance of river's Gaussian naive Bayes (see br-nb)")
def _river_br_nb() -> base.MultiLabelClassifier:
    gaussian_nb: Any = naive_bayes.GaussianNB  # its __init__ is untyped in river
    # Absent one-hot indicators stay absent (river's naive Bayes skips missing features):
    # keeping them as zeros is 3x slower on sparse nominal data for no better score.
    return _after(encode_features(scale=False), _br(gaussian_nb()))


@register(
    "river-br-lr",
    "binary relevance of logistic regression on scaled features",
    aliases=("br-lr",),
)
def _br_lr() -> base.MultiLabelClassifier:
    return _after(encode_features(), _br(linear_model.LogisticRegression()))


@register(
    "river-cc-lr", "classifier chain of logistic regression on scaled features, first-seen order"
)
def _cc_lr() -> base.MultiLabelClassifier:
    return _after(encode_features(), FirstSeenClassifierChain(linear_model.LogisticRegression()))


def _fresh(prototype: Any) -> Any:
    return prototype.clone()


class _SoftmaxRegression(linear_model.SoftmaxRegression):
    """River's softmax regression, with each new class's optimizer made by `_fresh` (a
    clone of the unused prototype) rather than a `functools.partial` of `copy.deepcopy`, which
    a checkpoint may not name (`learners.state`). The same model otherwise."""

    def __init__(self, optimizer: Any = None, loss: Any = None, l2: float = 0) -> None:
        super().__init__(optimizer, loss, l2)
        self.optimizers = collections.defaultdict(functools.partial(_fresh, self.optimizer))


@register("river-lc-lr", "label powerset with softmax (multinomial logistic) regression, scaled")
def _lc_lr() -> base.MultiLabelClassifier:
    return _after(encode_features(), LabelPowerset(_SoftmaxRegression()))


@register("br-abalr", "binary relevance of ADWIN bagging of logistic regression (scaled)")
def _br_abalr() -> base.MultiLabelClassifier:
    return _after(
        encode_features(),
        _br(ensemble.ADWINBaggingClassifier(linear_model.LogisticRegression(), seed=SEED)),
    )


@register("br-abolr", "binary relevance of ADWIN boosting of logistic regression (scaled)")
def _br_abolr() -> base.MultiLabelClassifier:
    return _after(
        encode_features(),
        _br(ensemble.ADWINBoostingClassifier(linear_model.LogisticRegression(), seed=SEED)),
    )


@register(
    "river-cc-ht",
    "classifier chain of Hoeffding trees, labels in first-seen order",
    absent_is_missing=True,
    aliases=("cc-ht",),
)
def _cc_ht() -> base.MultiLabelClassifier:
    return FirstSeenClassifierChain(tree.HoeffdingTreeClassifier())


@register(
    "river-lc-ht",
    "label powerset (label combinations) with a Hoeffding tree",
    absent_is_missing=True,
    aliases=("lc-ht",),
)
def _lc_ht() -> base.MultiLabelClassifier:
    return LabelPowerset(tree.HoeffdingTreeClassifier())


@register("ps-ht", "pruned sets (p=2, b=2) with a Hoeffding tree", absent_is_missing=True)
def _ps_ht() -> base.MultiLabelClassifier:
    return PrunedSets(tree.HoeffdingTreeClassifier())


@register(
    "isoupt",
    "iSOUP-Tree regressor on 0/1 label targets, thresholded at 0.5",
    absent_is_missing=True,
)
def _isoupt() -> base.MultiLabelClassifier:
    return ThresholdedRegressor(tree.ISOUPTreeRegressor())
