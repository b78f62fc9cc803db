"""Online divisive-agglomerative clustering of label streams on Jaccard distance."""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from typing import Any

import numpy as np
import numpy.typing as npt
from river import base

from learners.clustering import _kernels as K

__all__ = ["LabelClustering", "refine"]

IntArray = npt.NDArray[np.int64]

#: a leaf's counts are halved when it has seen this many instances (they are int32)
HALVE_AT = 1 << 30
#: restructuring events kept in `events` (the oldest are dropped first)
MAX_EVENTS = 10_000
#: recent windows (of `n_min` instances) each side monitor tests against its reference
SIDE_WINDOWS = 32


class LabelClustering(base.Base):
    r"""Online divisive-agglomerative clustering of label streams on Jaccard distance.

    Each label is a binary stream. The clustering keeps a binary hierarchy of label clusters
    whose active leaves partition every label seen so far, as ODAC[^1] does for time series and
    as iHOMER[^2] does for labels, with the Jaccard distance between label streams.

    **Statistics.** Each active leaf counts, since it was created, the instances `n`, the
    positives `n_i` of each of its labels and the co-occurrences `n11(i, j)` of each pair, in a
    block of memory quadratic in its own labels; an instance costs O(|positives|^2). The
    distance is $d(i, j) = 1 - n_{11} / (n_i + n_j - n_{11})$.

    **Pairs without evidence.** A pair counts only once *both* labels have been on since both
    were in the cluster. A label that has never been on says nothing about its correlations: by
    the formula it would lie at distance 1 from every label that has (at no distance at all from
    another silent label), so it would be a pivot of every split test and each silent label would
    be peeled off as a cluster of its own. Such pairs are left out of $d_1, d_2, d_0$ and the
    mean. A pair of labels that have both been on but never together is at distance 1: that is
    evidence.

    **Split.** Every `n_min` instances (at instances `n_min, 2 n_min, ...`), each active leaf
    that has seen at least `n_min` instances and has at least two pairs with evidence computes
    $d_1$ (the largest distance; its pair are the pivots), $d_2$ (the second largest), $d_0$
    (the smallest) and the mean $\bar d$ over the pairs, and the Hoeffding bound
    $\epsilon = \sqrt{\ln(1/\delta) / (2n)}$ (R = 1). It splits when
    $(d_1 - d_2 > \epsilon \lor \epsilon < \tau)$ and
    $(d_1 - d_0)\,|(d_1 - \bar d) - (\bar d - d_0)| > \epsilon$. So a two-label cluster never
    splits ($d_1 = d_0$). A label whose distances to the two pivots differ by more than
    $\epsilon$ joins the nearer pivot; labels with no significant preference follow their
    nearest already placed label (single linkage), so that a group of correlated labels that is
    equidistant from both pivots (a third group) is not torn apart by noise; labels with no
    affinity at all go to the smaller child. Children start fresh statistics and record the
    parent's $d_1$ and $\epsilon$ at split time.

    A split decides where every label of the leaf goes, and a label that has not been on since
    the leaf was created can only be placed blindly: its group would be torn apart, for good
    (the children start afresh). So a leaf holding such silent labels does not split before it
    has seen `silent_patience` instances; a label still silent by then is rare (at 5000
    instances, on in fewer than 0.06% of them with 95% confidence), and misplacing it costs
    little. On sparse label spaces this matters: with 1000 labels in 200 groups of 5, each on
    in 0.24% of the instances, the ARI of the leaves after 20k instances is 0.64 with the wait
    and 0.02 without it.

    **Merge (global drift).** At the same cadence, an active leaf whose diameter $d_1$ exceeds
    its parent's diameter at split time by more than $\max(\epsilon_{child}, \epsilon_{parent})$
    reactivates its parent, with fresh statistics, and the parent's subtree is dropped.

    That rule sees a group that falls apart inside a cluster, but not two clusters whose labels
    become correlated: their diameters do not move. So, with `cohesion_check` (our addition),
    each inactive node also watches its two sides, a side being on when any of its labels is.
    Per window of `n_min` instances it counts the instances with each side on and with both.
    The windows since the split are split into the recent ones (the newer half, at most
    `SIDE_WINDOWS`) and the reference (the older ones). For each run of the last j recent
    windows, the co-occurrences expected if nothing changed are the reference's lift applied to
    the run's rates, $\mu_0 = \mathrm{lift}_{ref}\, u v / n$, which moves with the rates of
    the sides (a change of cardinality is not a change of correlation). The node fires when
    the run's co-occurrences exceed $\mu_0$ by more than Bernstein's bound at confidence
    `cohesion_delta` / `SIDE_WINDOWS` (widened by $\sqrt{1 + n/n_{ref}}$ for the reference's
    own noise), and by more than `tau` of the largest possible excess, $\min(u, v) - \mu_0$.
    The split at that node no longer separates independent label sets: the node is reactivated
    as above. When nodes on one path fire together, the highest one is reactivated.

    **New labels.** A label joins when it is first seen (a key of `y`, a member of a set of
    positives, a column of `Y`), in the order given (for a set, the order of the labels'
    string forms, so that runs do not depend on hash seeds). If it is on in that instance, it
    joins the active leaf holding most of the instance's other positive labels (ties: the
    smaller leaf); otherwise, or with no other positive label, the active leaf with the fewest
    labels (ties: the highest node id).
    Its counts start at zero and its pairs count only the instances since it joined, so its
    distances are not biased by the time it was absent.

    **Partition.** `leaves` are the raw active leaf clusters. `partition` refines them: clusters
    smaller than `min_cluster_size` (default: the modal cardinality of the non-empty label sets
    seen so far; empty label sets say nothing about group sizes) are merged with their nearest
    relatives. Bottom-up, at each inactive node, the small clusters of its two subtrees that are
    still pending are merged into one; once that reaches the minimum size it is final, otherwise
    it stays pending for the node above. A group still pending at the root joins the smallest
    final cluster under the lowest node that holds it and a final cluster. Clusters at or above
    the minimum size pass through unchanged (bar that last case), and every label seen is in
    exactly one cluster.

    **Events.** `events` lists restructurings as dicts `{"t", "kind", "node", "before",
    "after"}`: `t` is the index of the instance after which it happened, `kind` is `"split"` or
    `"merge"`, `node` the id of the node split or reactivated, `before`/`after` the clusters
    (lists of labels). A merge adds `"reason"` (`"diameter"` or `"cohesion"`) and `"detail"`
    (the numbers of the test that fired).
    `version` increments whenever `partition` changes (a split, a merge, a new label, a new
    minimum size), so a learner detects restructuring by comparing one integer.

    The state is NumPy arrays and plain Python values (no pickle needed to checkpoint it).

    Parameters
    ----------
    n_min
        Instances between two split and merge checks; a leaf is tested once it has seen at least
        this many instances.
    delta
        Confidence of the Hoeffding bound of the split and merge tests.
    tau
        Tie threshold: a leaf whose pivots cannot be told apart from the runner-up pair splits
        anyway once the Hoeffding bound is below `tau`. It is also the smallest excess
        co-occurrence of a node's sides (as a share of its largest possible value) that counts
        as a drift.
    min_cluster_size
        Clusters smaller than this are merged in `partition`; None for the modal cardinality of
        the non-empty label sets seen so far. 1 leaves the leaves unchanged.
    cohesion_check
        Whether inactive nodes watch their two sides for new correlations (see above).
    cohesion_delta
        Confidence of that check (per node and per window of `n_min` instances).
    silent_patience
        A leaf holding labels that have not been on since it was created splits only once it
        has seen this many instances (see above).

    Examples
    --------
    >>> from stream.sources.synth import MultiLabelSynth
    >>> gen = MultiLabelSynth(n_labels=9, n_groups=3, n_instances=6000, seed=1)
    >>> clustering = LabelClustering(n_min=200)
    >>> for _, y in gen:
    ...     clustering.learn_one(y)
    >>> print(clustering.render())
    #0 split at t=399, 9 labels, d1=0.912, eps=0.093, pivots l2 | l7
      #1 leaf, 3 labels, n=5600, diameter=0.365: l2 l3 l8
      #2 split at t=799, 6 labels, d1=0.872, eps=0.093, pivots l1 | l7
        #3 leaf, 3 labels, n=5200, diameter=0.341: l1 l4 l5
        #4 leaf, 3 labels, n=5200, diameter=0.334: l0 l6 l7
    >>> clustering.partition
    [('l2', 'l3', 'l8'), ('l1', 'l4', 'l5'), ('l0', 'l6', 'l7')]
    >>> sorted(clustering.partition) == sorted(gen.groups_at(5999))
    True
    >>> [(e["t"], e["kind"], e["after"]) for e in clustering.events]
    [(399, 'split', [['l2', 'l3', 'l8'], ['l0', 'l1', 'l4', 'l5', 'l6', 'l7']]),
     (799, 'split', [['l1', 'l4', 'l5'], ['l0', 'l6', 'l7']])]

    References
    ----------
    [^1]: Rodrigues, P.P., Gama, J. and Pedroso, J.P., 2008. Hierarchical clustering of
    time-series data streams. IEEE Transactions on Knowledge and Data Engineering, 20(5),
    pp. 615-627.
    [^2]: Neves, Lourenço, Cano and Marreiros. iHOMER (Incremental Hierarchy Of Multi-label
    classifiERs). ECAI 2025. arXiv:2507.20894.
    """

    def __init__(
        self,
        n_min: int = 200,
        delta: float = 1e-3,
        tau: float = 0.1,
        min_cluster_size: int | None = None,
        cohesion_check: bool = True,
        cohesion_delta: float = 1e-4,
        silent_patience: int = 5_000,
    ) -> None:
        self.n_min = n_min
        self.delta = delta
        self.tau = tau
        self.min_cluster_size = min_cluster_size
        self.cohesion_check = cohesion_check
        self.cohesion_delta = cohesion_delta
        self.silent_patience = silent_patience
        self._validate()
        self._reset()

    # -- parameters and state ---------------------------------------------------------------

    def _validate(self) -> None:
        for name in ("n_min", "silent_patience"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("delta", "cohesion_delta"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0.0 < value < 1.0:
                raise ValueError(f"{name} must be in (0, 1), got {value!r}")
        if not isinstance(self.tau, int | float) or not 0.0 <= self.tau < math.inf:
            raise ValueError(f"tau must be a finite number >= 0, got {self.tau!r}")
        size = self.min_cluster_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            raise ValueError(f"min_cluster_size must be None or an integer >= 1, got {size!r}")

    def _reset(self) -> None:
        self._names: list[Hashable] = []
        self._index: dict[Hashable, int] = {}
        self._lab_slot = np.zeros(16, dtype=np.int64)
        self._lab_local = np.zeros(16, dtype=np.int64)
        # leaf blocks
        self._pool = np.zeros(0, dtype=np.int32)
        self._slot_node = np.zeros(4, dtype=np.int64)
        self._slot_off = np.zeros(4, dtype=np.int64)
        self._slot_cap = np.zeros(4, dtype=np.int64)
        self._slot_k = np.zeros(4, dtype=np.int64)
        self._slot_n = np.zeros(4, dtype=np.int64)
        self._n_slots = 0
        # nodes
        self._node_i = np.full((8, K.N_COLS), -1, dtype=np.int64)
        self._node_i[:, K.N_STATE] = K.FREE
        self._node_f = np.full((8, K.F_COLS), np.nan)
        self._mon = np.zeros((8, K.M_COLS), dtype=np.int64)
        self._ring = np.zeros((8, SIDE_WINDOWS, 4), dtype=np.int64)
        self._stamp = np.zeros((8, 2), dtype=np.int64)
        self._free_rows: list[int] = []
        self._n_rows = 0
        self._next_id = 0
        # stream
        self._t = 0
        self._card = np.zeros(8, dtype=np.int64)  # label-set cardinality histogram
        self._mode = 0  # modal cardinality of the non-empty label sets (0: none yet)
        self._events: list[dict[str, Any]] = []
        self._version = 0
        self._n_splits = 0
        self._n_merges = 0
        self._partition: list[tuple[Hashable, ...]] = []
        self._partition_size = 1
        self._root = self._new_row(-1, 0)
        self._repack((), [(self._root, [])])

    # -- public API -------------------------------------------------------------------------

    def learn_one(self, y: Mapping[Hashable, bool] | Iterable[Hashable]) -> None:
        """Learn one label set: a dict `{label: bool}` or a collection of positive labels."""
        if isinstance(y, Mapping):
            seen = list(y)
            positives = [label for label, on in y.items() if on]
        elif isinstance(y, str | bytes) or not isinstance(y, Iterable):
            raise TypeError(f"y must be a dict of label -> bool or a collection of labels: {y!r}")
        else:
            positives = list(dict.fromkeys(y))
            if isinstance(y, Set):  # no order of its own: new labels join in a fixed order
                positives.sort(key=str)
            seen = positives
        changed = False
        index = self._index
        if isinstance(y, Mapping):
            known = y.keys() <= index.keys()
        else:
            known = all(label in index for label in seen)
        if not known:
            self._join([label for label in seen if label not in index], positives)
            changed = True
        idx = np.array([index[label] for label in positives], dtype=np.int64)
        self._count(np.array([0, len(idx)], dtype=np.int64), idx)
        c = len(idx)
        if c >= self._card.shape[0]:
            self._card = _grown(self._card, c + 1)
        self._card[c] += 1
        mode = self._mode
        if c > 0 and (
            mode == 0
            or self._card[c] > self._card[mode]
            or (self._card[c] == self._card[mode] and c < mode)
        ):
            self._mode = c
        if self._t % self.n_min == 0:
            changed |= self._check()
        if changed or self._min_size() != self._partition_size:
            self._refresh()

    def learn_many(self, Y: np.ndarray, label_names: Sequence[Hashable] | None = None) -> None:
        """Learn the label sets of the rows of a boolean matrix `Y` (n, n_labels).

        Columns are named by `label_names` (default: their integer index). The result is that of
        `learn_one` on each row given as a dict over all the columns, except that `version`
        moves at most once per call.
        """
        Y = np.asarray(Y)
        if Y.ndim != 2:
            raise ValueError(f"Y must be a 2-d array, got shape {Y.shape}")
        names = list(label_names) if label_names is not None else list(range(Y.shape[1]))
        if len(names) != Y.shape[1]:
            raise ValueError(f"{len(names)} label names for {Y.shape[1]} columns")
        if len(set(names)) != len(names):
            raise ValueError("label names must be distinct")
        Y = Y.astype(np.bool_, copy=False)
        n = Y.shape[0]
        if n == 0:
            return
        changed = False
        new = [label for label in names if label not in self._index]
        if new:
            first = [label for label, on in zip(names, Y[0], strict=True) if on]
            self._join(new, first)
            changed = True
        cols = np.array([self._index[label] for label in names], dtype=np.int64)
        card = np.bincount(Y.sum(axis=1), minlength=1)
        if card.shape[0] > self._card.shape[0]:
            self._card = _grown(self._card, card.shape[0])
        self._card[: card.shape[0]] += card
        if self._card.shape[0] > 1 and self._card[1:].max() > 0:
            self._mode = int(np.argmax(self._card[1:])) + 1
        start = 0
        while start < n:
            stop = min(n, start + self.n_min - self._t % self.n_min)
            rows, where = np.nonzero(Y[start:stop])
            indptr = np.zeros(stop - start + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows, minlength=stop - start), out=indptr[1:])
            self._count(indptr, cols[where])
            if self._t % self.n_min == 0:
                changed |= self._check()
            start = stop
        if changed or self._min_size() != self._partition_size:
            self._refresh()

    @property
    def partition(self) -> list[tuple[Hashable, ...]]:
        """The clusters after the minimum-size refinement: every label seen, exactly once."""
        return list(self._partition)

    @property
    def leaves(self) -> list[tuple[Hashable, ...]]:
        """The active leaf clusters of the hierarchy (before the minimum-size refinement)."""
        members = self._all_members()
        slots = [int(self._node_i[row, K.N_SLOT]) for row in self._leaf_rows(self._root)]
        return [tuple(self._names[g] for g in members[s]) for s in slots if members[s]]

    @property
    def labels(self) -> list[Hashable]:
        """The labels seen so far, in the order they were first seen."""
        return list(self._names)

    @property
    def n_seen(self) -> int:
        """Instances learned."""
        return self._t

    @property
    def min_size(self) -> int:
        """The minimum cluster size `partition` applies now."""
        return self._min_size()

    @property
    def version(self) -> int:
        """Incremented whenever `partition` changes."""
        return self._version

    @property
    def events(self) -> list[dict[str, Any]]:
        """The restructuring events, oldest first (at most `MAX_EVENTS`)."""
        return list(self._events)

    @property
    def n_events(self) -> int:
        """Events recorded so far, including those dropped from `events` (at most `MAX_EVENTS`
        are kept): the new events since a count `k` are `events[len(events) - (n_events - k):]`.
        """
        return self._n_splits + self._n_merges

    def reopen(self, reason: str = "external") -> None:
        """Re-open the clustering: the root becomes the only cluster, with fresh statistics.

        For a global drift seen elsewhere (e.g. by a learner's error monitor). Labels, events and
        counters are kept; a merge event with this `reason` is recorded if the root had split.
        """
        root = self._root
        if self._node_i[root, K.N_STATE] == K.INTERNAL:
            self._merge([root], {root: {"rule": reason}})
        else:
            slot = int(self._node_i[root, K.N_SLOT])
            self._repack([slot], [(root, self._members(slot).tolist())])
            self._node_i[root, K.N_CREATED] = self._t
        self._refresh()

    @property
    def n_splits(self) -> int:
        """Splits so far."""
        return self._n_splits

    @property
    def n_merges(self) -> int:
        """Merges (reactivated nodes) so far."""
        return self._n_merges

    @property
    def hierarchy(self) -> dict[str, Any]:
        """The hierarchy as nested dicts, from the root.

        Every node has `id`, `labels`, `active` (an active leaf), `created` (the instance count
        when its current statistics started) and `children`. An active leaf adds `n` (instances
        since created) and `diameter` (its current largest distance, None without evidence); an
        inactive node adds `split`, its split test (`t`, `n`, `d1`, `d2`, `d0`, `mean`, `eps`,
        `pivots`); a child adds `parent_diameter` and `parent_eps`, what it recorded of its
        parent's split.
        """
        return self._describe(self._root)

    def render(self, max_labels: int = 12) -> str:
        """A text rendering of the hierarchy, one node a line, children indented."""
        lines: list[str] = []

        def walk(node: dict[str, Any], depth: int) -> None:
            labels = node["labels"]
            shown = " ".join(str(label) for label in labels[:max_labels])
            if len(labels) > max_labels:
                shown += f" ... (+{len(labels) - max_labels})"
            pad = "  " * depth
            if node["active"]:
                diameter = node["diameter"]
                d = "-" if diameter is None else f"{diameter:.3f}"
                lines.append(
                    f"{pad}#{node['id']} leaf, {len(labels)} labels, n={node['n']}, "
                    f"diameter={d}: {shown}"
                )
            else:
                s = node["split"]
                a, b = s["pivots"]
                lines.append(
                    f"{pad}#{node['id']} split at t={s['t']}, {len(labels)} labels, "
                    f"d1={s['d1']:.3f}, eps={s['eps']:.3f}, pivots {a} | {b}"
                )
            for child in node["children"]:
                walk(child, depth + 1)

        walk(self.hierarchy, 0)
        return "\n".join(lines)

    # -- counting ---------------------------------------------------------------------------

    def _count(self, indptr: IntArray, indices: IntArray) -> None:
        m = indptr.shape[0] - 1
        if indices.shape[0]:
            K.learn_csr(
                indptr,
                indices,
                self._lab_slot,
                self._lab_local,
                self._slot_node,
                self._slot_off,
                self._slot_cap,
                self._pool,
                self._node_i,
                self._stamp,
                self._mon,
                self._t,
                self.cohesion_check,
            )
        self._slot_n[: self._n_slots] += m
        self._t += m

    # -- labels joining -------------------------------------------------------------------

    def _join(self, new: list[Hashable], positives: list[Hashable]) -> None:
        on = set(positives)
        for label in new:
            if label in self._index:  # a duplicate key
                continue
            slot = -1
            if label in on:
                votes: dict[int, int] = {}
                for other in positives:
                    g = self._index.get(other)
                    if other != label and g is not None:
                        s = int(self._lab_slot[g])
                        votes[s] = votes.get(s, 0) + 1
                if votes:
                    slot = min(votes, key=lambda s: (-votes[s], self._slot_k[s], s))
            if slot < 0:
                n = self._n_slots
                ids = self._node_i[self._slot_node[:n], K.N_ID]
                slot = min(range(n), key=lambda s: (self._slot_k[s], -ids[s]))
            self._add_label(label, slot)

    def _add_label(self, label: Hashable, slot: int) -> None:
        g = len(self._names)
        self._names.append(label)
        self._index[label] = g
        if g >= self._lab_slot.shape[0]:
            self._lab_slot = _grown(self._lab_slot, 2 * g)
            self._lab_local = _grown(self._lab_local, 2 * g)
        k = int(self._slot_k[slot])
        cap = int(self._slot_cap[slot])
        if k == cap:
            self._repack((), [], {slot: max(4, 2 * cap)})
            cap = int(self._slot_cap[slot])
        block = self._block(slot)
        block[k, :k] = np.diagonal(block)[:k]  # the others' positives so far
        self._slot_k[slot] = k + 1
        self._lab_slot[g] = slot
        self._lab_local[g] = k

    # -- blocks and nodes -----------------------------------------------------------------

    def _block(self, slot: int) -> npt.NDArray[np.int32]:
        off = int(self._slot_off[slot])
        cap = int(self._slot_cap[slot])
        return self._pool[off : off + cap * cap].reshape(cap, cap)

    def _members(self, slot: int) -> IntArray:
        """Global indices of a leaf's labels, in local order."""
        n = len(self._names)
        g = np.flatnonzero(self._lab_slot[:n] == slot)
        return g[np.argsort(self._lab_local[g], kind="stable")]

    def _all_members(self) -> list[list[int]]:
        """Global indices of the labels of every leaf slot, in the order first seen."""
        out: list[list[int]] = [[] for _ in range(self._n_slots)]
        for g, s in enumerate(self._lab_slot[: len(self._names)].tolist()):
            out[s].append(g)
        return out

    def _repack(
        self,
        remove: Iterable[int],
        add: list[tuple[int, Sequence[int]]],
        grow: Mapping[int, int] | None = None,
    ) -> None:
        """Rebuild the pool: drop the `remove` slots, keep the others (with the capacities in
        `grow`), and add fresh blocks for `(node row, global labels)` at the end."""
        grow = grow or {}
        gone = set(remove)
        keep = [s for s in range(self._n_slots) if s not in gone]
        caps = [grow.get(s, int(self._slot_cap[s])) for s in keep] + [len(m) for _, m in add]
        total = len(keep) + len(add)
        offsets = np.zeros(total + 1, dtype=np.int64)
        np.cumsum(np.square(np.array(caps, dtype=np.int64)), out=offsets[1:])
        pool = np.zeros(int(offsets[-1]), dtype=np.int32)
        for new, s in enumerate(keep):
            k = int(self._slot_k[s])
            cap = caps[new]
            pool[offsets[new] : offsets[new + 1]].reshape(cap, cap)[:k, :k] = self._block(s)[:k, :k]
        size = max(4, total)
        node = _grown(self._slot_node[keep], size)
        k_arr = _grown(self._slot_k[keep], size)
        n_arr = _grown(self._slot_n[keep], size)
        remap = np.full(max(1, self._n_slots), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        n_labels = len(self._names)
        self._lab_slot[:n_labels] = remap[self._lab_slot[:n_labels]]
        for j, (row, members) in enumerate(add):
            s = len(keep) + j
            node[s] = row
            k_arr[s] = len(members)
            n_arr[s] = 0
            idx = np.asarray(members, dtype=np.int64)
            self._lab_slot[idx] = s
            self._lab_local[idx] = np.arange(len(members))
        for s in range(total):
            self._node_i[node[s], K.N_SLOT] = s
        self._pool = pool
        self._slot_node = node
        self._slot_off = _grown(offsets[:-1], size)
        self._slot_cap = _grown(np.array(caps, dtype=np.int64), size)
        self._slot_k = k_arr
        self._slot_n = n_arr
        self._n_slots = total

    def _new_row(self, parent: int, depth: int) -> int:
        if self._free_rows:
            row = self._free_rows.pop()
        else:
            row = self._n_rows
            self._n_rows += 1
            if row >= self._node_i.shape[0]:
                size = 2 * row
                self._node_i = _grown(self._node_i, size, fill=-1)
                self._node_i[row:, K.N_STATE] = K.FREE
                self._node_f = _grown(self._node_f, size, fill=np.nan)
                self._mon = _grown(self._mon, size)
                self._ring = _grown(self._ring, size)
                self._stamp = _grown(self._stamp, size)
        self._node_i[row] = -1
        self._node_i[row, K.N_ID] = self._next_id
        self._next_id += 1
        self._node_i[row, K.N_PARENT] = parent
        self._node_i[row, K.N_STATE] = K.LEAF
        self._node_i[row, K.N_CREATED] = self._t
        self._node_i[row, K.N_DEPTH] = depth
        self._node_f[row] = np.nan
        self._mon[row] = 0
        self._ring[row] = 0
        self._stamp[row] = 0
        return row

    def _leaf_rows(self, row: int) -> list[int]:
        """The active leaves under `row`, left to right."""
        out: list[int] = []
        stack = [row]
        while stack:
            r = stack.pop()
            if self._node_i[r, K.N_STATE] == K.LEAF:
                out.append(r)
            else:
                stack.append(int(self._node_i[r, K.N_RIGHT]))
                stack.append(int(self._node_i[r, K.N_LEFT]))
        return out

    def _names_of(self, labels: Iterable[int]) -> list[Hashable]:
        """Label names, in the order the labels were first seen."""
        return [self._names[g] for g in sorted(labels)]

    # -- split and merge ------------------------------------------------------------------

    def _check(self) -> bool:
        """Run the merge and split tests; True if the hierarchy changed."""
        n_slots = self._n_slots
        for s in np.flatnonzero(self._slot_n[:n_slots] >= HALVE_AT):
            k = int(self._slot_k[s])
            self._block(int(s))[:k, :k] //= 2
            self._slot_n[s] //= 2
        rows = self._slot_node[:n_slots].copy()
        parents = self._node_i[rows, K.N_PARENT]
        stats = K.leaf_stats_all(
            self._pool,
            self._slot_off,
            self._slot_cap,
            self._slot_k,
            self._slot_n,
            parents >= 0,
            n_slots,
            self.n_min,
            self.silent_patience,
        )
        d1, d2, d0, mean, n_pairs = (stats[:, j] for j in range(5))
        n = self._slot_n[:n_slots].astype(np.float64)
        eps = np.sqrt(math.log(1.0 / self.delta) / (2.0 * np.maximum(n, 1.0)))
        tested = n_pairs > 0

        # merges: a leaf's diameter beyond its parent's at split time, or a node's sides
        merges: dict[int, dict[str, Any]] = {}
        bound = np.maximum(eps, self._node_f[rows, K.F_PARENT_EPS])
        with np.errstate(invalid="ignore"):
            grown = tested & (parents >= 0) & (d1 - self._node_f[rows, K.F_PARENT_D1] > bound)
        for s in np.flatnonzero(grown):
            merges.setdefault(
                int(parents[s]),
                {
                    "rule": "diameter",
                    "child": int(self._node_i[rows[s], K.N_ID]),
                    "diameter": float(d1[s]),
                    "parent_diameter": float(self._node_f[rows[s], K.F_PARENT_D1]),
                    "bound": float(bound[s]),
                },
            )
        if self.cohesion_check:
            fired = K.check_sides(
                self._node_i,
                self._mon,
                self._ring,
                self._n_rows,
                self._t,
                self.n_min,
                math.log(SIDE_WINDOWS / self.cohesion_delta),
                self.tau,
            )
            for row, excess, side_bound, strength, expected, observed, instances in fired:
                merges.setdefault(
                    int(row),
                    {
                        "rule": "cohesion",
                        "strength": float(strength),
                        "observed": int(observed),
                        "expected": float(expected),
                        "excess": float(excess),
                        "bound": float(side_bound),
                        "instances": int(instances),
                    },
                )
        changed = False
        top = [p for p in merges if not any(a in merges for a in self._ancestors(p))]
        if top:
            self._merge(sorted(top), merges)
            changed = True

        # splits
        with np.errstate(invalid="ignore"):
            split = (
                ((stats[:, 7] == 0) | (n >= self.silent_patience))
                & (n_pairs >= 2)
                & ((d1 - d2 > eps) | (eps < self.tau))
                & ((d1 - d0) * np.abs((d1 - mean) - (mean - d0)) > eps)
            )
        splits = [
            (int(rows[s]), stats[s], int(n[s]), float(eps[s]))
            for s in np.flatnonzero(split)
            if self._node_i[rows[s], K.N_STATE] == K.LEAF
        ]
        if splits:
            self._split(splits)
            changed = True
        return changed

    def _ancestors(self, row: int) -> list[int]:
        out = []
        parent = int(self._node_i[row, K.N_PARENT])
        while parent >= 0:
            out.append(parent)
            parent = int(self._node_i[parent, K.N_PARENT])
        return out

    def _split(self, splits: list[tuple[int, npt.NDArray[np.float64], int, float]]) -> None:
        """Split the leaves `(row, leaf_stats row, n, eps)`."""
        remove: list[int] = []
        add: list[tuple[int, Sequence[int]]] = []
        t = self._t - 1
        for row, st, n, eps in splits:
            d1, d2, d0, mean = (float(x) for x in st[:4])
            pa, pb = int(st[5]), int(st[6])
            slot = int(self._node_i[row, K.N_SLOT])
            members = self._members(slot)
            off, cap, k = (
                int(self._slot_off[slot]),
                int(self._slot_cap[slot]),
                int(self._slot_k[slot]),
            )
            side = K.assign_sides(self._pool, off, cap, k, pa, pb, eps)
            sides = [members[side == 0].tolist(), members[side == 1].tolist()]
            depth = int(self._node_i[row, K.N_DEPTH]) + 1
            children = [self._new_row(row, depth), self._new_row(row, depth)]
            for child in children:
                self._node_f[child, K.F_PARENT_D1] = d1
                self._node_f[child, K.F_PARENT_EPS] = eps
            node_i, node_f = self._node_i[row], self._node_f[row]
            node_i[K.N_STATE] = K.INTERNAL
            node_i[K.N_SLOT] = -1
            node_i[K.N_LEFT], node_i[K.N_RIGHT] = children
            node_i[K.N_PIVOT_LEFT] = members[pa]
            node_i[K.N_PIVOT_RIGHT] = members[pb]
            node_i[K.N_SPLIT_T] = t
            node_f[K.F_D1], node_f[K.F_D2], node_f[K.F_D0] = d1, d2, d0
            node_f[K.F_MEAN], node_f[K.F_EPS], node_f[K.F_SPLIT_N] = mean, eps, n
            self._mon[row] = 0
            self._mon[row, K.M_WIN_START] = self._t
            self._ring[row] = 0
            self._stamp[row] = 0
            remove.append(slot)
            add.extend(zip(children, sides, strict=True))
            self._n_splits += 1
            self._record(
                {
                    "t": t,
                    "kind": "split",
                    "node": int(node_i[K.N_ID]),
                    "before": self._names_of(members.tolist()),
                    "after": [self._names_of(s) for s in sides],
                }
            )
        self._repack(remove, add)

    def _merge(self, rows: list[int], why: dict[int, dict[str, Any]]) -> None:
        remove: list[int] = []
        add: list[tuple[int, Sequence[int]]] = []
        t = self._t - 1
        for row in rows:
            leaves = self._leaf_rows(row)
            before = [self._members(int(self._node_i[leaf, K.N_SLOT])).tolist() for leaf in leaves]
            remove.extend(int(self._node_i[leaf, K.N_SLOT]) for leaf in leaves)
            stack = [int(self._node_i[row, K.N_LEFT]), int(self._node_i[row, K.N_RIGHT])]
            while stack:
                r = stack.pop()
                if self._node_i[r, K.N_STATE] == K.INTERNAL:
                    stack.extend([int(self._node_i[r, K.N_LEFT]), int(self._node_i[r, K.N_RIGHT])])
                self._node_i[r] = -1
                self._node_i[r, K.N_STATE] = K.FREE
                self._free_rows.append(r)
            node_i = self._node_i[row]
            node_i[K.N_STATE] = K.LEAF
            node_i[K.N_LEFT] = node_i[K.N_RIGHT] = -1
            node_i[K.N_PIVOT_LEFT] = node_i[K.N_PIVOT_RIGHT] = -1
            node_i[K.N_SPLIT_T] = -1
            node_i[K.N_CREATED] = self._t
            self._node_f[row, : K.F_PARENT_D1] = np.nan
            self._mon[row] = 0
            self._stamp[row] = 0
            labels = [g for leaf in before for g in leaf]
            add.append((row, labels))
            self._n_merges += 1
            self._record(
                {
                    "t": t,
                    "kind": "merge",
                    "node": int(node_i[K.N_ID]),
                    "before": [self._names_of(leaf) for leaf in before],
                    "after": [self._names_of(labels)],
                    "reason": why[row]["rule"],
                    "detail": {k: v for k, v in why[row].items() if k != "rule"},
                }
            )
        self._repack(remove, add)

    def _record(self, event: dict[str, Any]) -> None:
        self._events.append(event)
        if len(self._events) > MAX_EVENTS:
            del self._events[: len(self._events) - MAX_EVENTS]

    # -- partition ------------------------------------------------------------------------

    def _min_size(self) -> int:
        if self.min_cluster_size is not None:
            return self.min_cluster_size
        return max(1, self._mode)

    def _refresh(self) -> None:
        """Recompute the partition; bump the version if it changed."""
        size = self._min_size()
        partition = [tuple(c) for c in refine(self._tree(self._root), size)]
        self._partition_size = size
        if partition != self._partition:
            self._partition = partition
            self._version += 1

    def _tree(self, row: int, members: list[list[int]] | None = None) -> dict[str, Any]:
        """The hierarchy under `row` as `refine` reads it (labels of the leaves only)."""
        if members is None:
            members = self._all_members()
        if self._node_i[row, K.N_STATE] == K.LEAF:
            slot = int(self._node_i[row, K.N_SLOT])
            return {"labels": [self._names[g] for g in members[slot]], "children": []}
        return {
            "children": [
                self._tree(int(self._node_i[row, K.N_LEFT]), members),
                self._tree(int(self._node_i[row, K.N_RIGHT]), members),
            ]
        }

    # -- description ----------------------------------------------------------------------

    def _describe(self, row: int, members: list[list[int]] | None = None) -> dict[str, Any]:
        if members is None:
            members = self._all_members()
        node_i, node_f = self._node_i[row], self._node_f[row]
        active = bool(node_i[K.N_STATE] == K.LEAF)
        children = (
            []
            if active
            else [
                self._describe(int(node_i[K.N_LEFT]), members),
                self._describe(int(node_i[K.N_RIGHT]), members),
            ]
        )
        labels = (
            self._names_of(members[int(node_i[K.N_SLOT])])
            if active
            else self._names_of(self._index[label] for c in children for label in c["labels"])
        )
        out: dict[str, Any] = {
            "id": int(node_i[K.N_ID]),
            "labels": labels,
            "active": active,
            "created": int(node_i[K.N_CREATED]),
        }
        if not math.isnan(node_f[K.F_PARENT_D1]):
            out["parent_diameter"] = float(node_f[K.F_PARENT_D1])
            out["parent_eps"] = float(node_f[K.F_PARENT_EPS])
        if out["active"]:
            slot = int(node_i[K.N_SLOT])
            off, cap, k = (
                int(self._slot_off[slot]),
                int(self._slot_cap[slot]),
                int(self._slot_k[slot]),
            )
            st = K.leaf_stats(self._pool, off, cap, k)
            out["n"] = int(self._slot_n[slot])
            out["diameter"] = float(st[0]) if st[4] > 0 else None
        else:
            out["split"] = {
                "t": int(node_i[K.N_SPLIT_T]),
                "n": int(node_f[K.F_SPLIT_N]),
                "d1": float(node_f[K.F_D1]),
                "d2": float(node_f[K.F_D2]),
                "d0": float(node_f[K.F_D0]),
                "mean": float(node_f[K.F_MEAN]),
                "eps": float(node_f[K.F_EPS]),
                "pivots": [
                    self._names[int(node_i[K.N_PIVOT_LEFT])],
                    self._names[int(node_i[K.N_PIVOT_RIGHT])],
                ],
            }
        out["children"] = children
        return out


def refine(tree: Mapping[str, Any], min_size: int) -> list[list[Hashable]]:
    """The leaf clusters of a hierarchy with the clusters below `min_size` merged.

    `tree` is a node of `LabelClustering.hierarchy`'s form: a leaf has `"labels"` and no (or
    empty) `"children"`, an inner node two `"children"`. Bottom-up, at each inner node the
    pending small clusters of its two subtrees are merged into one, which is final once it has
    `min_size` labels and pending otherwise. A cluster still pending at the root joins the
    smallest final cluster under the lowest node holding both it and a final cluster (the first
    in tree order on a tie). Clusters are returned in tree order; every label is in exactly one.

    >>> def leaf(*labels):
    ...     return {"labels": list(labels)}
    >>> def node(left, right):
    ...     return {"children": [left, right]}
    >>> tree = node(node(leaf("a", "b", "c"), node(leaf("d"), leaf("e"))), leaf("f", "g", "h"))
    >>> refine(tree, 2)
    [['a', 'b', 'c'], ['d', 'e'], ['f', 'g', 'h']]
    >>> refine(tree, 3)
    [['a', 'b', 'c', 'd', 'e'], ['f', 'g', 'h']]
    >>> refine(tree, 1)
    [['a', 'b', 'c'], ['d'], ['e'], ['f', 'g', 'h']]
    """
    Path = tuple[int, ...]
    final: list[tuple[Path, list[Hashable]]] = []  # (path of the first leaf, labels)

    def visit(node: Mapping[str, Any], path: Path) -> list[tuple[Path, list[Hashable]]]:
        """Post-order; returns the pending small clusters under `node` (one merged group)."""
        children = node.get("children") or []
        if not children:
            labels = list(node["labels"])
            if not labels:
                return []
            if len(labels) >= min_size:
                final.append((path, labels))
                return []
            return [(path, labels)]
        pending = visit(children[0], (*path, 0)) + visit(children[1], (*path, 1))
        merged = [label for _, labels in pending for label in labels]
        if merged and len(merged) >= min_size:
            final.append((pending[0][0], merged))
            return []
        return pending

    pending = visit(tree, ())
    if pending:
        merged = [label for _, labels in pending for label in labels]
        paths = [p for p, _ in pending]
        if not final:
            final.append((paths[0], merged))
        else:
            common = 0
            while all(len(p) > common and p[common] == paths[0][common] for p in paths):
                common += 1
            for depth in range(common, -1, -1):
                prefix = paths[0][:depth]
                under = [j for j, (p, _) in enumerate(final) if p[:depth] == prefix]
                if under:
                    j = min(under, key=lambda j: (len(final[j][1]), final[j][0]))
                    final[j] = (final[j][0], final[j][1] + merged)
                    break
    final.sort(key=lambda item: item[0])
    return [labels for _, labels in final]


def _grown(a: np.ndarray, size: int, fill: float = 0) -> np.ndarray:
    """`a` copied into a first axis of at least `size` (padded with `fill`)."""
    if a.shape[0] >= size:
        return a.copy()
    out = np.full((size, *a.shape[1:]), fill, dtype=a.dtype)
    out[: a.shape[0]] = a
    return out
