"""Numba kernels of the multi-label Hoeffding tree.

Every function works on the arrays of a `TreeArrays` (see `_layout`) and a float64 parameter
vector. An instance is given as the indices and values of its present features (`xi`, `xv`),
a dense row `xbuf` holding the same values (0 elsewhere), the indices of its positive labels
(`yi`) and their mask (`ymask`), its label-set id and its weight.

An absent feature is 0 (as in sparse data; dense rows simply list every feature), so the
observers record only present values and derive the weight at 0 from the leaf's counts.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from drift import _adwin_kernels as adwin
from learners.tree._layout import (
    ADWIN_CLOCK,
    ADWIN_GRACE,
    ADWIN_MAX_BUCKETS,
    ADWIN_MIN_WINDOW,
    BEST_FADING,
    C_EMPTY,
    C_LABEL0,
    C_TOTAL,
    L_DISTINCT,
    L_EMPTY,
    L_KNN_N,
    L_KNN_POS,
    L_LAST_ATTEMPT,
    L_LAST_LS,
    L_N_LABELSETS,
    L_NODE,
    L_OBS,
    L_TP_KNN,
    L_TP_LAST,
    L_TP_LR,
    L_TP_LR_FAST,
    L_TP_MC,
    L_WEIGHT,
    LR_FAST,
    LR_STEADY,
    M_FREE_LEAF_TOP,
    M_FREE_NODE_TOP,
    M_FREE_OBS_TOP,
    M_LEAF_HIGH,
    M_MAX_DEPTH,
    M_N_FEATURES,
    M_N_LABELS,
    M_N_NODES,
    M_N_SPLITS,
    M_OBS_HIGH,
    M_ROOT,
    MODE_ADAPTIVE,
    MODE_BEST,
    MODE_KNN,
    MODE_LAST,
    MODE_LR,
    MODE_MC,
    MODE_NB,
    N_ALT,
    N_BACKGROUND,
    N_DEPTH,
    N_FEATURE,
    N_LEAF,
    N_LEFT,
    N_RIGHT,
    NF_ERR_SUM,
    NF_ERR_W,
    NF_THRESHOLD,
    NF_W_LEFT,
    NF_W_RIGHT,
    O_M2,
    O_MEAN,
    O_W,
    P_ADWIN_DELTA,
    P_CARD_THRESHOLD,
    P_DELTA,
    P_ENTROPY_THRESHOLD,
    P_GRACE,
    P_KNN_K,
    P_LEAF_MODE,
    P_LR_BIAS_RATE,
    P_LR_FAST_FACTOR,
    P_LR_RATE,
    P_MAX_DEPTH,
    P_MAX_OBS,
    P_MAX_SHARE,
    P_MERIT_PREPRUNE,
    P_MIN_BRANCH_FRACTION,
    P_N_POINTS,
    P_TAU,
    T_WEIGHT,
)

_SQRT2 = math.sqrt(2.0)


# ----------------------------------------------------------------------------------------------
# small helpers


@njit(cache=True, inline="always")
def bernoulli_entropy(p: float) -> float:
    """Entropy in bits of a Bernoulli variable."""
    if p <= 0.0 or p >= 1.0:
        return 0.0
    return -(p * math.log2(p) + (1.0 - p) * math.log2(1.0 - p))


@njit(cache=True)
def leaf_entropy(a, m: int, n_labels: int) -> float:
    """Multi-label entropy of a leaf: the labels' and the empty set's Bernoulli entropies."""
    w = a.leaf_s[m, L_WEIGHT]
    if w <= 0.0:
        return 0.0
    h = bernoulli_entropy(a.leaf_s[m, L_EMPTY] / w)
    for lab in range(n_labels):
        h += bernoulli_entropy(a.leaf_lab[m, lab] / w)
    return h


@njit(cache=True, inline="always")
def _welford(stats, w: float, x: float) -> None:
    """Weighted Welford update of a (w, mean, M2) triple."""
    total = stats[O_W] + w
    delta = x - stats[O_MEAN]
    mean = stats[O_MEAN] + delta * w / total
    stats[O_M2] += w * delta * (x - mean)
    stats[O_MEAN] = mean
    stats[O_W] = total


@njit(cache=True, inline="always")
def _mass_below(w: float, mean: float, m2: float, t: float) -> float:
    """Estimated weight at or below `t` of a Gaussian summary (w, mean, M2)."""
    if w <= 0.0:
        return 0.0
    var = m2 / w
    if var <= 1e-12 * (1.0 + mean * mean):
        return w if t >= mean else 0.0
    return w * 0.5 * (1.0 + math.erf((t - mean) / (math.sqrt(var) * _SQRT2)))


@njit(cache=True)
def descend(a, xbuf, node: int, count: bool, w: float) -> int:
    """The leaf node reached by `xbuf` from `node` (the main path; background trees aside).

    A missing value (NaN) follows the side that has seen more weight. With `count`, the
    weight `w` is added to the side taken at each branch.
    """
    while a.node_i[node, N_FEATURE] >= 0:
        v = xbuf[a.node_i[node, N_FEATURE]]
        if v != v:
            go_left = a.node_f[node, NF_W_LEFT] >= a.node_f[node, NF_W_RIGHT]
        else:
            go_left = v <= a.node_f[node, NF_THRESHOLD]
        if go_left:
            if count:
                a.node_f[node, NF_W_LEFT] += w
            node = a.node_i[node, N_LEFT]
        else:
            if count:
                a.node_f[node, NF_W_RIGHT] += w
            node = a.node_i[node, N_RIGHT]
    return node


# ----------------------------------------------------------------------------------------------
# slots


@njit(cache=True)
def _new_leaf_slot(a) -> int:
    top = a.meta[M_FREE_LEAF_TOP]
    if top > 0:
        a.meta[M_FREE_LEAF_TOP] = top - 1
        m = a.free_leaf[top - 1]
    else:
        m = a.meta[M_LEAF_HIGH]
        a.meta[M_LEAF_HIGH] = m + 1
    a.leaf_s[m, :] = 0.0
    a.leaf_s[m, L_OBS] = -1.0
    a.leaf_lab[m, :] = 0.0
    a.leaf_ls[m, :] = -1
    a.leaf_lsw[m, :] = 0.0
    a.knn_sq[m, :] = 0.0
    return m


@njit(cache=True)
def _free_leaf_slot(a, m: int) -> None:
    _release_observers(a, m)
    a.free_leaf[a.meta[M_FREE_LEAF_TOP]] = m
    a.meta[M_FREE_LEAF_TOP] += 1


@njit(cache=True)
def _new_obs_slot(a, max_obs: int) -> int:
    top = a.meta[M_FREE_OBS_TOP]
    if top > 0:
        a.meta[M_FREE_OBS_TOP] = top - 1
        o = a.free_obs[top - 1]
    elif a.meta[M_OBS_HIGH] < min(max_obs, a.obs.shape[0]):
        o = a.meta[M_OBS_HIGH]
        a.meta[M_OBS_HIGH] = o + 1
    else:
        return -1
    a.obs[o] = 0.0
    a.obs_rng[o, :, 0] = np.inf
    a.obs_rng[o, :, 1] = -np.inf
    return o


@njit(cache=True)
def _release_observers(a, m: int) -> None:
    o = int(a.leaf_s[m, L_OBS])
    if o >= 0:
        a.free_obs[a.meta[M_FREE_OBS_TOP]] = o
        a.meta[M_FREE_OBS_TOP] += 1
        a.leaf_s[m, L_OBS] = -1.0


@njit(cache=True)
def _new_node(a, p, depth: int, background: int) -> int:
    top = a.meta[M_FREE_NODE_TOP]
    if top > 0:
        a.meta[M_FREE_NODE_TOP] = top - 1
        node = a.free_node[top - 1]
    else:
        node = a.meta[M_N_NODES]
        a.meta[M_N_NODES] = node + 1
    a.node_i[node, :] = -1
    a.node_i[node, N_DEPTH] = depth
    a.node_i[node, N_BACKGROUND] = background
    a.node_f[node, :] = 0.0
    a.meta[M_MAX_DEPTH] = max(a.meta[M_MAX_DEPTH], depth)
    reset_node_drift(a, p, node)
    return node


@njit(cache=True)
def reset_node_drift(a, p, node: int) -> None:
    """An empty ADWIN (river's defaults, delta from the parameters) and error count."""
    fs, ist, buckets = a.adw_fs[node], a.adw_ist[node], a.adw_b[node]
    adwin.clear(fs, ist, buckets)
    fs[adwin.DELTA] = p[P_ADWIN_DELTA]
    fs[adwin.MIN_WINDOW_LENGTH] = ADWIN_MIN_WINDOW
    fs[adwin.GRACE_PERIOD] = ADWIN_GRACE
    ist[adwin.CLOCK] = ADWIN_CLOCK
    ist[adwin.MAX_BUCKETS] = ADWIN_MAX_BUCKETS
    a.node_f[node, NF_ERR_SUM] = 0.0
    a.node_f[node, NF_ERR_W] = 0.0


@njit(cache=True)
def free_subtree(a, root: int) -> None:
    """Release the nodes, leaf slots and observers of a subtree (its background trees too)."""
    stack = [root]
    while len(stack) > 0:
        node = stack.pop()
        if a.node_i[node, N_FEATURE] < 0:
            _free_leaf_slot(a, a.node_i[node, N_LEAF])
        else:
            stack.append(a.node_i[node, N_LEFT])
            stack.append(a.node_i[node, N_RIGHT])
        if a.node_i[node, N_ALT] >= 0:
            stack.append(a.node_i[node, N_ALT])
        a.node_i[node, :] = -1
        a.free_node[a.meta[M_FREE_NODE_TOP]] = node
        a.meta[M_FREE_NODE_TOP] += 1


@njit(cache=True)
def new_leaf_node(a, p, depth: int, background: int, max_obs: int) -> int:
    """A fresh leaf node with its leaf slot and, if the memory cap allows, observers."""
    node = _new_node(a, p, depth, background)
    m = _new_leaf_slot(a)
    a.node_i[node, N_LEAF] = m
    a.leaf_s[m, L_NODE] = node
    a.leaf_s[m, L_OBS] = _new_obs_slot(a, max_obs)
    return node


# ----------------------------------------------------------------------------------------------
# learning at a leaf


@njit(cache=True)
def _count_labelset(a, m: int, ls_id: int, w: float) -> None:
    n = int(a.leaf_s[m, L_N_LABELSETS])
    for k in range(n):
        if a.leaf_ls[m, k] == ls_id:
            a.leaf_lsw[m, k] += w
            return
    a.leaf_s[m, L_DISTINCT] += 1.0
    if n < a.leaf_ls.shape[1]:
        a.leaf_ls[m, n] = ls_id
        a.leaf_lsw[m, n] = w
        a.leaf_s[m, L_N_LABELSETS] = n + 1
    else:  # full: the lightest stored set gives way
        k_min = 0
        for k in range(1, n):
            if a.leaf_lsw[m, k] < a.leaf_lsw[m, k_min]:
                k_min = k
        a.leaf_ls[m, k_min] = ls_id
        a.leaf_lsw[m, k_min] = w


@njit(cache=True)
def _scaled_row(a, xi, xv):
    """Feature values as the logistic regressions see them.

    A dense feature (present in at least half of the instances) is standardised by its running
    mean and deviation, so an absent value counts as its mean; a sparse one is left as it is,
    so absent values stay 0 and cost nothing.
    """
    xs = np.empty(xi.shape[0])
    half = 0.5 * a.totals[T_WEIGHT]
    for k in range(xi.shape[0]):
        s = a.fstat[xi[k]]
        if s[O_W] < 2.0 or s[O_W] < half:
            xs[k] = xv[k]
            continue
        var = s[O_M2] / s[O_W]
        xs[k] = (xv[k] - s[O_MEAN]) / math.sqrt(var) if var > 1e-12 else 0.0
    return xs


@njit(cache=True)
def _lr_logit(a, m: int, v: int, lab: int, xi, xs) -> float:
    z = a.lr_b[m, v, lab]
    w = a.lr_w[m, v, lab]
    for k in range(xi.shape[0]):
        z += w[xi[k]] * xs[k]
    return z


@njit(cache=True)
def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True)
def _lr_update(a, m: int, v: int, xi, xs, ymask, n_labels: int, rate: float, brate: float) -> None:
    """Normalised SGD on the log loss: the step shrinks with the instance's squared norm."""
    sq = 1.0
    for k in range(xi.shape[0]):
        sq += xs[k] * xs[k]
    wrate = rate / sq
    for lab in range(n_labels):
        g = _sigmoid(_lr_logit(a, m, v, lab, xi, xs)) - (1.0 if ymask[lab] else 0.0)
        if g == 0.0:
            continue
        step = wrate * g
        a.lr_b[m, v, lab] -= brate * g
        w = a.lr_w[m, v, lab]
        for k in range(xi.shape[0]):
            w[xi[k]] -= step * xs[k]


