"""Numba kernels of the adaptive tree: per-node drift detection and background subtrees.

Every node on an instance's path feeds the Hamming loss of the tree's prediction into its own
ADWIN and into an error count since its last drift. When a branch's ADWIN detects a change and
the recent error is above the node's mean, a background subtree starts at that branch and
learns alongside it. Once both have seen `P_DRIFT_WINDOW` weight, MLHAT's test compares their
mean errors: the background subtree replaces the branch when it is significantly better and is
dropped when it is significantly worse. Predictions combine the main leaf and the leaves of
grown background subtrees on the path, each weighted by the inverse square of its error.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from drift import _adwin_kernels as adwin
from learners.tree._kernels import (
    descend,
    free_subtree,
    learn_at_leaf,
    maybe_split,
    new_leaf_node,
    predict_leaf,
    reset_node_drift,
    update_feature_stats,
)
from learners.tree._layout import (
    M_MAX_DEPTH,
    M_N_ALTERNATES,
    M_N_LABELS,
    M_N_PRUNES,
    M_N_SWAPS,
    M_ROOT,
    N_ALT,
    N_BACKGROUND,
    N_DEPTH,
    N_FEATURE,
    N_LEFT,
    N_RIGHT,
    NF_ERR_SUM,
    NF_ERR_W,
    NF_THRESHOLD,
    NF_W_LEFT,
    NF_W_RIGHT,
    P_DRIFT_WINDOW,
    P_MAX_OBS,
    P_SWITCH_SIGNIFICANCE,
)

_KEEP = 0
_SWAP = 1
_PRUNE = 2


@njit(cache=True)
def room_needed(a) -> int:
    """Nodes and leaves one instance may create: at each branch on its path a new background
    tree (one leaf) and a split of a background tree's leaf (two), and a split of its leaf."""
    return 3 * a.meta[M_MAX_DEPTH] + 2


@njit(cache=True)
def _error_mean(a, node: int) -> float:
    w = a.node_f[node, NF_ERR_W]
    return a.node_f[node, NF_ERR_SUM] / w if w > 0.0 else 0.5


@njit(cache=True)
def _record(a, node: int, loss: float, w: float) -> None:
    a.node_f[node, NF_ERR_SUM] += w * loss
    a.node_f[node, NF_ERR_W] += w


@njit(cache=True)
def _hamming_loss(a, p, leaf: int, xi, xv, xbuf, ymask, n_labels: int, out) -> float:
    predict_leaf(a, p, leaf, xi, xv, xbuf, out)
    wrong = 0
    for lab in range(n_labels):
        if (out[lab] >= 0.5) != ymask[lab]:
            wrong += 1
    return wrong / n_labels if n_labels > 0 else 0.0


@njit(cache=True)
def _error_increased(a, p, node: int, loss: float, w: float) -> bool:
    """Feed the node's ADWIN; True when it detects a change towards a higher error."""
    fs, ist, buckets = a.adw_fs[node], a.adw_ist[node], a.adw_b[node]
    before = _error_mean(a, node)
    _record(a, node, loss, w)
    if adwin.update_one(fs, ist, buckets, loss) != 1:
        return False
    recent = fs[adwin.TOTAL] / fs[adwin.WIDTH] if fs[adwin.WIDTH] > 0 else loss
    reset_node_drift(a, p, node)  # the error count restarts after a change, as ADWIN does
    return recent > before


@njit(cache=True)
def _switch_test(a, p, node: int, alt: int) -> int:
    """MLHAT's test: swap in or prune the background subtree once both have enough weight."""
    n_alt = a.node_f[alt, NF_ERR_W]
    n_main = a.node_f[node, NF_ERR_W]
    if n_alt <= p[P_DRIFT_WINDOW] or n_main <= p[P_DRIFT_WINDOW]:
        return _KEEP
    e_main = _error_mean(a, node)
    e_alt = _error_mean(a, alt)
    bound = math.sqrt(
        2.0
        * e_main
        * (1.0 - e_main)
        * math.log(2.0 / p[P_SWITCH_SIGNIFICANCE])
        * (1.0 / n_alt + 1.0 / n_main)
    )
    if e_main - e_alt > bound:
        return _SWAP
    if e_alt - e_main > bound:
        return _PRUNE
    return _KEEP


@njit(cache=True)
def _bring_to_front(a, root: int) -> None:
    stack = [root]
    while len(stack) > 0:
        node = stack.pop()
        a.node_i[node, N_BACKGROUND] = 0
        if a.node_i[node, N_FEATURE] >= 0:
            stack.append(a.node_i[node, N_LEFT])
            stack.append(a.node_i[node, N_RIGHT])


