"""Array layout of the Numba tree: column indices, parameter slots and the state tuple.

A tree's whole state is a `TreeArrays` of NumPy arrays plus plain Python values, so it can be
checkpointed as data. Nodes and leaves live in rows of preallocated arrays that the Python
object grows (doubling) before a kernel could run out of room.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from drift import _adwin_kernels as adwin

# node_i columns (int64)
N_FEATURE = 0  # split feature, -1 for a leaf
N_LEFT = 1
N_RIGHT = 2
N_LEAF = 3  # leaf slot of a leaf node, -1 for a branch
N_DEPTH = 4
N_ALT = 5  # root of the background subtree, -1 if none (adaptive trees)
N_BACKGROUND = 6  # 1 if the node belongs to a background subtree
N_COLS_I = 7

# node_f columns (float64)
NF_THRESHOLD = 0  # x <= threshold goes left
NF_W_LEFT = 1  # weight sent left (missing values follow the heavier side)
NF_W_RIGHT = 2
NF_ERR_SUM = 3  # adaptive: weighted sum of Hamming losses since the last reset
NF_ERR_W = 4  # adaptive: weight of those losses
N_COLS_F = 5

# leaf_s columns (float64)
L_WEIGHT = 0
L_LAST_ATTEMPT = 1  # weight at the last split attempt
L_EMPTY = 2  # weight of instances with an empty label set
L_OBS = 3  # observer slot, -1 when the leaf is inactive (no longer grows)
L_NODE = 4
L_N_LABELSETS = 5  # label sets stored in leaf_ls (at most leaf_ls.shape[1])
L_DISTINCT = 6  # distinct label sets seen (counts overflow beyond the stored ones)
L_KNN_N = 7  # instances in the kNN window
L_KNN_POS = 8  # next write position in the kNN window
# "best" mode: each leaf predictor is tested on every instance before it is learned; faded
# counts of its true positives and errors (false positives + false negatives) give its micro-F1
L_TP_MC = 9
L_ERR_MC = 10
L_TP_KNN = 11
L_ERR_KNN = 12
L_TP_LR = 13
L_ERR_LR = 14
L_TP_LR_FAST = 15
L_ERR_LR_FAST = 16
L_TP_LAST = 17  # the label set last seen at the leaf, as a predictor
L_ERR_LAST = 18
L_LAST_LS = 19  # its id (+1; 0 before any)
L_COLS = 20

# the leaves' logistic regressions: the steady one, and (in "best" mode) a fast one whose steps
# are P_LR_FAST_FACTOR times larger, for streams that change quickly or sparse features
LR_STEADY = 0
LR_FAST = 1

# meta entries (int64)
M_N_NODES = 0
M_LEAF_HIGH = 1  # leaf slots ever used
M_FREE_LEAF_TOP = 2
M_OBS_HIGH = 3
M_FREE_OBS_TOP = 4
M_ROOT = 5
M_N_FEATURES = 6
M_N_LABELS = 7
M_N_SPLITS = 8
M_FREE_NODE_TOP = 9
M_N_ALTERNATES = 10  # adaptive: background subtrees started
M_N_SWAPS = 11  # adaptive: background subtrees swapped in
M_N_PRUNES = 12  # adaptive: background subtrees pruned
M_MAX_DEPTH = 13  # deepest node ever made
M_N_COLS = 14

# totals entries (float64)
T_WEIGHT = 0  # weight of every instance learned
T_COLS = 1

# parameter slots (float64)
P_GRACE = 0
P_DELTA = 1
P_TAU = 2
P_N_POINTS = 3
P_MAX_DEPTH = 4
P_MIN_BRANCH_FRACTION = 5
P_MAX_SHARE = 6
P_MERIT_PREPRUNE = 7
P_LEAF_MODE = 8
P_KNN_K = 9
P_LR_RATE = 10
P_CARD_THRESHOLD = 11
P_ENTROPY_THRESHOLD = 12
P_MAX_OBS = 13  # observer slots allowed by the memory cap
P_LR_BIAS_RATE = 14
P_ADWIN_DELTA = 15  # adaptive: confidence of each node's ADWIN on its Hamming loss
P_DRIFT_WINDOW = 16  # adaptive: weight both trees need before the switch test
P_SWITCH_SIGNIFICANCE = 17  # adaptive: significance of the switch test
P_LR_FAST_FACTOR = 18
P_COLS = 19

# each node's ADWIN (adaptive trees): river's defaults but the bucket levels fixed in advance
ADWIN_CLOCK = 32
ADWIN_MAX_BUCKETS = 5
ADWIN_MIN_WINDOW = 5
ADWIN_GRACE = 10
ADWIN_LEVELS = 28  # holds windows of about 5 * 2**28 values

# leaf prediction modes
MODE_MC = 0
MODE_NB = 1
MODE_LR = 2
MODE_KNN = 3
MODE_ADAPTIVE = 4
MODE_BEST = 5
MODE_LAST = 6
LEAF_MODES = {
    "mc": MODE_MC,
    "nb": MODE_NB,
    "lr": MODE_LR,
    "knn": MODE_KNN,
    "adaptive": MODE_ADAPTIVE,
    "best": MODE_BEST,
}
BEST_FADING = 0.995  # "best" mode: weight of the past in each predictor's counts

# observer statistics: class 0 is every instance, 1 the empty label set, 2 + l label l
C_TOTAL = 0
C_EMPTY = 1
C_LABEL0 = 2
O_W = 0
O_MEAN = 1
O_M2 = 2


class TreeArrays(NamedTuple):
    """Every array of one tree."""

    node_i: np.ndarray  # int64 [nodes, N_COLS_I]
    node_f: np.ndarray  # float64 [nodes, N_COLS_F]
    leaf_s: np.ndarray  # float64 [leaves, L_COLS]
    leaf_lab: np.ndarray  # float64 [leaves, labels] positive weight per label
    leaf_ls: np.ndarray  # int64 [leaves, K] label-set ids seen at the leaf
    leaf_lsw: np.ndarray  # float64 [leaves, K] their weights
    obs: np.ndarray  # float64 [observer slots, features, 2 + labels, 3] Gaussian (w, mean, M2)
    obs_rng: np.ndarray  # float64 [observer slots, features, 2] min and max value seen
    knn_x: np.ndarray  # float32 [leaves, window, features]
    knn_y: np.ndarray  # bool [leaves, window, labels]
    knn_sq: np.ndarray  # float64 [leaves, window] squared norms of the window rows
    lr_w: np.ndarray  # float64 [leaves, 2, labels, features] (steady and fast)
    lr_b: np.ndarray  # float64 [leaves, 2, labels]
    fstat: np.ndarray  # float64 [features, 3] running (w, mean, M2) of each present feature
    totals: np.ndarray  # float64 [T_COLS] tree-wide totals
    ls_rows: np.ndarray  # bool [label sets, labels] the label set of each id
    free_leaf: np.ndarray  # int64 [leaves] stack of freed leaf slots
    free_obs: np.ndarray  # int64 [observer slots] stack of freed observer slots
    free_node: np.ndarray  # int64 [nodes] stack of freed nodes
    adw_fs: np.ndarray  # float64 [nodes, adwin.F_SIZE] each node's ADWIN scalars
    adw_ist: np.ndarray  # int64 [nodes, adwin.I_HEAD + ADWIN_LEVELS]
    adw_b: np.ndarray  # float64 [nodes, 2, ADWIN_LEVELS, ADWIN_MAX_BUCKETS + 1]
    meta: np.ndarray  # int64 [M_N_COLS]


def allocate(
    n_features: int,
    n_labels: int,
    *,
    nodes: int = 16,
    leaves: int = 3,
    obs: int = 3,
    labelsets_per_leaf: int = 64,
    knn_window: int = 170,
    labelsets: int = 64,
) -> TreeArrays:
    """Arrays for an empty tree whose root is a leaf (node 0, leaf slot 0, observer slot 0)."""
    f, lab = max(n_features, 1), max(n_labels, 1)
    a = TreeArrays(
        node_i=np.full((nodes, N_COLS_I), -1, dtype=np.int64),
        node_f=np.zeros((nodes, N_COLS_F)),
        leaf_s=np.zeros((leaves, L_COLS)),
        leaf_lab=np.zeros((leaves, lab)),
        leaf_ls=np.full((leaves, labelsets_per_leaf), -1, dtype=np.int64),
        leaf_lsw=np.zeros((leaves, labelsets_per_leaf)),
        obs=np.zeros((obs, f, 2 + lab, 3)),
        obs_rng=np.zeros((obs, f, 2)),
        knn_x=np.zeros((leaves, knn_window, f), dtype=np.float32),
        knn_y=np.zeros((leaves, knn_window, lab), dtype=np.bool_),
        knn_sq=np.zeros((leaves, knn_window)),
        lr_w=np.zeros((leaves, 2, lab, f)),
        lr_b=np.zeros((leaves, 2, lab)),
        fstat=np.zeros((f, 3)),
        totals=np.zeros(T_COLS),
        ls_rows=np.zeros((labelsets, lab), dtype=np.bool_),
        free_leaf=np.zeros(leaves, dtype=np.int64),
        free_obs=np.zeros(obs, dtype=np.int64),
        free_node=np.zeros(nodes, dtype=np.int64),
        adw_fs=np.zeros((nodes, adwin.F_SIZE)),
        adw_ist=np.zeros((nodes, adwin.I_HEAD + ADWIN_LEVELS), dtype=np.int64),
        adw_b=np.zeros((nodes, 2, ADWIN_LEVELS, ADWIN_MAX_BUCKETS + 1)),
        meta=np.zeros(M_N_COLS, dtype=np.int64),
    )
    a.obs_rng[:, :, 0] = np.inf
    a.obs_rng[:, :, 1] = -np.inf
    a.node_i[0, N_FEATURE] = -1
    a.node_i[0, N_LEAF] = 0
    a.node_i[0, N_DEPTH] = 0
    a.node_i[0, N_BACKGROUND] = 0
    a.leaf_s[0, L_OBS] = 0
    a.leaf_s[0, L_NODE] = 0
    a.meta[M_N_NODES] = 1
    a.meta[M_LEAF_HIGH] = 1
    a.meta[M_OBS_HIGH] = 1
    a.meta[M_ROOT] = 0
    a.meta[M_N_FEATURES] = n_features
    a.meta[M_N_LABELS] = n_labels
    return a


#: arrays indexed by leaf slot and by observer slot (first axis)
LEAF_SLOT_ARRAYS = (
    "leaf_s", "leaf_lab", "leaf_ls", "leaf_lsw", "knn_x", "knn_y", "knn_sq", "lr_w", "lr_b",
    "free_leaf",
)  # fmt: skip
OBS_SLOT_ARRAYS = ("obs", "obs_rng", "free_obs")


def in_use(a: TreeArrays) -> TreeArrays:
    """Views of `a` cut to the leaf and observer slots ever used (their high-water marks).

    Slots past those marks hold nothing (freed slots are below them, on the free stacks), so a
    copy of the views is the same tree without the spare capacity, which the learner grows
    again when it needs room.
    """
    leaves, slots = int(a.meta[M_LEAF_HIGH]), int(a.meta[M_OBS_HIGH])
    cut = {name: getattr(a, name)[:leaves] for name in LEAF_SLOT_ARRAYS}
    cut.update({name: getattr(a, name)[:slots] for name in OBS_SLOT_ARRAYS})
    return a._replace(**cut)