@njit(cache=True)
def _knn_push(a, m: int, xi, xv, yi) -> None:
    window = a.knn_x.shape[1]
    r = int(a.leaf_s[m, L_KNN_POS])
    a.knn_x[m, r, :] = 0.0
    a.knn_y[m, r, :] = False
    sq = 0.0
    for k in range(xi.shape[0]):
        v = np.float32(xv[k])
        a.knn_x[m, r, xi[k]] = v
        sq += float(v) * float(v)
    a.knn_sq[m, r] = sq
    for k in range(yi.shape[0]):
        a.knn_y[m, r, yi[k]] = True
    a.leaf_s[m, L_KNN_POS] = (r + 1) % window
    if a.leaf_s[m, L_KNN_N] < window:
        a.leaf_s[m, L_KNN_N] += 1.0


@njit(cache=True)
def _tally(a, m: int, col: int, out, ymask, n_labels: int) -> None:
    """Fade and add a predictor's true positives (column `col`) and errors (`col + 1`)."""
    tp = 0.0
    err = 0.0
    for lab in range(n_labels):
        on = out[lab] >= 0.5
        if on and ymask[lab]:
            tp += 1.0
        elif on != ymask[lab]:
            err += 1.0
    a.leaf_s[m, col] = BEST_FADING * a.leaf_s[m, col] + tp
    a.leaf_s[m, col + 1] = BEST_FADING * a.leaf_s[m, col + 1] + err


