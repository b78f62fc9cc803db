"""The multi-label Hoeffding tree: Python bookkeeping around the Numba kernels."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import Any, Self

import numpy as np

from learners._columns import ColumnIndex, _one_hot, capacity, grown
from learners.base import MultiLabelLearner
from learners.registry import register
from learners.tree import _batch
from learners.tree import _kernels as k
from learners.tree._layout import (
    LEAF_MODES,
    LEAF_SLOT_ARRAYS,
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
    N_DEPTH,
    N_FEATURE,
    OBS_SLOT_ARRAYS,
    P_CARD_THRESHOLD,
    P_COLS,
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
    TreeArrays,
    allocate,
    in_use,
)

__all__ = ["MultiLabelHoeffdingTree"]

#: parameters under which a tree splits within river's short check streams (Yeast's first 40
#: instances: two or three splits; 400: about thirty), for `_unit_test_params`
SPLITS_EARLY: tuple[tuple[str, Any], ...] = (("grace_period", 10), ("delta", 0.1), ("tau", 2.0))

#: "best" mode's second logistic regression takes steps this many times larger
FAST_FACTOR = 10.0


def _observer_slots(arrays: TreeArrays, max_size_mb: float) -> int:
    """Observer slots (split statistics of growing leaves) that fit in `max_size_mb`."""
    slot_bytes = arrays.obs[0].nbytes + arrays.obs_rng[0].nbytes
    return max(1, int(max_size_mb * 2**20 // slot_bytes))


class MultiLabelHoeffdingTree(ColumnIndex, MultiLabelLearner):
    """Multi-label Hoeffding tree whose splits maximise the information gain of the label set.

    The label set is modelled as independent Bernoulli variables, one per label plus one for
    the empty set; a split's merit is the drop of their summed entropies. Numeric features are
    summarised at each leaf by one Gaussian per label (and for all instances and for the empty
    set), evaluated at `n_split_points` thresholds; a split is made when the best merit beats
    the second best (or the null split) by the Hoeffding bound with range log2 of the number of
    distinct label sets seen at the leaf, or when the bound falls under `tau`.

    An absent feature counts as 0, so sparse rows cost only their non-zero entries. A string
    value is a nominal category: the pair (feature, category) becomes a binary feature, so
    nominal splits test one category against the rest and kNN distances count mismatches.

    Parameters
    ----------
    grace_period
        Weight a leaf sees between split attempts.
    delta
        Confidence of the Hoeffding bound.
    tau
        Tie threshold: split when the bound falls below it.
    n_split_points
        Candidate thresholds per numeric feature, evenly spaced over the values seen.
    max_depth
        Leaves at this depth stop growing.
    leaf_prediction
        `"mc"` majority label set, `"nb"` per-label naive Bayes, `"lr"` per-label logistic
        regression, `"knn"` label-combination kNN over the leaf's last `knn_window` instances,
        `"adaptive"` as MLHAT chooses: a pure leaf predicts its label set; a leaf under
        `cardinality_threshold` weight, or whose label-set entropy is under
        `entropy_threshold`, uses kNN; other leaves use logistic regression. `"best"` (the
        default) tests five predictors on each instance before learning it — the majority label
        set, kNN, a steady and a fast (10x steps) logistic regression, and the label set last
        seen at the leaf — and predicts with the one of best faded micro-F1 at that leaf.
    knn_neighbors
        Neighbours that vote (by inverse distance) in kNN leaves.
    knn_window
        Instances each leaf keeps for kNN.
    learning_rate
        Step of the leaves' logistic regressions: normalised SGD (the step is divided by
        1 + the instance's squared norm); dense features are standardised by running
        statistics, sparse ones (present in under half of the instances) are left as they are.
    bias_learning_rate
        Step of the logistic regressions' intercepts (not normalised).
    cardinality_threshold
        See `leaf_prediction`.
    entropy_threshold
        See `leaf_prediction`.
    min_branch_fraction
        Smallest share of the weight a split may send to one side.
    max_share_to_split
        A leaf where one label (or the empty set) covers more than this share does not split.
    merit_preprune
        Let the null split compete: a leaf whose best split gains nothing stops growing.
    max_size_mb
        Memory for split statistics; beyond it new leaves do not grow (they still predict).
    bootstrap_sampling
        Weight each instance by a Poisson(1) draw, counting a draw of 0 as 1 (MLHAT's scheme).
    seed
        Seed of the bootstrap draws.

    Examples
    --------
    >>> from river import datasets, evaluate, metrics
    >>> model = MultiLabelHoeffdingTree()
    >>> evaluate.progressive_val_score(
    ...     datasets.Yeast(), model, metrics.multioutput.MicroAverage(metrics.F1())
    ... )
    MicroAverage(F1): 60.39%

    Yeast is too short for the Hoeffding bound to let this tree split (the bound's range,
    log2 of about 200 label sets, is large): the root's predictors do the work.

    >>> model.n_leaves
    1
    """

    def __init__(
        self,
        grace_period: int = 200,
        delta: float = 1e-7,
        tau: float = 0.05,
        n_split_points: int = 10,
        max_depth: int = 20,
        leaf_prediction: str = "best",
        knn_neighbors: int = 4,
        knn_window: int = 170,
        learning_rate: float = 1.0,
        bias_learning_rate: float = 0.1,
        cardinality_threshold: int = 750,
        entropy_threshold: float = 0.3,
        min_branch_fraction: float = 0.01,
        max_share_to_split: float = 0.99,
        merit_preprune: bool = True,
        max_size_mb: float = 100.0,
        bootstrap_sampling: bool = False,
        seed: int | None = None,
    ) -> None:
        if leaf_prediction not in LEAF_MODES:
            known = ", ".join(LEAF_MODES)
            raise ValueError(f"leaf_prediction must be one of {known}, not {leaf_prediction!r}")
        self.grace_period = grace_period
        self.delta = delta
        self.tau = tau
        self.n_split_points = n_split_points
        self.max_depth = max_depth
        self.leaf_prediction = leaf_prediction
        self.knn_neighbors = knn_neighbors
        self.knn_window = knn_window
        self.learning_rate = learning_rate
        self.bias_learning_rate = bias_learning_rate
        self.cardinality_threshold = cardinality_threshold
        self.entropy_threshold = entropy_threshold
        self.min_branch_fraction = min_branch_fraction
        self.max_share_to_split = max_share_to_split
        self.merit_preprune = merit_preprune
        self.max_size_mb = max_size_mb
        self.bootstrap_sampling = bootstrap_sampling
        self.seed = seed
        self._reset()

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        """Parameter sets for river's estimator checks: the defaults (under which the checks'
        streams are too short for a split), then trees that split, bootstrapped without a seed
        (so the seeding check runs) and with MLHAT's leaf predictor."""
        yield {}
        yield {**dict(SPLITS_EARLY), "bootstrap_sampling": True, "seed": None}
        yield {**dict(SPLITS_EARLY), "leaf_prediction": "adaptive"}

    # ------------------------------------------------------------------------------------------
    # state

    def _reset(self) -> None:
        self._reset_columns()
        self._labelsets: dict[bytes, int] = {}
        self._n_labelsets = 0  # ids given (a projected tree may map several sets to one row)
        self._arrays: TreeArrays | None = None
        self._xbuf = np.zeros(0)
        self._rng = np.random.default_rng(self.seed)
        p = np.zeros(P_COLS)
        p[P_GRACE] = self.grace_period
        p[P_DELTA] = self.delta
        p[P_TAU] = self.tau
        p[P_N_POINTS] = self.n_split_points
        p[P_MAX_DEPTH] = self.max_depth
        p[P_MIN_BRANCH_FRACTION] = self.min_branch_fraction
        p[P_MAX_SHARE] = self.max_share_to_split
        p[P_MERIT_PREPRUNE] = float(self.merit_preprune)
        p[P_LEAF_MODE] = LEAF_MODES[self.leaf_prediction]
        p[P_KNN_K] = self.knn_neighbors
        p[P_LR_RATE] = self.learning_rate
        p[P_LR_BIAS_RATE] = self.bias_learning_rate
        p[P_LR_FAST_FACTOR] = FAST_FACTOR
        p[P_CARD_THRESHOLD] = self.cardinality_threshold
        p[P_ENTROPY_THRESHOLD] = self.entropy_threshold
        self._params = p

    @property
    def _a(self) -> TreeArrays:
        if self._arrays is None:
            self._arrays = allocate(
                len(self._features), len(self._labels), knn_window=self.knn_window
            )
            self._xbuf = np.zeros(self._arrays.fstat.shape[0])
            self._update_memory_cap()
            k.reset_node_drift(self._arrays, self._params, 0)
        return self._arrays

    def _update_memory_cap(self) -> None:
        self._params[P_MAX_OBS] = _observer_slots(self._a, self.max_size_mb)

    def _replace(self, **arrays: np.ndarray) -> None:
        self._arrays = self._a._replace(**arrays)

    def _features_added(self, n: int) -> None:
        a = self._a
        a.meta[M_N_FEATURES] = n
        cap = a.fstat.shape[0]
        if n <= cap:
            return
        cap = capacity(n, cap)
        self._replace(
            obs=grown(a.obs, 1, cap),
            obs_rng=self._grown_rng(a.obs_rng, cap),
            knn_x=grown(a.knn_x, 2, cap),
            lr_w=grown(a.lr_w, 3, cap),
            fstat=grown(a.fstat, 0, cap),
        )
        self._xbuf = np.zeros(cap)
        self._update_memory_cap()

    @staticmethod
    def _grown_rng(rng: np.ndarray, cap: int) -> np.ndarray:
        old = rng.shape[1]
        out = grown(rng, 1, cap)
        out[:, old:, 0] = np.inf
        out[:, old:, 1] = -np.inf
        return out

    def _labels_added(self, n: int) -> None:
        a = self._a
        a.meta[M_N_LABELS] = n
        cap = a.leaf_lab.shape[1]
        if n <= cap:
            return
        cap = capacity(n, cap)
        self._replace(
            leaf_lab=grown(a.leaf_lab, 1, cap),
            obs=grown(a.obs, 2, cap + 2),
            knn_y=grown(a.knn_y, 2, cap),
            lr_w=grown(a.lr_w, 2, cap),
            lr_b=grown(a.lr_b, 2, cap),
            ls_rows=grown(a.ls_rows, 1, cap),
        )
        self._update_memory_cap()

    def projected(self, labels: Sequence[Hashable]) -> Self:
        """A copy of this tree restricted to `labels`: the others' statistics are dropped.

        The tree's structure, observers, kNN windows and logistic weights are kept for the
        labels that remain, so the copy goes on where this tree is (iHOMER warm-starts the
        clusters split off a cluster this way). Counts of the empty label set are kept as they
        are, an estimate for the smaller label set.
        """
        wanted = set(labels)
        keep = [name for name in self._label_names if name in wanted]
        twin = self.clone()
        if self._arrays is None or not keep:
            return twin
        a = in_use(self._arrays)  # (a copy without the spare slots: iHOMER keeps many trees)
        idx = np.array([self._labels[name] for name in keep], dtype=np.int64)
        # np.take gathers in C order, as the kernels were compiled for (and several times
        # faster than fancy indexing on the large observer array)
        projected = {
            "leaf_lab": np.take(a.leaf_lab, idx, axis=1),
            "obs": np.take(a.obs, np.concatenate([[0, 1], 2 + idx]), axis=2),
            "knn_y": np.take(a.knn_y, idx, axis=2),
            "lr_w": np.take(a.lr_w, idx, axis=2),
            "lr_b": np.take(a.lr_b, idx, axis=2),
            "ls_rows": np.take(a.ls_rows, idx, axis=1),
        }
        columns = {name: arr.copy() for name, arr in a._asdict().items() if name not in projected}
        columns.update(projected)
        columns["meta"][M_N_LABELS] = len(keep)
        # the depth that sizes the room an instance needs: the live nodes', not the deepest
        # the tree ever grew (freed nodes have depth -1)
        columns["meta"][M_MAX_DEPTH] = columns["node_i"][: self.n_nodes, N_DEPTH].max()
        arrays = TreeArrays(**columns)
        labelsets: dict[bytes, int] = {}
        for ls_id in range(self._n_labelsets):  # the same ids, their projected label sets
            key = np.flatnonzero(arrays.ls_rows[ls_id]).astype(np.int64).tobytes()
            labelsets.setdefault(key, ls_id)
        params = self._params.copy()
        params[P_MAX_OBS] = _observer_slots(arrays, self.max_size_mb)
        vars(twin).update(
            _arrays=arrays,
            _features=dict(self._features),
            _labels={name: i for i, name in enumerate(keep)},
            _label_names=keep,
            _labelsets=labelsets,
            _n_labelsets=self._n_labelsets,
            _xbuf=self._xbuf.copy(),
            _params=params,
        )
        return twin

    def _labelset_id(self, positives: np.ndarray) -> int:
        key = positives.tobytes()
        ls = self._labelsets.get(key)
        if ls is None:
            ls = self._n_labelsets
            self._n_labelsets += 1
            self._labelsets[key] = ls
            a = self._a
            if ls >= a.ls_rows.shape[0]:
                self._replace(ls_rows=grown(a.ls_rows, 0, 2 * a.ls_rows.shape[0]))
            self._a.ls_rows[ls, positives] = True
        return ls

    # whether the kernels (`_batch`) learn and predict as the adaptive tree does
    _ADAPTIVE = False

    def _room_needed(self) -> int:
        """Nodes and leaves that must be free before learning one instance."""
        return int(_batch.room_needed(self._a, self._ADAPTIVE))

    def _ensure_room(self) -> None:
        """Grow the node, leaf and observer arrays so that the next instance fits."""
        a = self._a
        need = self._room_needed()
        if k.room_left(a, self._params, need):
            return
        nodes = a.node_i.shape[0]
        if a.meta[M_FREE_NODE_TOP] + nodes - a.meta[M_N_NODES] < need:
            cap = 2 * nodes + need
            self._replace(
                node_i=grown(a.node_i, 0, cap, -1),
                node_f=grown(a.node_f, 0, cap),
                free_node=grown(a.free_node, 0, cap),
                adw_fs=grown(a.adw_fs, 0, cap),
                adw_ist=grown(a.adw_ist, 0, cap),
                adw_b=grown(a.adw_b, 0, cap),
            )
        a = self._a
        leaves = a.leaf_s.shape[0]
        if a.meta[M_FREE_LEAF_TOP] + leaves - a.meta[M_LEAF_HIGH] < need:
            cap = max(2 * leaves, int(a.meta[M_LEAF_HIGH]) + need)
            self._replace(
                **{
                    name: grown(getattr(a, name), 0, cap, -1 if name == "leaf_ls" else 0)
                    for name in LEAF_SLOT_ARRAYS
                }
            )
        a = self._a
        slots = a.obs.shape[0]
        max_obs = int(self._params[P_MAX_OBS])
        if a.meta[M_FREE_OBS_TOP] + slots - a.meta[M_OBS_HIGH] < need and slots < max_obs:
            cap = min(max(2 * slots, int(a.meta[M_OBS_HIGH]) + need), max_obs)
            self._replace(**{name: grown(getattr(a, name), 0, cap) for name in OBS_SLOT_ARRAYS})
            self._a.obs_rng[slots:, :, 0] = np.inf
            self._a.obs_rng[slots:, :, 1] = -np.inf

    # ------------------------------------------------------------------------------------------
    # encoding

    def share_features(self, features: dict[Hashable, int]) -> None:
        """Map features to columns through `features`, shared with other trees from now on.

        iHOMER's trees see the same instances: with one feature index they can all use one
        encoding of each instance (`learn_encoded`, `proba_encoded`). The tree's own columns
        must agree with the shared ones (a fresh tree has none, a projected copy its source's).
        """
        if any(features.get(name) != j for name, j in self._features.items()):
            raise ValueError("the tree's feature columns differ from the shared index")
        self._features = features

    def _sync_features(self) -> None:
        """Make room for features another tree added to a shared index."""
        if self._arrays is not None and self._arrays.meta[M_N_FEATURES] < len(self._features):
            self._features_added(len(self._features))

    def _weight(self, w: float) -> float:
        if self.bootstrap_sampling:
            draw = int(self._rng.poisson(1.0))
            if draw > 0:
                w *= draw
        return w

    # ------------------------------------------------------------------------------------------
    # river API

    def learn_one(self, x: dict[Hashable, Any], y: dict[Hashable, bool], *, w: float = 1.0) -> None:
        xi, xv = self.encode_row(x, learn=True)
        self.learn_encoded(xi, xv, y, w=w)

    def learn_encoded(
        self, xi: np.ndarray, xv: np.ndarray, y: dict[Hashable, bool], *, w: float = 1.0
    ) -> None:
        """`learn_one` with `x` already encoded (`encode_row`) against this tree's features."""
        self._sync_features()
        yi = self._encode_y(y)
        ls_id = self._labelset_id(yi)  # (both may grow the arrays)
        a = self._a
        ymask = np.zeros(a.leaf_lab.shape[1], dtype=np.bool_)
        ymask[yi] = True
        w = self._weight(w)
        args = (xi, xv, yi, ymask, ls_id, w, self._xbuf, self._ADAPTIVE)
        if not _batch.learn_if_room(a, self._params, *args):
            self._ensure_room()
            if not _batch.learn_if_room(self._a, self._params, *args):
                raise RuntimeError("the tree's arrays did not grow to fit an instance")

    def _proba(self, x: dict[Hashable, Any]) -> np.ndarray:
        return self._proba_encoded(*self.encode_row(x, learn=False))

    def proba_encoded(self, xi: np.ndarray, xv: np.ndarray) -> dict[Hashable, float]:
        """Each label's probability of being on, for an `x` encoded with `encode_row`."""
        if not self._labels:
            return {}
        return dict(zip(self._label_names, self._proba_encoded(xi, xv).tolist(), strict=True))

    def on_encoded(self, xi: np.ndarray, xv: np.ndarray) -> list[Hashable]:
        """The labels predicted on (probability at least 0.5) for an encoded `x`."""
        if not self._labels:
            return []
        names = self._label_names
        return [names[j] for j in np.flatnonzero(self._proba_encoded(xi, xv) >= 0.5).tolist()]

    def _proba_encoded(self, xi: np.ndarray, xv: np.ndarray) -> np.ndarray:
        self._sync_features()
        a = self._a
        out = np.zeros(a.leaf_lab.shape[1])
        _batch.predict_one(a, self._params, xi, xv, self._xbuf, out, self._ADAPTIVE)
        return out[: len(self._labels)]

    def predict_proba_one(
        self, x: dict[Hashable, Any], **kwargs: Any
    ) -> dict[Hashable, dict[bool, float]]:
        if not self._labels:
            return {}
        probas = self._proba(x).tolist()
        return {
            label: {False: 1.0 - p, True: p}
            for label, p in zip(self._label_names, probas, strict=True)
        }

    def predict_one(self, x: dict[Hashable, Any], **kwargs: Any) -> dict[Hashable, bool]:
        if not self._labels:
            return {}
        return dict(zip(self._label_names, (self._proba(x) >= 0.5).tolist(), strict=True))

    # ------------------------------------------------------------------------------------------
    # batch path

    def test_then_train_many(
        self,
        xs: Sequence[dict[Hashable, Any]],
        ys: Sequence[dict[Hashable, bool] | None],
    ) -> tuple[np.ndarray, np.ndarray, list[Hashable]]:
        """`predict_proba_one(xs[i])`, then `learn_one(xs[i], ys[i])` unless `ys[i]` is None,
        for each row in order: the same predictions and the same tree as that loop.

        Runs of rows that bring no new feature or label (to learn) go through one kernel call;
        a row that does is predicted and learned alone. Feature values are checked before
        anything is learned, so a row that cannot be encoded raises with nothing learned.
        """
        n = len(xs)
        learn = np.fromiter((y is not None for y in ys), dtype=np.bool_, count=n)
        values: list[Any] = []
        for x in xs:
            values.extend(x.values())
        try:
            flat = np.array(values)
        except (TypeError, ValueError):  # e.g. lists of several lengths
            flat = np.zeros(0)
        numeric = flat.dtype.kind in "fiub" and flat.shape == (len(values),)
        if numeric:
            flat = flat.astype(np.float64, copy=False)
        else:  # nominal or missing values: go one by one, once every row is known to encode
            for x in xs:
                try:  # as `encode_row` converts them (so it raises here if it would there)
                    np.fromiter(x.values(), dtype=np.float64, count=len(x))
                except (TypeError, ValueError):
                    np.fromiter(_one_hot(x).values(), dtype=np.float64)
        rows: list[tuple[int, np.ndarray]] = []  # (first row, its probabilities)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum([len(x) for x in xs], out=offsets[1:])
        i = 0
        while i < n:
            j = i
            while j < n and numeric and self._fits(xs[j], ys[j]):
                j += 1
            if j > i:
                rows.append((i, self._test_then_train_run(xs, ys, learn, flat, offsets, i, j)))
                i = j
                continue
            proba = self._proba(xs[i]) if self._labels else np.zeros(0)
            y = ys[i]
            if y is not None:
                self.learn_one(xs[i], y)
            rows.append((i, proba[None, :]))
            i += 1
        labels = list(self._label_names)
        out = np.full((n, len(labels)), np.nan)
        for first, block in rows:
            out[first : first + block.shape[0], : block.shape[1]] = block
        return out, out >= 0.5, labels

    def _fits(self, x: dict[Hashable, Any], y: dict[Hashable, bool] | None) -> bool:
        """Whether the row can go through the kernel: labels are known and, when it is learned,
        it brings no new feature or label."""
        if not self._labels:
            return False
        return y is None or (self._features.keys() >= x.keys() and self._labels.keys() >= y.keys())

    def _test_then_train_run(
        self,
        xs: Sequence[dict[Hashable, Any]],
        ys: Sequence[dict[Hashable, bool] | None],
        learn: np.ndarray,
        flat: np.ndarray,
        offsets: np.ndarray,
        start: int,
        stop: int,
    ) -> np.ndarray:
        """Rows `start:stop` (all fit, see `_fits`) through the kernel; their probabilities."""
        self._sync_features()
        features = self._features
        m = stop - start
        keys: list[Hashable] | None = None
        cols = np.zeros(0, dtype=np.int64)
        parts = []
        for x in xs[start:stop]:
            row_keys = list(x)
            if row_keys != keys:  # rows often share their keys
                keys = row_keys
                get = features.get
                cols = np.fromiter((get(f, -1) for f in keys), dtype=np.int64, count=len(keys))
            parts.append(cols)
        idx = np.concatenate(parts)
        val = flat[offsets[start] : offsets[stop]]
        lens = np.diff(offsets[start : stop + 1])
        keep = (idx >= 0) & (val != 0.0) & ~np.isnan(val)  # as `encode_row` keeps them
        if not keep.all():
            row_of = np.repeat(np.arange(m), lens)
            idx, val = idx[keep], val[keep]
            lens = np.bincount(row_of[keep], minlength=m)
        indptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(lens, out=indptr[1:])
        # the labels learned: masks, label-set ids and weights, in row order as `learn_one`
        width = self._a.leaf_lab.shape[1]
        n_labels = len(self._labels)
        Y = np.zeros((m, width), dtype=np.bool_)
        ls_ids = np.zeros(m, dtype=np.int64)
        label_keys: list[Hashable] | None = None
        label_cols: list[int] = []
        seen: dict[bytes, int] = {}
        for r in np.flatnonzero(learn[start:stop]).tolist():
            y = ys[start + r]
            assert y is not None
            row_keys = list(y)
            if row_keys != label_keys:
                label_keys = row_keys
                label_cols = [self._labels[lab] for lab in row_keys]
            mask = Y[r]
            mask[label_cols] = list(y.values())
            key = mask[:n_labels].tobytes()
            ls = seen.get(key)
            if ls is None:
                ls = seen[key] = self._labelset_id(np.flatnonzero(mask).astype(np.int64))
            ls_ids[r] = ls
        n_learn = int(learn[start:stop].sum())
        weights = np.ones(m)
        if self.bootstrap_sampling and n_learn:
            draws = np.asarray(self._rng.poisson(1.0, size=n_learn), dtype=np.float64)
            weights[learn[start:stop]] = np.where(draws > 0, draws, 1.0)
        out = np.zeros((m, self._a.leaf_lab.shape[1]))
        row = 0
        while True:
            row = _batch.test_then_train_many(
                self._a, self._params, indptr, idx, val, Y, ls_ids, weights,
                learn[start:stop], self._xbuf, out, row, self._ADAPTIVE,
            )  # fmt: skip
            if row >= m:
                break
            self._ensure_room()
        return out[:, :n_labels]

    def learn_many(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        *,
        feature_names: Sequence[Hashable] | None = None,
        label_names: Sequence[Hashable] | None = None,
    ) -> None:
        self._a  # noqa: B018 (allocate before the names are registered)
        fcols = self._columns(feature_names, X.shape[1], "feature", learn=True)
        lcols = self._columns(label_names, Y.shape[1], "label", learn=True)
        Xi = self._reorder(
            np.nan_to_num(np.asarray(X, dtype=np.float64)),
            fcols,
            self._a.fstat.shape[0],
            np.float64,
        )
        Yi = self._reorder(
            np.asarray(Y, dtype=np.bool_), lcols, self._a.leaf_lab.shape[1], np.bool_
        )
        unique, inverse = np.unique(Yi[:, : len(self._labels)], axis=0, return_inverse=True)
        ids = np.array([self._labelset_id(np.flatnonzero(row)) for row in unique], np.int64)
        ls_ids = ids[inverse.reshape(-1)]
        if self.bootstrap_sampling:
            draws = np.asarray(self._rng.poisson(1.0, size=X.shape[0]), dtype=np.float64)
            weights = np.where(draws > 0, draws, 1.0)
        else:
            weights = np.ones(X.shape[0])
        start = 0
        while start < Xi.shape[0]:
            self._ensure_room()
            start = _batch.learn_many(
                self._a, self._params, Xi, Yi, ls_ids, weights, start, self._ADAPTIVE
            )

    def predict_proba_many(
        self,
        X: np.ndarray,
        *,
        feature_names: Sequence[Hashable] | None = None,
    ) -> np.ndarray:
        """Probabilities (n, n_labels) with columns in the order labels were first seen."""
        n_labels = len(self._labels)
        if n_labels == 0:
            return np.zeros((X.shape[0], 0))
        fcols = self._columns(feature_names, X.shape[1], "feature", learn=False)
        Xi = self._reorder(
            np.nan_to_num(np.asarray(X, dtype=np.float64)),
            fcols,
            self._a.fstat.shape[0],
            np.float64,
        )
        out = np.zeros((X.shape[0], self._a.leaf_lab.shape[1]))
        _batch.predict_many(self._a, self._params, Xi, out, self._ADAPTIVE)
        return out[:, :n_labels]

    def predict_many(
        self,
        X: np.ndarray,
        *,
        feature_names: Sequence[Hashable] | None = None,
        label_names: Sequence[Hashable] | None = None,
    ) -> np.ndarray:
        proba = self.predict_proba_many(X, feature_names=feature_names) >= 0.5
        if label_names is None:
            return proba
        out = np.zeros((X.shape[0], len(label_names)), dtype=np.bool_)
        for j, name in enumerate(label_names):
            col = self._labels.get(name)
            if col is not None:
                out[:, j] = proba[:, col]
        return out

    # ------------------------------------------------------------------------------------------
    # inspection

    @property
    def n_nodes(self) -> int:
        return 0 if self._arrays is None else int(self._arrays.meta[M_N_NODES])

    @property
    def n_leaves(self) -> int:
        if self._arrays is None:
            return 0
        a = self._arrays
        return int((a.node_i[: self.n_nodes, N_FEATURE] < 0).sum())

    @property
    def n_splits(self) -> int:
        return 0 if self._arrays is None else int(self._arrays.meta[M_N_SPLITS])

    @property
    def height(self) -> int:
        if self._arrays is None:
            return 0
        from learners.tree._layout import N_DEPTH

        return int(self._arrays.node_i[: self.n_nodes, N_DEPTH].max())

    @property
    def n_observer_slots(self) -> int:
        return 0 if self._arrays is None else int(self._arrays.meta[M_OBS_HIGH])


@register("mlht", "multi-label Hoeffding tree (Numba kernels), leaf predictor chosen per leaf")
def _mlht() -> MultiLabelHoeffdingTree:
    return MultiLabelHoeffdingTree()
