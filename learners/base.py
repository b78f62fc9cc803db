"""The base class of every multi-label learner in the project (river's API plus a batch path)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from river import base

__all__ = ["MultiLabelLearner", "positive_labels"]


def positive_labels(y: dict[Hashable, bool]) -> frozenset[Hashable]:
    """The set of labels that are on in a label dict.

    >>> sorted(positive_labels({"a": True, "b": False, "c": True}))
    ['a', 'c']
    """
    return frozenset(label for label, on in y.items() if on)


class MultiLabelLearner(base.MultiLabelClassifier):
    """River's `MultiLabelClassifier` with a NumPy batch path over a fixed schema.

    Subclasses implement `learn_one` and `predict_proba_one`; `predict_one` thresholds each
    label's probability at 0.5. `learn_many`/`predict_many` default to row-by-row loops over the
    dict API; fast learners override them. Columns are named by `feature_names`/`label_names`
    when given, else by their integer index.
    """

    def predict_one(self, x: dict[Hashable, Any], **kwargs: Any) -> dict[Hashable, bool]:
        probas = self.predict_proba_one(x, **kwargs)
        return {label: p.get(True, 0.0) >= 0.5 for label, p in probas.items()}

    def test_then_train_many(
        self,
        xs: Sequence[dict[Hashable, Any]],
        ys: Sequence[dict[Hashable, bool] | None],
    ) -> tuple[np.ndarray, np.ndarray, list[Hashable]]:
        """Predict each `xs[i]`, then learn it with `ys[i]` (None: only predict), in order.

        Returns `(proba, on, labels)`: `proba[i, j]` is `predict_proba_one(xs[i])`'s probability
        that `labels[j]` is on, NaN when that output did not have the label; `on[i, j]` is
        `predict_one(xs[i])`'s value for it. Learners with a fast batch path override this.

        >>> from learners.reference import NoChange
        >>> proba, on, labels = NoChange().test_then_train_many(
        ...     [{"a": 1.0}, {"a": 2.0}], [{"x": True, "y": False}, None])
        >>> proba.tolist(), on.tolist(), labels
        ([[nan, nan], [1.0, 0.0]], [[False, False], [True, False]], ['x', 'y'])
        """
        rows: list[tuple[dict[Hashable, float], dict[Hashable, bool]]] = []
        for x, y in zip(xs, ys, strict=True):
            probas = self.predict_proba_one(x)
            on = self.predict_one(x)
            rows.append(({label: p.get(True, 0.0) for label, p in probas.items()}, on))
            if y is not None:
                self.learn_one(x, y)
        labels = list(dict.fromkeys(label for scores, on in rows for label in (*scores, *on)))
        proba = np.full((len(rows), len(labels)), np.nan)
        out = np.zeros((len(rows), len(labels)), dtype=np.bool_)
        for i, (scores, on) in enumerate(rows):
            for j, label in enumerate(labels):
                proba[i, j] = scores.get(label, np.nan)
                out[i, j] = on.get(label, False)
        return proba, out, labels

    def learn_many(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        feature_names: Sequence[Hashable] | None = None,
        label_names: Sequence[Hashable] | None = None,
    ) -> None:
        """Learn the rows of `X` (n, n_features) with the label rows of `Y` (n, n_labels)."""
        fnames = list(feature_names) if feature_names is not None else list(range(X.shape[1]))
        lnames = list(label_names) if label_names is not None else list(range(Y.shape[1]))
        for row, labels in zip(X, Y, strict=True):
            x = {f: float(v) for f, v in zip(fnames, row, strict=True) if v == v}  # drop NaN
            self.learn_one(x, {lb: bool(v) for lb, v in zip(lnames, labels, strict=True)})

    def predict_many(
        self,
        X: np.ndarray,
        *,
        feature_names: Sequence[Hashable] | None = None,
        label_names: Sequence[Hashable] | None = None,
    ) -> np.ndarray:
        """Predict a boolean matrix (n, n_labels) for the rows of `X`.

        Without `label_names`, the columns are the labels learned so far in the order first seen.
        """
        fnames = list(feature_names) if feature_names is not None else list(range(X.shape[1]))
        preds = [
            self.predict_one({f: float(v) for f, v in zip(fnames, row, strict=True) if v == v})
            for row in X
        ]
        if label_names is None:
            seen: dict[Hashable, None] = {}
            for p in preds:
                seen.update(dict.fromkeys(p))
            label_names = list(seen)
        out = np.zeros((len(preds), len(label_names)), dtype=np.bool_)
        for i, p in enumerate(preds):
            for j, label in enumerate(label_names):
                out[i, j] = p.get(label, False)
        return out