@njit(cache=True)
def _score_predictors(a, p, m: int, xi, xv, ymask, n_labels: int) -> None:
    """Test each leaf predictor on the instance before it is learned."""
    out = np.empty(n_labels)
    _predict_mc(a, m, n_labels, out)
    _tally(a, m, L_TP_MC, out, ymask, n_labels)
    if a.leaf_s[m, L_KNN_N] > 0.0:
        _predict_knn(a, p, m, xi, xv, n_labels, out)
    _tally(a, m, L_TP_KNN, out, ymask, n_labels)
    _predict_lr(a, p, m, LR_STEADY, xi, xv, n_labels, out)
    _tally(a, m, L_TP_LR, out, ymask, n_labels)
    _predict_lr(a, p, m, LR_FAST, xi, xv, n_labels, out)
    _tally(a, m, L_TP_LR_FAST, out, ymask, n_labels)
    _predict_last(a, m, n_labels, out)
    _tally(a, m, L_TP_LAST, out, ymask, n_labels)


@njit(cache=True)
def _f1_loss(a, m: int, col: int) -> float:
    """1 - micro-F1 of a predictor's faded counts (1 when it has seen nothing)."""
    tp = a.leaf_s[m, col]
    err = a.leaf_s[m, col + 1]
    return err / (2.0 * tp + err) if tp + err > 0.0 else 1.0


