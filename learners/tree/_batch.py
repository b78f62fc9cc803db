"""Numba kernels over batches of rows, for the plain and the adaptive tree alike.

Each takes `adaptive` and calls the adaptive tree's per-instance kernels (`_adaptive`) when it
is set, the plain tree's (`_kernels`) otherwise: one compiled loop serves both trees, whose
arrays have the same layout.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from learners.tree import _adaptive
from learners.tree import _kernels as k


@njit(cache=True)
def _learn_one(a, p, xi, xv, yi, ymask, ls_id: int, w: float, xbuf, adaptive: bool) -> None:
    if adaptive:
        _adaptive.learn_one(a, p, xi, xv, yi, ymask, ls_id, w, xbuf)
    else:
        k.learn_one(a, p, xi, xv, yi, ymask, ls_id, w, xbuf)


@njit(cache=True)
def _predict_one(a, p, xi, xv, xbuf, out, adaptive: bool) -> None:
    if adaptive:
        _adaptive.predict_one(a, p, xi, xv, xbuf, out)
    else:
        k.predict_one(a, p, xi, xv, xbuf, out)


@njit(cache=True)
def room_needed(a, adaptive: bool) -> int:
    """Nodes and leaves that must be free before one instance is learned: a split's two, or
    for an adaptive tree the splits and new background trees along a path."""
    return _adaptive.room_needed(a) if adaptive else 2


@njit(cache=True)
def learn_if_room(a, p, xi, xv, yi, ymask, ls_id: int, w: float, xbuf, adaptive: bool) -> bool:
    """Learn one encoded instance if the arrays have room for what it may add; False (nothing
    learned) if they must grow first. `xbuf` is all zeros, and is left so."""
    if not k.room_left(a, p, room_needed(a, adaptive)):
        return False
    k.scatter(xbuf, xi, xv)
    _learn_one(a, p, xi, xv, yi, ymask, ls_id, w, xbuf, adaptive)
    k.unscatter(xbuf, xi)
    return True


@njit(cache=True)
def predict_one(a, p, xi, xv, xbuf, out, adaptive: bool) -> None:
    """Each label's probability for one encoded instance, into `out` (`xbuf` as above)."""
    k.scatter(xbuf, xi, xv)
    _predict_one(a, p, xi, xv, xbuf, out, adaptive)
    k.unscatter(xbuf, xi)


@njit(cache=True)
def learn_many(a, p, X, Y, ls_ids, weights, start: int, adaptive: bool) -> int:
    """Learn rows `start..` of (X, Y) in order; returns the row it stopped at.

    It stops early (before a row) when the arrays have no room for what a row may add, so the
    caller can grow them and call again from the returned row.
    """
    n_feat = X.shape[1]
    xi = np.empty(n_feat, dtype=np.int64)
    xv = np.empty(n_feat)
    yi = np.empty(Y.shape[1], dtype=np.int64)
    for i in range(start, X.shape[0]):
        if not k.room_left(a, p, room_needed(a, adaptive)):
            return i
        n = k.row_to_sparse(X[i], xi, xv)
        q = k.positives(Y[i], yi)
        _learn_one(a, p, xi[:n], xv[:n], yi[:q], Y[i], ls_ids[i], weights[i], X[i], adaptive)
    return X.shape[0]


@njit(cache=True)
def predict_many(a, p, X, out, adaptive: bool) -> None:
    """Each row of the dense `X` predicted into the same row of `out`."""
    xi = np.empty(X.shape[1], dtype=np.int64)
    xv = np.empty(X.shape[1])
    for i in range(X.shape[0]):
        n = k.row_to_sparse(X[i], xi, xv)
        _predict_one(a, p, xi[:n], xv[:n], X[i], out[i], adaptive)


@njit(cache=True)
def test_then_train_many(
    a, p, indptr, idx, val, Y, ls_ids, weights, learn, xbuf, out, start: int, adaptive: bool
) -> int:
    """Predict rows `start..` of a CSR batch into `out`, learning after each row where `learn`.

    Row `i` is `idx[indptr[i]:indptr[i + 1]]` (columns) and `val[...]`, as `encode_row` gives;
    it is learned with the label mask `Y[i]`, label set `ls_ids[i]` and weight `weights[i]`, as
    `learn_encoded` learns. Returns the row it stopped at: before a row to learn when the arrays
    have no room for it (the caller grows them and calls again from there), or the row count.
    """
    yi = np.empty(Y.shape[1], dtype=np.int64)
    for i in range(start, out.shape[0]):
        if learn[i] and not k.room_left(a, p, room_needed(a, adaptive)):
            return i
        xi = idx[indptr[i] : indptr[i + 1]]
        xv = val[indptr[i] : indptr[i + 1]]
        k.scatter(xbuf, xi, xv)
        _predict_one(a, p, xi, xv, xbuf, out[i], adaptive)
        if learn[i]:
            q = k.positives(Y[i], yi)
            _learn_one(a, p, xi, xv, yi[:q], Y[i], ls_ids[i], weights[i], xbuf, adaptive)
        k.unscatter(xbuf, xi)
    return out.shape[0]
