"""A scikit-learn / scikit-multiflow style front to any multi-label learner of the project.

scikit-multiflow users call `partial_fit(X, Y)`, `predict(X)` and `predict_proba(X)` on NumPy
arrays, with the labels as the columns of a 0/1 matrix. `SklearnMultiLabel` gives any learner
(ours or a river multi-label classifier) that interface: features are named by their column
index, labels by theirs, and the number of labels is fixed by the first `partial_fit`.

>>> import numpy as np
>>> from learners.registry import make
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(600, 4))
>>> Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, (X[:, 0] > 0) & (X[:, 1] > 0)]).astype(int)
>>> model = SklearnMultiLabel(make("mlhat"))
>>> for start in range(0, 500, 100):
...     _ = model.partial_fit(X[start : start + 100], Y[start : start + 100])
>>> predicted = model.predict(X[500:])
>>> predicted.shape, predicted.dtype
((100, 3), dtype('int64'))
>>> float((predicted == Y[500:]).mean()) > 0.8
True
>>> model.predict_proba(X[500:502]).shape
(2, 3)
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Self

import numpy as np
from river import base

from learners.base import MultiLabelLearner

__all__ = ["SklearnMultiLabel"]


class SklearnMultiLabel:
    """`partial_fit` / `predict` / `predict_proba` over a multi-label learner.

    Parameters
    ----------
    learner
        The wrapped learner, trained in place. Learners of this project take their NumPy batch
        path (`learn_many`, `predict_many`); other river classifiers go row by row.
    """

    def __init__(self, learner: base.MultiLabelClassifier) -> None:
        self.learner = learner
        self.n_labels: int | None = None
        self.n_features: int | None = None

    def fit(self, X: Any, Y: Any) -> Self:
        """Start afresh (a clone of the learner), then `partial_fit`."""
        self.learner = self.learner.clone()
        self.n_labels = self.n_features = None
        return self.partial_fit(X, Y)

    def partial_fit(self, X: Any, Y: Any, classes: Any = None, sample_weight: Any = None) -> Self:
        """Learn the rows of `X` (n, n_features) in order, with the 0/1 label rows of `Y`.

        `classes` is accepted for scikit-multiflow compatibility and ignored (labels are the
        columns of `Y`); `sample_weight` is not supported.
        """
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported")
        X = self._features(X)
        Y = np.asarray(Y)
        if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
            raise ValueError(f"Y must be (n_samples, n_labels) with n_samples={X.shape[0]}")
        if not np.isin(Y, (0, 1)).all():
            raise ValueError("Y must hold only 0 and 1 (or False and True)")
        if self.n_labels is None:
            self.n_labels = Y.shape[1]
        elif Y.shape[1] != self.n_labels:
            raise ValueError(f"Y has {Y.shape[1]} label columns, expected {self.n_labels}")
        labels = list(range(self.n_labels))
        if isinstance(self.learner, MultiLabelLearner):
            self.learner.learn_many(X, Y.astype(np.bool_), label_names=labels)
        else:
            for row, y in zip(X, Y, strict=True):
                self.learner.learn_one(self._x(row), {j: bool(v) for j, v in enumerate(y)})
        return self

    def predict(self, X: Any) -> np.ndarray:
        """0/1 matrix (n, n_labels)."""
        X = self._features(X)
        labels = list(range(self.n_labels or 0))
        if isinstance(self.learner, MultiLabelLearner):
            out = self.learner.predict_many(X, label_names=labels)
        else:
            out = np.array(
                [
                    [self.learner.predict_one(self._x(row)).get(j, False) for j in labels]
                    for row in X
                ],
                dtype=np.bool_,
            ).reshape(len(X), len(labels))
        return np.asarray(out, dtype=np.int64)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each label being on, (n, n_labels)."""
        X = self._features(X)
        labels = range(self.n_labels or 0)
        rows = [self.learner.predict_proba_one(self._x(row)) for row in X]
        return np.array(
            [[p.get(j, {}).get(True, 0.0) for j in labels] for p in rows], dtype=np.float64
        ).reshape(len(rows), len(labels))

    def _features(self, X: Any) -> np.ndarray:
        matrix: np.ndarray = np.asarray(X, dtype=np.float64)
        if matrix.ndim != 2:
            raise ValueError(f"X must be (n_samples, n_features), not of shape {matrix.shape}")
        if self.n_features is None:
            self.n_features = matrix.shape[1]
        elif matrix.shape[1] != self.n_features:
            raise ValueError(f"X has {matrix.shape[1]} features, expected {self.n_features}")
        return matrix

    @staticmethod
    def _x(row: np.ndarray) -> dict[Hashable, Any]:
        return {i: float(v) for i, v in enumerate(row) if v == v}  # NaN = missing