@njit(cache=True)
def learn_at_leaf(a, p, node: int, xi, xv, yi, ymask, ls_id: int, w: float) -> None:
    """Update a leaf's counts, observers and predictors with one instance."""
    m = a.node_i[node, N_LEAF]
    n_labels = a.meta[M_N_LABELS]
    a.leaf_s[m, L_WEIGHT] += w
    if yi.shape[0] == 0:
        a.leaf_s[m, L_EMPTY] += w
    for k in range(yi.shape[0]):
        a.leaf_lab[m, yi[k]] += w
    _count_labelset(a, m, ls_id, w)

    o = int(a.leaf_s[m, L_OBS])
    if o >= 0:
        for k in range(xi.shape[0]):
            j = xi[k]
            v = xv[k]
            rng = a.obs_rng[o, j]
            if v < rng[0]:
                rng[0] = v
            if v > rng[1]:
                rng[1] = v
            _welford(a.obs[o, j, C_TOTAL], w, v)
            if yi.shape[0] == 0:
                _welford(a.obs[o, j, C_EMPTY], w, v)
            for q in range(yi.shape[0]):
                _welford(a.obs[o, j, C_LABEL0 + yi[q]], w, v)

    mode = int(p[P_LEAF_MODE])
    if mode == MODE_BEST:
        _score_predictors(a, p, m, xi, xv, ymask, n_labels)
    if mode == MODE_KNN or mode == MODE_ADAPTIVE or mode == MODE_BEST:
        _knn_push(a, m, xi, xv, yi)
    if mode == MODE_LR or mode == MODE_ADAPTIVE or mode == MODE_BEST:
        xs = _scaled_row(a, xi, xv)
        rate, brate = p[P_LR_RATE], p[P_LR_BIAS_RATE]
        _lr_update(a, m, LR_STEADY, xi, xs, ymask, n_labels, rate, brate)
        if mode == MODE_BEST:
            fast = p[P_LR_FAST_FACTOR]
            _lr_update(a, m, LR_FAST, xi, xs, ymask, n_labels, fast * rate, fast * brate)
    a.leaf_s[m, L_LAST_LS] = ls_id + 1  # after the predictors were tested


# ----------------------------------------------------------------------------------------------
# splitting


@njit(cache=True)
def _class_weight(a, m: int, c: int) -> float:
    if c == C_TOTAL:
        return a.leaf_s[m, L_WEIGHT]
    if c == C_EMPTY:
        return a.leaf_s[m, L_EMPTY]
    return a.leaf_lab[m, c - C_LABEL0]


@njit(cache=True)
def _split_entropies(left, base, classes, n_classes: int):
    """Weights and multi-label entropies of the two sides given each class's left weight."""
    wl = left[0]
    wr = base[0] - wl
    hl = 0.0
    hr = 0.0
    for q in range(1, n_classes):
        c = classes[q]
        if wl > 0.0:
            hl += bernoulli_entropy(min(max(left[c] / wl, 0.0), 1.0))
        if wr > 0.0:
            hr += bernoulli_entropy(min(max((base[c] - left[c]) / wr, 0.0), 1.0))
    return wl, wr, hl, hr


@njit(cache=True)
def _step_points(st, classes, n_classes: int, steps) -> int:
    """Where a feature's left weights can change with the threshold, if all are steps.

    A class whose observer has (almost) no variance puts its weight below `t` as a step at its
    mean (`_mass_below`), and the feature's zeros count from `t >= 0` on. When every class of
    the feature is such a step (binary features: all of them), `steps` receives 0 and the
    distinct means, and their number is returned; otherwise -1.
    """
    steps[0] = 0.0
    n = 1
    for q in range(n_classes):
        c = classes[q]
        w = st[c, O_W]
        if w <= 0.0:
            continue
        mean = st[c, O_MEAN]
        if st[c, O_M2] / w > 1e-12 * (1.0 + mean * mean):
            return -1
        if mean != steps[n - 1]:  # (equal means come in runs: binary features share 1.0)
            steps[n] = mean
            n += 1
    return n


@njit(cache=True, inline="always")
def _crossed(steps, n_steps: int, t_prev: float, t: float) -> bool:
    """Whether a step lies in (t_prev, t]: a left weight differs between the two thresholds."""
    for i in range(n_steps):
        if t_prev < steps[i] <= t:
            return True
    return False


