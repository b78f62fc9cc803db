"""Array layout and Numba kernels of the label clustering.

State (held by `LabelClustering`, see `label_clustering`):

* **Leaf blocks.** Each active leaf cluster owns a square block of `pool` (int32), `cap` x `cap`,
  stored row-major from `slot_off[s]`; its `k <= cap` labels have local indices `0 .. k-1` in the
  order they joined the cluster. For local labels `a < b` (so `b` joined no earlier than `a`):

  - `block[a, a]` is `n_a`, the instances with label `a` on since `a` joined the cluster;
  - `block[a, b]` (upper triangle) is `n11(a, b)`, the instances with both on;
  - `block[b, a]` (lower triangle) is `n_a` at the moment `b` joined (0 for labels that were in
    the cluster from its creation), so `block[a, a] - block[b, a]` counts `a`'s positives in the
    window where both labels were in the cluster.

  A leaf's memory is therefore quadratic in its own labels only, and an instance costs
  O(|positives|^2) (pairs of positives that fall in the same cluster).
  Counts are int32; the Python side halves a block (and its `n`) before they could overflow.
* **Nodes.** Rows of `node_i` (int64, `N_*` columns), `node_f` (float64, `F_*` columns) and, for
  the side monitor of inactive nodes, `mon` (int64, `M_*` columns), `ring` (int64,
  `(rows, windows, 4)`: the recent windows' `(n, u, v, uv)`, newest first) and `stamp` (int64,
  2 columns: the last instance, plus one, in which each side was seen on).

The kernels do not check bounds (Numba does not): the arrays must be consistent, as
`LabelClustering` keeps them.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
Int8Array = npt.NDArray[np.int8]

# node_i columns (int64); rows are node slots, reused after a subtree is dropped
N_ID = 0  # public id, never reused
N_PARENT = 1  # parent row, -1 for the root
N_LEFT = 2  # child rows, -1 for a leaf
N_RIGHT = 3
N_STATE = 4  # FREE, LEAF (active) or INTERNAL (inactive)
N_SLOT = 5  # leaf block of an active leaf, -1 otherwise
N_PIVOT_LEFT = 6  # pivots of the split (global label indices), -1 while a leaf
N_PIVOT_RIGHT = 7
N_CREATED = 8  # instance count when the node's current statistics started
N_SPLIT_T = 9  # instance index of the split, -1 while a leaf
N_DEPTH = 10
N_COLS = 11

FREE = 0
LEAF = 1
INTERNAL = 2

# node_f columns (float64): the split test of an inactive node, and what a child records of it
F_D1 = 0  # diameter (largest pairwise distance) at split time
F_D2 = 1
F_D0 = 2
F_MEAN = 3
F_EPS = 4  # Hoeffding bound at split time
F_SPLIT_N = 5  # instances the split test was run on
F_PARENT_D1 = 6  # (in a child) the parent's diameter at split time
F_PARENT_EPS = 7  # (in a child) the parent's Hoeffding bound at split time
F_COLS = 8

# mon columns (int64): the side monitor of an inactive node; a side is "on" in an instance when
# any of its labels is. The current window (filled by `learn_csr`), then the reference: the
# windows since the split that are no longer among the recent ones (held in a separate `ring`
# array of (n, u, v, uv) per window, newest first).
M_WIN_U = 0  # instances of the window with the left side on
M_WIN_V = 1  # ... the right side on
M_WIN_UV = 2  # ... both on
M_WIN_START = 3  # instance count at which the window started
M_N_WINDOWS = 4  # windows completed since the split
M_RING_LEN = 5  # recent windows held in the ring
M_REF_N = 6
M_REF_U = 7
M_REF_V = 8
M_REF_UV = 9
M_COLS = 10


@njit(cache=True)
def learn_csr(
    indptr: IntArray,
    indices: IntArray,
    lab_slot: IntArray,
    lab_local: IntArray,
    slot_node: IntArray,
    slot_off: IntArray,
    slot_cap: IntArray,
    pool: Int32Array,
    node_i: IntArray,
    stamp: IntArray,
    mon: IntArray,
    t0: int,
    monitor: bool,
) -> None:
    """Count the instances whose positive labels are `indices[indptr[r]:indptr[r + 1]]`.

    Labels are global indices (distinct within a row); `lab_slot`/`lab_local` place each one in
    its leaf block. With `monitor`, each inactive ancestor of a positive label's leaf counts the
    side it lies on, once per instance (instance `r` is stamped `t0 + r + 1`). The instance
    counts of the leaves and windows are kept by the caller.
    """
    for r in range(indptr.shape[0] - 1):
        lo = indptr[r]
        hi = indptr[r + 1]
        t = t0 + r + 1
        for a in range(lo, hi):
            ga = indices[a]
            s = lab_slot[ga]
            la = lab_local[ga]
            off = slot_off[s]
            cap = slot_cap[s]
            pool[off + la * cap + la] += 1
            for b in range(a + 1, hi):
                gb = indices[b]
                if lab_slot[gb] != s:
                    continue
                lb = lab_local[gb]
                if la < lb:
                    pool[off + la * cap + lb] += 1
                else:
                    pool[off + lb * cap + la] += 1
            if monitor:
                node = slot_node[s]
                parent = node_i[node, N_PARENT]
                while parent >= 0:
                    side = 0 if node_i[parent, N_LEFT] == node else 1
                    if stamp[parent, side] == t:
                        break  # this side, and so every ancestor, is already counted
                    stamp[parent, side] = t
                    mon[parent, M_WIN_U + side] += 1
                    if stamp[parent, 1 - side] == t:
                        mon[parent, M_WIN_UV] += 1
                    node = parent
                    parent = node_i[node, N_PARENT]


@njit(cache=True, inline="always")
def _pair(pool: Int32Array, off: int, cap: int, a: int, b: int) -> tuple[float, int]:
    """Jaccard distance of local labels `a != b` and the size of their union.

    The union is 0 when the pair carries no evidence: one of the two labels has not been on
    since both were in the cluster (the distance returned is then meaningless).
    """
    if a > b:
        a, b = b, a
    n11 = np.int64(pool[off + a * cap + b])
    na = np.int64(pool[off + a * cap + a]) - np.int64(pool[off + b * cap + a])
    nb = np.int64(pool[off + b * cap + b])
    if na <= 0 or nb <= 0:
        return 1.0, 0
    union = int(na + nb - n11)
    return 1.0 - float(n11) / union, union


@njit(cache=True)
def pair_distance(pool: Int32Array, off: int, cap: int, a: int, b: int) -> tuple[float, int]:
    """`_pair` callable from Python (for tests and reports)."""
    return _pair(pool, off, cap, a, b)


@njit(cache=True)
def leaf_stats(
    pool: Int32Array, off: int, cap: int, k: int
) -> tuple[float, float, float, float, int, int, int]:
    """The split statistics of a leaf block over the pairs that carry evidence.

    Returns `(d1, d2, d0, mean, n_pairs, pivot_a, pivot_b)`: the largest, second largest and
    smallest pairwise distances (as a multiset: `d2 == d1` on a tie), their mean over the pairs,
    the number of pairs and the local indices of the pair at `d1` (ties go to the pair with the
    larger union, the one with more evidence, then to the first found). With no pair, `n_pairs`
    is 0 and the pivots -1; with one pair, `d2 == d1`.
    """
    d1 = -math.inf
    d2 = -math.inf
    d0 = math.inf
    total = 0.0
    n_pairs = 0
    pa = -1
    pb = -1
    u1 = -1
    # only labels that have been on can be in a pair with evidence
    on = np.empty(k, dtype=np.int64)
    n_on = 0
    for a in range(k):
        if pool[off + a * cap + a] > 0:
            on[n_on] = a
            n_on += 1
    for i in range(n_on):
        a = on[i]
        for j in range(i + 1, n_on):
            b = on[j]
            d, union = _pair(pool, off, cap, a, b)
            if union == 0:
                continue
            n_pairs += 1
            total += d
            if d < d0:
                d0 = d
            if d > d1:
                d2 = d1
                d1 = d
                pa = a
                pb = b
                u1 = union
            elif d == d1:
                d2 = d
                if union > u1:
                    pa = a
                    pb = b
                    u1 = union
            elif d > d2:
                d2 = d
    if n_pairs == 0:
        return math.nan, math.nan, math.nan, math.nan, 0, -1, -1
    if n_pairs == 1:
        d2 = d1
    return d1, d2, d0, total / n_pairs, n_pairs, pa, pb


@njit(cache=True)
def assign_sides(
    pool: Int32Array, off: int, cap: int, k: int, pa: int, pb: int, margin: float
) -> Int8Array:
    """The child (0: pivot `pa`'s, 1: pivot `pb`'s) of each local label of a splitting leaf.

    A label whose distances to both pivots carry evidence and differ by more than `margin` joins
    the nearer pivot. The others have no significant preference; they are placed in turn, the
    one nearest to an already placed label first, each in the child of its nearest placed label
    (single linkage in Prim's order), so a group of correlated labels equidistant from both
    pivots is not torn apart by noise. Only distances below 1 count as affinity. When no
    pending label has an affinity with a placed one, the first pending label goes to the child
    with fewer labels (ties: the first) and the others follow as before. Labels never on since
    they joined go last, one at a time, to the child with fewer labels.
    """
    side = np.full(k, -1, dtype=np.int8)
    side[pa] = 0
    side[pb] = 1
    sizes = np.zeros(2, dtype=np.int64)
    sizes[0] = sizes[1] = 1
    # placed labels (that have been on) and pending ones, as lists of local indices
    placed = np.empty(k, dtype=np.int64)
    pending = np.empty(k, dtype=np.int64)
    placed[0] = pa
    placed[1] = pb
    n_placed = 2
    n_pending = 0
    for lab in range(k):
        if lab == pa or lab == pb or pool[off + lab * cap + lab] == 0:
            continue  # the pivots, and labels never on (placed last)
        da, ua = _pair(pool, off, cap, lab, pa)
        db, ub = _pair(pool, off, cap, lab, pb)
        if ua > 0 and ub > 0 and abs(da - db) > margin:
            side[lab] = 0 if da < db else 1
            sizes[side[lab]] += 1
            placed[n_placed] = lab
            n_placed += 1
        else:
            pending[n_pending] = lab
            n_pending += 1
    best = np.full(n_pending, math.inf)
    best_side = np.zeros(n_pending, dtype=np.int8)
    for i in range(n_pending):
        for j in range(n_placed):
            d, union = _pair(pool, off, cap, pending[i], placed[j])
            if union > 0 and d < 1.0 and d < best[i]:
                best[i] = d
                best_side[i] = side[placed[j]]
    done = np.zeros(n_pending, dtype=np.bool_)
    for _ in range(n_pending):
        pick = -1
        for i in range(n_pending):
            if not done[i] and best[i] < math.inf and (pick < 0 or best[i] < best[pick]):
                pick = i
        if pick >= 0:
            s = best_side[pick]
        else:
            # no pending label has an affinity with a placed one: the first starts a block in
            # the smaller child, and the labels near it follow
            for i in range(n_pending):
                if not done[i]:
                    pick = i
                    break
            s = 0 if sizes[0] <= sizes[1] else 1
        done[pick] = True
        lab = pending[pick]
        side[lab] = s
        sizes[s] += 1
        for i in range(n_pending):
            if done[i]:
                continue
            d, union = _pair(pool, off, cap, pending[i], lab)
            if union > 0 and d < 1.0 and d < best[i]:
                best[i] = d
                best_side[i] = s
    for lab in range(k):
        if side[lab] < 0:
            side[lab] = 0 if sizes[0] <= sizes[1] else 1
            sizes[side[lab]] += 1
    return side


@njit(cache=True)
def leaf_stats_all(
    pool: Int32Array,
    slot_off: IntArray,
    slot_cap: IntArray,
    slot_k: IntArray,
    slot_n: IntArray,
    has_parent: npt.NDArray[np.bool_],
    n_slots: int,
    n_min: int,
    patience: int,
) -> FloatArray:
    """`leaf_stats` of the leaves due for a test.

    Row `s` holds `(d1, d2, d0, mean, n_pairs, pivot_a, pivot_b, n_silent)` of slot `s`, where
    `n_silent` counts the labels never on since they joined. A leaf is due once it has seen
    `n_min` instances and holds two labels; a root leaf that holds silent labels and has seen
    fewer than `patience` instances is not (it can neither split nor merge). Other leaves get
    `n_pairs = 0` and NaN distances.
    """
    out = np.full((n_slots, 8), math.nan)
    for s in range(n_slots):
        out[s, 4] = 0.0
        off = slot_off[s]
        cap = slot_cap[s]
        silent = 0
        for a in range(slot_k[s]):
            if pool[off + a * cap + a] == 0:
                silent += 1
        out[s, 7] = silent
        if slot_n[s] < n_min or slot_k[s] < 2:
            continue
        if silent > 0 and slot_n[s] < patience and not has_parent[s]:
            continue
        d1, d2, d0, mean, n_pairs, pa, pb = leaf_stats(pool, off, cap, slot_k[s])
        out[s, 0] = d1
        out[s, 1] = d2
        out[s, 2] = d0
        out[s, 3] = mean
        out[s, 4] = n_pairs
        out[s, 5] = pa
        out[s, 6] = pb
    return out


@njit(cache=True)
def side_test(
    ref_n: float,
    ref_u: float,
    ref_v: float,
    ref_uv: float,
    n: float,
    u: float,
    v: float,
    uv: float,
    log_term: float,
) -> tuple[float, float, float, float]:
    """Test recent side counts `(n, u, v, uv)` against the reference ones.

    `n` instances, `u` with the left side on, `v` with the right side on, `uv` with both.
    Under "no change", the recent co-occurrences follow the reference's lift (co-occurrences
    over those expected if the sides were independent) applied to the recent rates:
    `mu0 = lift * u * v / n`. Returns `(excess, bound, strength, mu0)`: the excess of `uv` over
    `mu0`, Bernstein's bound for a sum of Bernoulli variables of mean `mu0` at confidence
    `exp(-log_term)` widened by `sqrt(1 + n / ref_n)` for the reference's own noise, and the
    excess as a share of its largest possible value `min(u, v) - mu0`.
    """
    lift = ref_n * ref_uv / (ref_u * ref_v) if ref_u > 0 and ref_v > 0 else 1.0
    mu0 = min(lift * u * v / n, min(u, v))
    excess = uv - mu0
    bound = log_term / 3.0 + math.sqrt(log_term * log_term / 9.0 + 2.0 * mu0 * log_term)
    bound *= math.sqrt(1.0 + n / ref_n)
    room = min(u, v) - mu0
    strength = excess / room if room > 0 else 0.0
    return excess, bound, strength, mu0


@njit(cache=True)
def check_sides(
    node_i: IntArray,
    mon: IntArray,
    ring: IntArray,
    n_rows: int,
    t: int,
    n_min: int,
    log_term: float,
    tau: float,
) -> FloatArray:
    """Close the complete windows of the side monitors and test them.

    For each inactive node whose window holds `n_min` instances: the window enters the ring of
    recent windows (newest first); the recent windows are at most the newer half of the windows
    since the split and at most the ring's length, the older ones are folded into the
    reference; then every run of the last j recent windows is tested (`side_test`). Returns one
    row per node that fires, `(row, excess, bound, strength, expected, observed, instances)`
    of its strongest run: excess above the bound and strength above `tau`.
    """
    cap = ring.shape[1]
    out = np.zeros((n_rows, 7))
    n_out = 0
    for row in range(n_rows):
        if node_i[row, N_STATE] != INTERNAL:
            continue
        w = t - mon[row, M_WIN_START]
        if w < n_min:
            continue
        length = mon[row, M_RING_LEN]
        if length == cap:
            length -= 1
            for c in range(4):
                mon[row, M_REF_N + c] += ring[row, length, c]
        for j in range(cap - 1, 0, -1):
            for c in range(4):
                ring[row, j, c] = ring[row, j - 1, c]
        ring[row, 0, 0] = w
        ring[row, 0, 1] = mon[row, M_WIN_U]
        ring[row, 0, 2] = mon[row, M_WIN_V]
        ring[row, 0, 3] = mon[row, M_WIN_UV]
        mon[row, M_WIN_U] = 0
        mon[row, M_WIN_V] = 0
        mon[row, M_WIN_UV] = 0
        mon[row, M_WIN_START] = t
        mon[row, M_N_WINDOWS] += 1
        length += 1
        keep = min(cap, mon[row, M_N_WINDOWS] // 2)
        while length > keep:
            length -= 1
            for c in range(4):
                mon[row, M_REF_N + c] += ring[row, length, c]
                ring[row, length, c] = 0
        mon[row, M_RING_LEN] = length
        if mon[row, M_REF_N] == 0 or length == 0:
            continue
        n = 0.0
        u = 0.0
        v = 0.0
        uv = 0.0
        best = -1.0
        for j in range(length):
            n += ring[row, j, 0]
            u += ring[row, j, 1]
            v += ring[row, j, 2]
            uv += ring[row, j, 3]
            excess, bound, strength, mu0 = side_test(
                mon[row, M_REF_N],
                mon[row, M_REF_U],
                mon[row, M_REF_V],
                mon[row, M_REF_UV],
                n,
                u,
                v,
                uv,
                log_term,
            )
            if excess > bound and strength > tau and strength > best:
                best = strength
                out[n_out, 0] = row
                out[n_out, 1] = excess
                out[n_out, 2] = bound
                out[n_out, 3] = strength
                out[n_out, 4] = mu0
                out[n_out, 5] = uv
                out[n_out, 6] = n
        if best >= 0.0:
            n_out += 1
    return out[:n_out]
