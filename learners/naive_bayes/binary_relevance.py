"""Binary relevance of Gaussian naive Bayes: river's `br-nb`, with NumPy statistics and Numba.

The model is exactly river 0.26.1's `encode_features(scale=False) | PerOutputClassifier(
naive_bayes.GaussianNB())` (registered as `river-br-nb`): the same predictions and the same
probabilities (to about 1e-12), about a hundred times faster. What river does, and so this does:

- Features: numbers (bools too) are used as they are; a string is a nominal category and
  becomes the indicator `f"{name}_{value}"` = 1 (absent indicators stay absent, as in
  `encode_features(scale=False)`); `None` is missing. A missing feature adds nothing to a
  class's Gaussians when learned. Unlike river, a NaN is missing too (river would learn it and
  poison that Gaussian for good).
- Per label and class: a prior from the class counts, and per feature a Gaussian from Welford's
  running mean and variance (ddof 0, as `GaussianNB` sets it). A class's joint log-likelihood is
  `log(prior) + sum over the features of x of log(pdf + 1e-9)`, where a feature the class has no
  Gaussian for, or one of zero variance, gives log(1e-9).
- Probabilities are `exp(jll - logsumexp(jll))` over the classes a label has seen; a label
  that has seen one class gives it probability 1. The predicted class is the more probable
  one, the class seen first winning a tie. Before a label is learned it is in no output.

Examples
--------
>>> from river import datasets, metrics
>>> model = BinaryRelevanceGaussianNB()
>>> metric = metrics.multioutput.MicroAverage(metrics.F1())
>>> for x, y in datasets.Yeast().take(500):
...     y_pred = model.predict_one(x)
...     metric.update(y, {label: y_pred.get(label, False) for label in y})
...     model.learn_one(x, y)
>>> metric
MicroAverage(F1): 55.47%
>>> model.predict_proba_one({"Att1": 0.1})["Class1"]
{False: 0.7457..., True: 0.2542...}
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from learners._columns import ColumnIndex, capacity, grown
from learners.base import MultiLabelLearner
from learners.naive_bayes import _kernels as k
from learners.registry import register

__all__ = ["BinaryRelevanceGaussianNB"]

_LABEL_BLOCK = 4  # label capacity is a multiple of this: rows of 8 columns fill SIMD registers
_PLAIN = frozenset({float, int, bool})
_STATS = ("_n", "_mean", "_m2", "_c1", "_lognorm")
_FILL = {"_lognorm": k.INVALID}


def river_encoded(x: dict[Hashable, Any]) -> dict[Hashable, Any]:
    """`x` as `encode_features(scale=False)` gives it: one-hot strings first, then numbers.

    >>> river_encoded({"a": 1.5, "colour": "red", "b": None})
    {'colour_red': 1.0, 'a': 1.5}
    """
    out: dict[Hashable, Any] = {f"{f}_{v}": 1.0 for f, v in x.items() if isinstance(v, str)}
    out.update({f: v for f, v in x.items() if isinstance(v, numbers.Number)})
    return out


class BinaryRelevanceGaussianNB(ColumnIndex, MultiLabelLearner):
    """Gaussian naive Bayes per label (see the module docstring for the exact model).

    Besides river's dict API, `learn_many`/`predict_many`/`predict_proba_many` take NumPy rows
    (NaN: missing) and `test_then_train_many` predicts then learns a batch of dicts in order.
    """

    def __init__(self) -> None:
        self._reset_columns()
        width = 2 * _LABEL_BLOCK
        self._n = np.zeros((1, width))
        self._mean = np.zeros((1, width))
        self._m2 = np.zeros((1, width))
        self._c1 = np.zeros((1, width))
        self._lognorm = np.full((1, width), k.INVALID)
        self._counts = np.zeros(width)
        self._first = np.full(_LABEL_BLOCK, -1, dtype=np.int8)

    # ---- columns -----------------------------------------------------------------------------

    def _features_added(self, n: int) -> None:
        cap = self._n.shape[0]
        if n > cap:
            cap = capacity(n, cap)
            for name in _STATS:
                setattr(self, name, grown(getattr(self, name), 0, cap, _FILL.get(name, 0.0)))

    def _labels_added(self, n: int) -> None:
        cap = self._first.shape[0]
        if n > cap:
            cap = -(-capacity(n, cap) // _LABEL_BLOCK) * _LABEL_BLOCK
            for name in _STATS:
                setattr(self, name, grown(getattr(self, name), 1, 2 * cap, _FILL.get(name, 0.0)))
            self._counts = grown(self._counts, 0, 2 * cap)
            self._first = grown(self._first, 0, cap, -1)

    def _encode_x(self, x: dict[Hashable, Any], learn: bool) -> tuple[np.ndarray, np.ndarray]:
        """Columns (-1: unknown) and values of the features of `x`, in river's order."""
        if not _PLAIN.issuperset(map(type, x.values())):
            x = river_encoded(x)
        xv = np.fromiter(x.values(), dtype=np.float64, count=len(x))
        if learn and not self._features.keys() >= x.keys():
            self._add_features([f for f in x if f not in self._features])
        get = self._features.get
        xi = np.fromiter((get(f, -1) for f in x), dtype=np.int64, count=len(x))
        keep = ~np.isnan(xv)
        if not keep.all():
            xi, xv = xi[keep], xv[keep]
        return xi, xv

    def _encode_rows(
        self, xs: Sequence[dict[Hashable, Any]], learn: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows as CSR (`indptr`, columns, values); features of learned rows are added."""
        lens = np.zeros(len(xs) + 1, dtype=np.int64)
        idx_parts: list[np.ndarray] = []
        values: list[Any] = []
        keys: list[Hashable] | None = None
        cols = np.zeros(0, dtype=np.int64)
        complete = False
        for i, x in enumerate(xs):
            row_keys = list(x)
            if row_keys != keys or (learn[i] and not complete):  # rows often share their keys
                keys = row_keys
                if learn[i] and not self._features.keys() >= x.keys():
                    self._add_features([f for f in x if f not in self._features])
                get = self._features.get
                cols = np.fromiter((get(f, -1) for f in keys), dtype=np.int64, count=len(keys))
                complete = bool((cols >= 0).all())
            idx_parts.append(cols)
            values.extend(x.values())
            lens[i + 1] = len(keys)
        val = np.array(values)
        if val.dtype.kind in "fiub":  # numbers only (a string or None makes it another kind)
            idx = np.concatenate(idx_parts) if idx_parts else cols
            val = val.astype(np.float64, copy=False)
        else:  # nominal or missing values: row by row, as river encodes them
            encoded = [self._encode_x(x, bool(learn[i])) for i, x in enumerate(xs)]
            idx = np.concatenate([xi for xi, _ in encoded] + [cols[:0]])
            val = np.concatenate([xv for _, xv in encoded] + [np.zeros(0)])
            lens[1:] = [len(xi) for xi, _ in encoded]
        keep = ~np.isnan(val)
        if not keep.all():
            rows = np.repeat(np.arange(len(xs)), lens[1:])
            idx, val = idx[keep], val[keep]
            lens[1:] = np.bincount(rows[keep], minlength=len(xs))
        return np.cumsum(lens), idx, val

    def _encode_labels(self, ys: Sequence[dict[Hashable, bool] | None]) -> np.ndarray:
        """Each row's class per label column (-1 where the row does not give the label)."""
        for y in ys:
            if y is not None and not self._labels.keys() >= y.keys():
                self._add_labels([lab for lab in y if lab not in self._labels])
        Y = np.full((len(ys), self._first.shape[0]), -1, dtype=np.int8)
        keys: list[Hashable] | None = None
        cols: list[int] = []
        for i, y in enumerate(ys):
            if y is None:
                continue
            row_keys = list(y)
            if row_keys != keys:
                keys = row_keys
                cols = [self._labels[lab] for lab in keys]
            Y[i, cols] = list(y.values())
        return Y

    # ---- the kernel --------------------------------------------------------------------------

    def _run(
        self,
        rows: tuple[np.ndarray, np.ndarray, np.ndarray],
        Y: np.ndarray,
        learn: np.ndarray,
        predict: bool,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = Y.shape[0] if predict else 0
        width = self._first.shape[0]
        PT = np.empty((n, width))
        PF = np.empty((n, width))
        ON = np.zeros((n, width), dtype=np.bool_)
        indptr, idx, val = rows
        k.run(
            indptr, idx, val, Y, learn, predict, len(self._labels), self._counts, self._first,
            self._n, self._mean, self._m2, self._c1, self._lognorm, PT, PF, ON,
        )  # fmt: skip
        n_labels = len(self._labels)
        return PT[:, :n_labels], PF[:, :n_labels], ON[:, :n_labels]

    def _one_row(self, x: dict[Hashable, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        xi, xv = self._encode_x(x, learn=False)
        rows = (np.array([0, len(xi)], dtype=np.int64), xi, xv)
        Y = np.full((1, self._first.shape[0]), -1, dtype=np.int8)
        PT, PF, ON = self._run(rows, Y, np.zeros(1, dtype=np.bool_), predict=True)
        return PT[0], PF[0], ON[0]

    # ---- river's API -------------------------------------------------------------------------

    def learn_one(self, x: dict[Hashable, Any], y: dict[Hashable, bool]) -> None:
        Y = self._encode_labels([y])
        xi, xv = self._encode_x(x, learn=True)
        rows = (np.array([0, len(xi)], dtype=np.int64), xi, xv)
        self._run(rows, Y, np.ones(1, dtype=np.bool_), predict=False)

    def predict_proba_one(
        self, x: dict[Hashable, Any], **kwargs: Any
    ) -> dict[Hashable, dict[bool, float]]:
        if not self._labels:
            return {}
        pt, pf, _ = self._one_row(x)
        out: dict[Hashable, dict[bool, float]] = {}
        for lab, (t, f) in enumerate(zip(pt.tolist(), pf.tolist(), strict=True)):
            probas = {True: t, False: f} if self._first[lab] == 1 else {False: f, True: t}
            probas = {c: p for c, p in probas.items() if p == p}  # drop classes never seen
            if probas:
                out[self._label_names[lab]] = probas
        return out

    def predict_one(self, x: dict[Hashable, Any], **kwargs: Any) -> dict[Hashable, bool]:
        if not self._labels:
            return {}
        _, _, on = self._one_row(x)
        seen = self._first[: len(self._labels)] >= 0
        return {
            name: v
            for name, v, s in zip(self._label_names, on.tolist(), seen.tolist(), strict=True)
            if s
        }

    # ---- batches -----------------------------------------------------------------------------

    def test_then_train_many(
        self,
        xs: Sequence[dict[Hashable, Any]],
        ys: Sequence[dict[Hashable, bool] | None],
    ) -> tuple[np.ndarray, np.ndarray, list[Hashable]]:
        Y = self._encode_labels(ys)
        learn = np.fromiter((y is not None for y in ys), dtype=np.bool_, count=len(ys))
        rows = self._encode_rows(xs, learn)
        PT, PF, ON = self._run(rows, Y, learn, predict=True)
        proba = np.where(np.isnan(PT) & ~np.isnan(PF), 0.0, PT)
        return proba, ON, list(self._label_names)

    def _dense_rows(
        self, X: np.ndarray, feature_names: Sequence[Hashable] | None, learn: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X = np.asarray(X, dtype=np.float64)
        cols = self._columns(feature_names, X.shape[1], "feature", learn=learn)
        present = ~np.isnan(X)
        rows, where = np.nonzero(present)
        indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
        np.cumsum(present.sum(axis=1), out=indptr[1:])
        return indptr, cols[where], X[rows, where]

    def learn_many(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        feature_names: Sequence[Hashable] | None = None,
        label_names: Sequence[Hashable] | None = None,
    ) -> None:
        """Learn the rows of `X` (NaN: missing) with every label of `Y`, in order."""
        lcols = self._columns(label_names, Y.shape[1], "label", learn=True)
        rows = self._dense_rows(X, feature_names, learn=True)
        classes = np.asarray(Y, dtype=np.bool_).astype(np.int8)
        Yi = self._reorder(classes, lcols, self._first.shape[0], np.int8, fill=-1)
        self._run(rows, Yi, np.ones(Yi.shape[0], dtype=np.bool_), predict=False)

    def _predict_dense(
        self, X: np.ndarray, feature_names: Sequence[Hashable] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        rows = self._dense_rows(X, feature_names, learn=False)
        Y = np.full((X.shape[0], self._first.shape[0]), -1, dtype=np.int8)
        PT, _, ON = self._run(rows, Y, np.zeros(X.shape[0], dtype=np.bool_), predict=True)
        return np.nan_to_num(PT, nan=0.0), ON

    def predict_proba_many(
        self, X: np.ndarray, *, feature_names: Sequence[Hashable] | None = None
    ) -> np.ndarray:
        """Probabilities (n, n_labels) that each label is on, columns in first-seen order."""
        return self._predict_dense(X, feature_names)[0]

    def predict_many(
        self,
        X: np.ndarray,
        *,
        feature_names: Sequence[Hashable] | None = None,
        label_names: Sequence[Hashable] | None = None,
    ) -> np.ndarray:
        on = self._predict_dense(X, feature_names)[1]
        if label_names is None:
            return on
        cols = self._columns(label_names, len(label_names), "label", learn=False)
        out = np.zeros((X.shape[0], len(cols)), dtype=np.bool_)
        known = cols >= 0
        out[:, known] = on[:, cols[known]]
        return out


@register("br-nb", "binary relevance of Gaussian naive Bayes (Numba; same model as river-br-nb)")
def _br_nb() -> BinaryRelevanceGaussianNB:
    return BinaryRelevanceGaussianNB()