@njit(cache=True)
def best_splits(a, p, m: int, best_left):
    """Best and second-best split merits of leaf slot `m` over features.

    Returns (merit, feature, threshold, second merit); `best_left` receives each class's
    estimated weight on the left side of the best split. Merits are information gains of the
    multivariate Bernoulli model of the label set (labels plus the empty set).
    """
    o = int(a.leaf_s[m, L_OBS])
    n_labels = a.meta[M_N_LABELS]
    n_features = a.meta[M_N_FEATURES]
    n_points = int(p[P_N_POINTS])
    min_frac = p[P_MIN_BRANCH_FRACTION]
    total = a.leaf_s[m, L_WEIGHT]

    # classes present at the leaf: total, empty, and each label with some positive weight
    classes = np.empty(2 + n_labels, dtype=np.int64)
    classes[0] = C_TOTAL
    n_classes = 1
    if a.leaf_s[m, L_EMPTY] > 0.0:
        classes[n_classes] = C_EMPTY
        n_classes += 1
    for lab in range(n_labels):
        if a.leaf_lab[m, lab] > 0.0:
            classes[n_classes] = C_LABEL0 + lab
            n_classes += 1
    parent_h = leaf_entropy(a, m, n_labels)

    left = np.zeros(2 + n_labels)
    base = np.zeros(2 + n_labels)
    steps = np.empty(3 + n_labels)
    best, best_f, best_t, second = -np.inf, -1, 0.0, -np.inf
    for j in range(n_features):
        st = a.obs[o, j]
        if st[C_TOTAL, O_W] <= 0.0:
            continue
        lo = a.obs_rng[o, j, 0]
        hi = a.obs_rng[o, j, 1]
        if total - st[C_TOTAL, O_W] > 0.0:  # some instances lacked the feature: zeros
            lo = min(lo, 0.0)
            hi = max(hi, 0.0)
        if not hi > lo:
            continue
        for q in range(n_classes):
            c = classes[q]
            base[c] = _class_weight(a, m, c)
        n_steps = _step_points(st, classes, n_classes, steps)
        feature_best = -np.inf
        feature_t = 0.0
        t_prev = -np.inf
        for k in range(1, n_points + 1):
            t = lo + (hi - lo) * k / (n_points + 1)
            if k > 1 and n_steps >= 0 and not _crossed(steps, n_steps, t_prev, t):
                t_prev = t
                continue  # every class's left weight is a step not crossed: nothing new
            t_prev = t
            same = k > 1  # as the previous candidate's left side (then so is its merit)
            for q in range(n_classes):
                c = classes[q]
                mass = _mass_below(st[c, O_W], st[c, O_MEAN], st[c, O_M2], t)
                if t >= 0.0:
                    mass += base[c] - st[c, O_W]
                mass = min(mass, base[c])
                same = same and mass == left[c]
                left[c] = mass
            if same:  # (binary and step-like features: most candidates) nothing new to score
                continue
            wl, wr, hl, hr = _split_entropies(left, base, classes, n_classes)
            if wl < min_frac * base[0] or wr < min_frac * base[0]:
                continue
            merit = parent_h - (wl * hl + wr * hr) / (wl + wr)
            if merit > feature_best:
                feature_best = merit
                feature_t = t
        if feature_best > best:
            second = best
            best, best_f, best_t = feature_best, j, feature_t
        elif feature_best > second:
            second = feature_best

    if best_f >= 0:  # recompute the left weights of the winner for the children
        st = a.obs[o, best_f]
        for q in range(n_classes):
            c = classes[q]
            b = _class_weight(a, m, c)
            mass = _mass_below(st[c, O_W], st[c, O_MEAN], st[c, O_M2], best_t)
            if best_t >= 0.0:
                mass += b - st[c, O_W]
            best_left[c] = min(mass, b)
    return best, best_f, best_t, second


@njit(cache=True)
def hoeffding_bound(r: float, delta: float, n: float) -> float:
    return math.sqrt(r * r * math.log(1.0 / delta) / (2.0 * n))


@njit(cache=True)
def attempt_split(a, p, node: int) -> bool:
    """Split the leaf at `node` if the Hoeffding test allows it; True if it split."""
    m = a.node_i[node, N_LEAF]
    n_labels = a.meta[M_N_LABELS]
    w = a.leaf_s[m, L_WEIGHT]
    a.leaf_s[m, L_LAST_ATTEMPT] = w
    if a.leaf_s[m, L_DISTINCT] <= 1.0:
        return False  # pure: one label set only
    if a.leaf_s[m, L_OBS] < 0:
        return False
    # a label (or the empty set) that fills almost every instance leaves nothing to split
    share = a.leaf_s[m, L_EMPTY]
    for lab in range(n_labels):
        share = max(share, a.leaf_lab[m, lab])
    if share / w > p[P_MAX_SHARE]:
        return False

    best_left = np.zeros(2 + n_labels)
    best, f, t, second = best_splits(a, p, m, best_left)
    if f < 0:
        return False
    if p[P_MERIT_PREPRUNE] > 0.0:
        second = max(second, 0.0)  # the null split competes
    r = math.log2(max(a.leaf_s[m, L_DISTINCT], 2.0))
    eps = hoeffding_bound(r, p[P_DELTA], w)
    if not (best - second > eps or eps < p[P_TAU]):
        return False
    if best <= 0.0:
        if p[P_MERIT_PREPRUNE] > 0.0:
            _release_observers(a, m)  # pre-pruned: the null split wins, the leaf stops growing
        return False
    _split_leaf(a, p, node, f, t, best_left)
    return True


