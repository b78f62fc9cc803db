"""Feature and label names mapped to array columns, for learners whose statistics are arrays.

A learner that keeps its statistics in NumPy arrays gives each feature and each label a column
the first time it sees the name, and grows its arrays (doubling their capacity) when a name
beyond their capacity appears mid-stream. `ColumnIndex` does the bookkeeping; the learner says
how its arrays grow by implementing `_features_added` and `_labels_added`.

>>> import numpy as np
>>> class Counts(ColumnIndex):
...     def __init__(self):
...         self._reset_columns()
...         self.seen = np.zeros(1)
...     def _features_added(self, n):
...         self.seen = grown(self.seen, 0, capacity(n, self.seen.shape[0]))
...     def _labels_added(self, n):
...         pass
>>> c = Counts()
>>> c._add_features(["a", "b", "c"])
>>> c._features, c.seen.shape
({'a': 0, 'b': 1, 'c': 2}, (3,))
>>> c._columns(["c", "z"], 2, "feature", learn=False)
array([ 2, -1])
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

__all__ = ["ColumnIndex", "FeatureIndex", "capacity", "grown"]


def grown(arr: np.ndarray, axis: int, size: int, fill: Any = 0) -> np.ndarray:
    """`arr` enlarged along `axis` to `size`, new entries set to `fill`.

    >>> grown(np.ones((1, 2)), 1, 4, fill=-1)
    array([[ 1.,  1., -1., -1.]])
    """
    if arr.shape[axis] >= size:
        return arr
    shape = list(arr.shape)
    shape[axis] = size
    out = np.full(shape, fill, dtype=arr.dtype)
    out[tuple(slice(0, n) for n in arr.shape)] = arr
    return out


def capacity(needed: int, current: int) -> int:
    """The capacity to grow to for `needed` entries: at least double the `current` one."""
    return max(needed, 2 * current)


def _one_hot(x: dict[Hashable, Any]) -> dict[Hashable, Any]:
    """Nominal (string) values become binary features named (feature, category)."""
    return {
        (f, v) if isinstance(v, str) else f: 1.0 if isinstance(v, str) else v
        for f, v in x.items()
        if v is not None
    }


class ColumnIndex:
    """Names to column indices in first-seen order, for features and for labels.

    Subclasses call `_reset_columns` when they (re)initialise and implement the two hooks,
    which are called with the new number of features (labels) after names were added.
    """

    _features: dict[Hashable, int]
    _labels: dict[Hashable, int]
    _label_names: list[Hashable]

    def _reset_columns(self) -> None:
        self._features = {}
        self._labels = {}
        self._label_names = []

    def _features_added(self, n: int) -> None:
        """Make room for `n` features."""
        raise NotImplementedError

    def _labels_added(self, n: int) -> None:
        """Make room for `n` labels."""
        raise NotImplementedError

    def _add_features(self, names: Sequence[Hashable]) -> None:
        for name in names:
            if name not in self._features:
                self._features[name] = len(self._features)
        self._features_added(len(self._features))

    def _add_labels(self, names: Sequence[Hashable]) -> None:
        for name in names:
            if name not in self._labels:
                self._labels[name] = len(self._labels)
                self._label_names.append(name)
        self._labels_added(len(self._labels))

    def encode_row(self, x: dict[Hashable, Any], learn: bool) -> tuple[np.ndarray, np.ndarray]:
        """Columns and values of the known, non-zero features of `x`, nominal (string) values
        one-hot as features named (feature, category); with `learn`, new features are added.

        >>> index = FeatureIndex()
        >>> xi, xv = index.encode_row({"a": 2.0, "b": 0.0, "c": "red"}, learn=True)
        >>> xi.tolist(), xv.tolist(), index._features
        ([0, 2], [2.0, 1.0], {'a': 0, 'b': 1, ('c', 'red'): 2})
        """
        try:
            xv = np.fromiter(x.values(), dtype=np.float64, count=len(x))
        except (TypeError, ValueError):
            x = _one_hot(x)
            xv = np.fromiter(x.values(), dtype=np.float64, count=len(x))
        features = self._features
        known = features.keys() >= x.keys()
        if learn and not known:
            self._add_features([f for f in x if f not in features])
            known = True
        if known:
            xi = np.fromiter(map(features.__getitem__, x), dtype=np.int64, count=len(x))
        else:
            xi = np.fromiter((features.get(f, -1) for f in x), dtype=np.int64, count=len(x))
        keep = (xi >= 0) & (xv != 0.0) & ~np.isnan(xv)
        if not keep.all():
            xi, xv = xi[keep], xv[keep]
        return xi, xv

    def _encode_y(self, y: dict[Hashable, bool]) -> np.ndarray:
        """The sorted columns of the labels that are on in `y` (new labels are added)."""
        if not self._labels.keys() >= y.keys():
            self._add_labels([lab for lab in y if lab not in self._labels])
        on = itertools.compress(y.keys(), y.values())
        yi = np.fromiter(map(self._labels.__getitem__, on), dtype=np.int64)
        yi.sort()
        return yi

    def _columns(
        self, names: Sequence[Hashable] | None, width: int, kind: str, learn: bool
    ) -> np.ndarray:
        """The column of each name (of `range(width)` when None); -1 for unknown ones.

        With `learn`, unknown names are added first.
        """
        names = list(range(width)) if names is None else list(names)
        index = self._features if kind == "feature" else self._labels
        if learn and not index.keys() >= set(names):
            new = [n for n in names if n not in index]
            (self._add_features if kind == "feature" else self._add_labels)(new)
        return np.array([index.get(n, -1) for n in names], dtype=np.int64)

    @staticmethod
    def _reorder(
        M: np.ndarray, cols: np.ndarray, width: int, dtype: Any, fill: Any = 0
    ) -> np.ndarray:
        """`M`'s columns placed at `cols` in a `width`-wide matrix (others `fill`)."""
        if cols.shape[0] == width and np.array_equal(cols, np.arange(width)):
            return np.ascontiguousarray(M, dtype=dtype)
        out = np.full((M.shape[0], width), fill, dtype=dtype)
        known = cols >= 0
        out[:, cols[known]] = M[:, known]
        return out


class FeatureIndex(ColumnIndex):
    """A column index with no arrays of its own: learners that share `_features` grow theirs."""

    def __init__(self) -> None:
        self._reset_columns()

    @property
    def features(self) -> dict[Hashable, int]:
        """Feature name -> column, the dict learners share (`share_features`)."""
        return self._features

    def _features_added(self, n: int) -> None:
        pass

    def _labels_added(self, n: int) -> None:
        pass