@njit(cache=True)
def _learn_background(a, p, alt: int, xi, xv, yi, ymask, ls_id: int, w: float, xbuf, out) -> None:
    n_labels = a.meta[M_N_LABELS]
    leaf = descend(a, xbuf, alt, False, 0.0)
    loss = _hamming_loss(a, p, leaf, xi, xv, xbuf, ymask, n_labels, out)
    _record(a, alt, loss, w)
    if leaf != alt:
        _record(a, leaf, loss, w)
    leaf = descend(a, xbuf, alt, True, w)
    learn_at_leaf(a, p, leaf, xi, xv, yi, ymask, ls_id, w)
    maybe_split(a, p, leaf)


@njit(cache=True)
def learn_one(a, p, xi, xv, yi, ymask, ls_id: int, w: float, xbuf) -> bool:
    """Learn one instance in an adaptive tree; True if the main tree changed shape."""
    update_feature_stats(a, xi, xv, w)
    n_labels = a.meta[M_N_LABELS]
    out = np.empty(max(n_labels, 1))
    leaf = descend(a, xbuf, a.meta[M_ROOT], False, 0.0)
    loss = _hamming_loss(a, p, leaf, xi, xv, xbuf, ymask, n_labels, out)

    parent = -1
    go_left = True
    node = a.meta[M_ROOT]
    while True:
        is_branch = a.node_i[node, N_FEATURE] >= 0
        if _error_increased(a, p, node, loss, w) and is_branch and a.node_i[node, N_ALT] < 0:
            alt = new_leaf_node(a, p, a.node_i[node, N_DEPTH], 1, int(p[P_MAX_OBS]))
            a.node_i[node, N_ALT] = alt
            a.meta[M_N_ALTERNATES] += 1
        alt = a.node_i[node, N_ALT]
        if alt >= 0:
            _learn_background(a, p, alt, xi, xv, yi, ymask, ls_id, w, xbuf, out)
            decision = _switch_test(a, p, node, alt)
            if decision == _SWAP:
                a.node_i[node, N_ALT] = -1
                _bring_to_front(a, alt)
                if parent < 0:
                    a.meta[M_ROOT] = alt
                elif go_left:
                    a.node_i[parent, N_LEFT] = alt
                else:
                    a.node_i[parent, N_RIGHT] = alt
                free_subtree(a, node)
                a.meta[M_N_SWAPS] += 1
                return True  # the promoted subtree has learned the instance already
            if decision == _PRUNE:
                free_subtree(a, alt)
                a.node_i[node, N_ALT] = -1
                a.meta[M_N_PRUNES] += 1
        if not is_branch:
            break
        v = xbuf[a.node_i[node, N_FEATURE]]
        go_left = v <= a.node_f[node, NF_THRESHOLD]
        parent = node
        if go_left:
            a.node_f[node, NF_W_LEFT] += w
            node = a.node_i[node, N_LEFT]
        else:
            a.node_f[node, NF_W_RIGHT] += w
            node = a.node_i[node, N_RIGHT]
    learn_at_leaf(a, p, node, xi, xv, yi, ymask, ls_id, w)
    return maybe_split(a, p, node)


@njit(cache=True)
def _leaf_weight(a, node: int) -> float:
    e = _error_mean(a, node)
    return 1.0 / (e * e + 1e-4)


@njit(cache=True)
def predict_one(a, p, xi, xv, xbuf, out) -> None:
    """Combine the main leaf with the leaves of grown background subtrees on the path."""
    n_labels = a.meta[M_N_LABELS]
    node = a.meta[M_ROOT]
    acc = np.zeros(n_labels)
    tmp = np.empty(max(n_labels, 1))
    total = 0.0
    while True:
        alt = a.node_i[node, N_ALT]
        if alt >= 0 and a.node_f[alt, NF_ERR_W] > p[P_DRIFT_WINDOW]:
            leaf = descend(a, xbuf, alt, False, 0.0)
            predict_leaf(a, p, leaf, xi, xv, xbuf, tmp)
            wt = _leaf_weight(a, leaf)
            acc += wt * tmp[:n_labels]
            total += wt
        if a.node_i[node, N_FEATURE] < 0:
            break
        v = xbuf[a.node_i[node, N_FEATURE]]
        if v != v:
            go_left = a.node_f[node, NF_W_LEFT] >= a.node_f[node, NF_W_RIGHT]
        else:
            go_left = v <= a.node_f[node, NF_THRESHOLD]
        node = a.node_i[node, N_LEFT] if go_left else a.node_i[node, N_RIGHT]
    predict_leaf(a, p, node, xi, xv, xbuf, tmp)
    if total == 0.0:
        out[:n_labels] = tmp[:n_labels]
        return
    wt = _leaf_weight(a, node)
    out[:n_labels] = (acc + wt * tmp[:n_labels]) / (total + wt)