@njit(cache=True)
def _split_leaf(a, p, node: int, f: int, t: float, left_w) -> None:
    """Turn leaf `node` into a branch on `x[f] <= t` with two new leaves."""
    m = a.node_i[node, N_LEAF]
    n_labels = a.meta[M_N_LABELS]
    depth = a.node_i[node, N_DEPTH] + 1
    bg = a.node_i[node, N_BACKGROUND]
    max_obs = int(p[P_MAX_OBS])
    if depth >= p[P_MAX_DEPTH]:
        max_obs = 0  # children at the maximum depth never split: no observers
    _release_observers(a, m)  # frees room for the children's observers
    left = new_leaf_node(a, p, depth, bg, max_obs)
    right = new_leaf_node(a, p, depth, bg, max_obs)
    ml = a.node_i[left, N_LEAF]
    mr = a.node_i[right, N_LEAF]

    w = a.leaf_s[m, L_WEIGHT]
    wl = min(max(left_w[C_TOTAL], 0.0), w)
    for side, mm, frac_w in ((0, ml, wl), (1, mr, w - wl)):
        a.leaf_s[mm, L_WEIGHT] = frac_w
        a.leaf_s[mm, L_LAST_ATTEMPT] = frac_w
        emp = left_w[C_EMPTY] if side == 0 else a.leaf_s[m, L_EMPTY] - left_w[C_EMPTY]
        a.leaf_s[mm, L_EMPTY] = min(max(emp, 0.0), frac_w)
        for lab in range(n_labels):
            lw = left_w[C_LABEL0 + lab]
            v = lw if side == 0 else a.leaf_lab[m, lab] - lw
            a.leaf_lab[mm, lab] = min(max(v, 0.0), frac_w)
        # predictors start from the parent's: logistic weights and predictor errors copied,
        # kNN window partitioned
        a.leaf_s[mm, L_TP_MC : L_LAST_LS + 1] = a.leaf_s[m, L_TP_MC : L_LAST_LS + 1]
        a.lr_w[mm] = a.lr_w[m]
        a.lr_b[mm] = a.lr_b[m]

    n_win = int(a.leaf_s[m, L_KNN_N])
    window = a.knn_x.shape[1]
    start = int(a.leaf_s[m, L_KNN_POS]) - n_win
    for r0 in range(n_win):  # oldest first, so each child's window keeps the order
        r = (start + r0) % window
        v = float(a.knn_x[m, r, f])
        mm = ml if v <= t else mr
        pos = int(a.leaf_s[mm, L_KNN_POS])
        a.knn_x[mm, pos] = a.knn_x[m, r]
        a.knn_y[mm, pos] = a.knn_y[m, r]
        a.knn_sq[mm, pos] = a.knn_sq[m, r]
        a.leaf_s[mm, L_KNN_POS] = (pos + 1) % window
        a.leaf_s[mm, L_KNN_N] += 1.0

    a.node_i[node, N_FEATURE] = f
    a.node_i[node, N_LEFT] = left
    a.node_i[node, N_RIGHT] = right
    a.node_i[node, N_LEAF] = -1
    a.node_f[node, NF_THRESHOLD] = t
    a.node_f[node, NF_W_LEFT] = wl
    a.node_f[node, NF_W_RIGHT] = w - wl
    _free_leaf_slot(a, m)
    a.meta[M_N_SPLITS] += 1


# ----------------------------------------------------------------------------------------------
# one instance, a batch


@njit(cache=True)
def update_feature_stats(a, xi, xv, w: float) -> None:
    a.totals[T_WEIGHT] += w
    for k in range(xi.shape[0]):
        _welford(a.fstat[xi[k]], w, xv[k])


@njit(cache=True)
def learn_one(a, p, xi, xv, yi, ymask, ls_id: int, w: float, xbuf) -> bool:
    """Learn one instance in a (non-adaptive) tree; True if a leaf split."""
    update_feature_stats(a, xi, xv, w)
    node = descend(a, xbuf, a.meta[M_ROOT], True, w)
    learn_at_leaf(a, p, node, xi, xv, yi, ymask, ls_id, w)
    return maybe_split(a, p, node)


@njit(cache=True)
def maybe_split(a, p, node: int) -> bool:
    """Try to split the leaf at `node` if it has seen a grace period since its last try."""
    m = a.node_i[node, N_LEAF]
    if (
        a.leaf_s[m, L_OBS] >= 0
        and a.leaf_s[m, L_WEIGHT] - a.leaf_s[m, L_LAST_ATTEMPT] >= p[P_GRACE]
    ):
        if a.node_i[node, N_DEPTH] >= p[P_MAX_DEPTH]:
            _release_observers(a, m)
            return False
        return attempt_split(a, p, node)
    return False


@njit(cache=True)
def row_to_sparse(row, xi, xv) -> int:
    """Write the non-zero entries of a dense row into (xi, xv); returns how many."""
    n = 0
    for j in range(row.shape[0]):
        v = row[j]
        if v == 0.0:
            continue
        xi[n] = j
        xv[n] = v
        n += 1
    return n


@njit(cache=True)
def positives(ymask, out) -> int:
    n = 0
    for lab in range(ymask.shape[0]):
        if ymask[lab]:
            out[n] = lab
            n += 1
    return n


@njit(cache=True)
def room_left(a, p, need: int) -> bool:
    """Whether `need` more nodes and leaves fit without growing the arrays."""
    free_nodes = a.meta[M_FREE_NODE_TOP] + a.node_i.shape[0] - a.meta[M_N_NODES]
    free_leaves = a.meta[M_FREE_LEAF_TOP] + a.leaf_s.shape[0] - a.meta[M_LEAF_HIGH]
    free_obs = a.meta[M_FREE_OBS_TOP] + a.obs.shape[0] - a.meta[M_OBS_HIGH]
    obs_ok = free_obs >= need or a.obs.shape[0] >= p[P_MAX_OBS]
    return free_nodes >= need and free_leaves >= need and obs_ok


@njit(cache=True)
def scatter(xbuf, xi, xv) -> None:
    """`xbuf[xi] = xv`: a sparse row into the dense buffer the kernels read splits from."""
    for q in range(xi.shape[0]):
        xbuf[xi[q]] = xv[q]


@njit(cache=True)
def unscatter(xbuf, xi) -> None:
    for q in range(xi.shape[0]):
        xbuf[xi[q]] = 0.0


# ----------------------------------------------------------------------------------------------
# prediction


@njit(cache=True)
def _predict_mc(a, m: int, n_labels: int, out) -> None:
    n = int(a.leaf_s[m, L_N_LABELSETS])
    w = a.leaf_s[m, L_WEIGHT]
    if n == 0:  # no label set seen yet (a new child): the inherited marginals
        for lab in range(n_labels):
            out[lab] = a.leaf_lab[m, lab] / w if w > 0.0 else 0.0
        return
    k_best = 0
    for k in range(1, n):
        if a.leaf_lsw[m, k] > a.leaf_lsw[m, k_best]:
            k_best = k
    row = a.ls_rows[a.leaf_ls[m, k_best]]
    for lab in range(n_labels):
        out[lab] = 1.0 if row[lab] else 0.0


@njit(cache=True)
def _predict_last(a, m: int, n_labels: int, out) -> None:
    """The label set last seen at the leaf (the leaf's own no-change)."""
    last = int(a.leaf_s[m, L_LAST_LS]) - 1
    if last < 0:
        _predict_mc(a, m, n_labels, out)
        return
    row = a.ls_rows[last]
    for lab in range(n_labels):
        out[lab] = 1.0 if row[lab] else 0.0


@njit(cache=True)
def _predict_knn(a, p, m: int, xi, xv, n_labels: int, out) -> None:
    """Label-combination kNN over the leaf's window: neighbours vote with weight 1/distance."""
    n = int(a.leaf_s[m, L_KNN_N])
    k = min(int(p[P_KNN_K]), n)
    x_sq = 0.0
    for q in range(xi.shape[0]):
        x_sq += xv[q] * xv[q]
    best_d = np.full(k, np.inf)
    best_r = np.full(k, -1, dtype=np.int64)
    for r in range(n):
        dot = 0.0
        for q in range(xi.shape[0]):
            dot += xv[q] * float(a.knn_x[m, r, xi[q]])
        d2 = x_sq + a.knn_sq[m, r] - 2.0 * dot
        d = math.sqrt(d2) if d2 > 1e-12 else 0.0
        if d < best_d[k - 1]:
            s = k - 1
            while s > 0 and best_d[s - 1] > d:
                best_d[s] = best_d[s - 1]
                best_r[s] = best_r[s - 1]
                s -= 1
            best_d[s] = d
            best_r[s] = r
    out[:n_labels] = 0.0
    if best_d[0] == 0.0:  # an exact match decides
        row = a.knn_y[m, best_r[0]]
        for lab in range(n_labels):
            out[lab] = 1.0 if row[lab] else 0.0
        return
    total = 0.0
    for s in range(k):
        wt = 1.0 / best_d[s]
        total += wt
        row = a.knn_y[m, best_r[s]]
        for lab in range(n_labels):
            if row[lab]:
                out[lab] += wt
    if total > 0.0:
        for lab in range(n_labels):
            out[lab] /= total


@njit(cache=True)
def _predict_lr(a, p, m: int, v: int, xi, xv, n_labels: int, out) -> None:
    xs = _scaled_row(a, xi, xv)
    for lab in range(n_labels):
        out[lab] = _sigmoid(_lr_logit(a, m, v, lab, xi, xs))


@njit(cache=True)
def _gauss_logpdf(w: float, mean: float, m2: float, x: float) -> float:
    var = m2 / w if w > 0.0 else 0.0
    var = max(var, 1e-6)
    return -0.5 * (math.log(2.0 * math.pi * var) + (x - mean) * (x - mean) / var)


@njit(cache=True)
def _predict_nb(a, p, m: int, xbuf, n_labels: int, out) -> None:
    """Per-label Gaussian naive Bayes from the leaf's observers (positives vs the rest)."""
    o = int(a.leaf_s[m, L_OBS])
    if o < 0:
        _predict_mc(a, m, n_labels, out)
        return
    w = a.leaf_s[m, L_WEIGHT]
    n_features = a.meta[M_N_FEATURES]
    for lab in range(n_labels):
        wp = a.leaf_lab[m, lab]
        wn = w - wp
        if wp <= 0.0 or wn <= 0.0:
            out[lab] = 1.0 if wn <= 0.0 and wp > 0.0 else 0.0
            continue
        score = math.log(wp) - math.log(wn)
        for j in range(n_features):
            x = xbuf[j]
            if x != x or x == 0.0:
                continue
            tot = a.obs[o, j, C_TOTAL]
            pos = a.obs[o, j, C_LABEL0 + lab]
            if tot[O_W] <= 0.0:
                continue
            # negatives' moments: the total's minus the positives'
            nw = tot[O_W] - pos[O_W]
            if pos[O_W] <= 0.0 or nw <= 0.0:
                continue
            nmean = (tot[O_W] * tot[O_MEAN] - pos[O_W] * pos[O_MEAN]) / nw
            d = pos[O_MEAN] - nmean
            nm2 = tot[O_M2] - pos[O_M2] - d * d * pos[O_W] * nw / tot[O_W]
            score += _gauss_logpdf(pos[O_W], pos[O_MEAN], pos[O_M2], x)
            score -= _gauss_logpdf(nw, nmean, max(nm2, 0.0), x)
        out[lab] = _sigmoid(score)


@njit(cache=True)
def predict_leaf(a, p, node: int, xi, xv, xbuf, out) -> None:
    """Per-label probabilities from the leaf at `node` into `out[:n_labels]`."""
    m = a.node_i[node, N_LEAF]
    n_labels = a.meta[M_N_LABELS]
    mode = int(p[P_LEAF_MODE])
    variant = LR_STEADY
    if a.leaf_s[m, L_WEIGHT] <= 0.0 and a.leaf_s[m, L_KNN_N] <= 0.0:
        out[:n_labels] = 0.0
        return
    if mode == MODE_BEST:  # the predictor with the best faded micro-F1 at this leaf
        mode = MODE_MC
        loss = _f1_loss(a, m, L_TP_MC)
        if a.leaf_s[m, L_KNN_N] > 0.0 and _f1_loss(a, m, L_TP_KNN) < loss:
            mode = MODE_KNN
            loss = _f1_loss(a, m, L_TP_KNN)
        if _f1_loss(a, m, L_TP_LR) < loss:
            mode = MODE_LR
            loss = _f1_loss(a, m, L_TP_LR)
        if _f1_loss(a, m, L_TP_LR_FAST) < loss:
            mode = MODE_LR
            variant = LR_FAST
            loss = _f1_loss(a, m, L_TP_LR_FAST)
        if a.leaf_s[m, L_LAST_LS] > 0 and _f1_loss(a, m, L_TP_LAST) < loss:
            mode = MODE_LAST
    elif mode == MODE_ADAPTIVE:
        if a.leaf_s[m, L_DISTINCT] == 1.0 or a.leaf_s[m, L_KNN_N] <= 0.0:
            mode = MODE_MC
        elif (
            a.leaf_s[m, L_WEIGHT] < p[P_CARD_THRESHOLD]
            or leaf_entropy(a, m, n_labels) < p[P_ENTROPY_THRESHOLD]
        ):
            mode = MODE_KNN
        else:
            mode = MODE_LR
    if mode == MODE_MC:
        _predict_mc(a, m, n_labels, out)
    elif mode == MODE_KNN:
        if a.leaf_s[m, L_KNN_N] > 0.0:
            _predict_knn(a, p, m, xi, xv, n_labels, out)
        else:
            _predict_mc(a, m, n_labels, out)
    elif mode == MODE_LR:
        _predict_lr(a, p, m, variant, xi, xv, n_labels, out)
    elif mode == MODE_NB:
        _predict_nb(a, p, m, xbuf, n_labels, out)
    elif mode == MODE_LAST:
        _predict_last(a, m, n_labels, out)


@njit(cache=True)
def predict_one(a, p, xi, xv, xbuf, out) -> None:
    node = descend(a, xbuf, a.meta[M_ROOT], False, 0.0)
    predict_leaf(a, p, node, xi, xv, xbuf, out)


__all__ = [
    "N_ALT",
    "attempt_split",
    "bernoulli_entropy",
    "best_splits",
    "descend",
    "learn_one",
    "leaf_entropy",
    "predict_one",
    "scatter",
    "unscatter",
]
