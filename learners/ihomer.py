"""iHOMER: a hierarchy of multi-label trees over an online partition of the label space."""

from __future__ import annotations

import itertools
import random
from collections.abc import Hashable, Iterator
from typing import Any

from drift import ADWIN
from learners._columns import FeatureIndex
from learners.base import MultiLabelLearner
from learners.clustering import LabelClustering
from learners.registry import register
from learners.tree import MultiLabelHoeffdingAdaptiveTree
from learners.tree.hoeffding_tree import SPLITS_EARLY

__all__ = ["IHOMER"]

Cluster = tuple[Hashable, ...]
ROUTINGS = ("meta", "all")
PARTITIONS = ("jaccard", "random", "single")


class IHOMER(MultiLabelLearner):
    """Incremental Hierarchy Of Multi-label classifiERs (Neves et al., ECAI 2025).

    The label space is split online into disjoint clusters of co-occurring labels by an online
    divisive-agglomerative clustering on the Jaccard distance between label streams
    (`LabelClustering`); each cluster has its own multi-label Hoeffding adaptive tree (`mlhat`).
    With `routing="meta"` (HOMER's scheme) a global tree predicts, for each cluster, its
    meta-label (any of its labels on); a cluster's tree learns only the instances whose
    meta-label is on and is asked only where the meta-label is predicted on, so the cost of an
    instance grows with the clusters it touches, not with the number of labels. With
    `routing="all"` every cluster's tree learns and predicts every instance.

    Drift is handled at two levels. Locally, each tree replaces subtrees whose error drifts.
    Globally, a change of the label partition (a split, or a merge when a cluster's diameter
    grows past its parent's) restructures the ensemble: clusters whose label set is unchanged
    keep their tree and their meta-label; a cluster split off an old one starts as a copy of
    its tree restricted to its labels (`warm_start`) and is gated by the old one's meta-label
    (on whenever its own is) until the meta-tree has learned its own for `n_min` instances;
    other new clusters start empty; and an ADWIN on the ensemble's Hamming loss re-opens the
    clustering (all labels in one cluster again) when the error rises.

    Parameters
    ----------
    routing
        `"meta"` or `"all"` (see above).
    partition
        `"jaccard"` (the online clustering), `"random"` (an ablation: whenever the clustering
        changes, labels are dealt at random into clusters of the same sizes) or `"single"` (one
        cluster: a single tree over all labels, plus the meta-tree when routing is `"meta"`).
    n_min
        Instances between the clustering's split and merge tests.
    cluster_delta
        Confidence of the clustering's Hoeffding bound.
    warm_start
        Start a cluster split off an old one from a copy of the old one's tree.
    drift_delta
        Confidence of the ensemble-level ADWIN; 0 disables the re-opening.
    tree_params
        Keyword arguments of every `MultiLabelHoeffdingAdaptiveTree`, as a tuple of
        (name, value) pairs (immutable, as river's parameters must be); None for the defaults.
    seed
        Seed of the trees' bootstrap and of the random partitions.

    Examples
    --------
    >>> from river import datasets, evaluate, metrics
    >>> model = IHOMER(seed=1)
    >>> evaluate.progressive_val_score(
    ...     datasets.Yeast(), model, metrics.multioutput.MicroAverage(metrics.F1())
    ... )
    MicroAverage(F1): ...%
    >>> len(model.partition) >= 1
    True
    """

    def __init__(
        self,
        routing: str = "meta",
        partition: str = "jaccard",
        n_min: int = 200,
        cluster_delta: float = 1e-3,
        warm_start: bool = True,
        drift_delta: float = 0.002,
        tree_params: tuple[tuple[str, Any], ...] | None = None,
        seed: int | None = 42,
    ) -> None:
        if routing not in ROUTINGS:
            raise ValueError(f"routing must be one of {', '.join(ROUTINGS)}, not {routing!r}")
        if partition not in PARTITIONS:
            raise ValueError(f"partition must be one of {', '.join(PARTITIONS)}, not {partition!r}")
        self.routing = routing
        self.partition = partition
        self.n_min = n_min
        self.cluster_delta = cluster_delta
        self.warm_start = warm_start
        self.drift_delta = drift_delta
        self.tree_params = tree_params
        self.seed = seed
        self._reset()

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        """Parameter sets for river's estimator checks: the defaults, then an unseeded ensemble
        (so the seeding check runs) whose clustering is tested every 10 instances and whose
        trees split within the checks' short streams."""
        yield {}
        yield {
            "n_min": 10,
            "cluster_delta": 0.1,
            "tree_params": SPLITS_EARLY,
            "seed": None,
        }

    def _reset(self) -> None:
        self._clustering = LabelClustering(n_min=self.n_min, delta=self.cluster_delta)
        self._index = FeatureIndex()
        self._labels: dict[Hashable, None] = {}
        self._clusters: list[Cluster] = []
        self._ids: list[int] = []  # each cluster's meta-label: stable while its label set is
        self._gate_ids: list[int] = []  # the meta-label that gates each cluster
        self._born: list[int] = []  # instance at which each cluster was formed
        self._meta_sets: dict[int, frozenset[Hashable]] = {}  # meta-label -> its labels
        self._meta_known: set[int] = set()  # meta-labels the meta-tree holds, live or dead
        self._next_id = 0
        self._cluster_of: dict[Hashable, int] = {}
        self._models: list[MultiLabelHoeffdingAdaptiveTree] = []
        self._meta = self._new_tree() if self.routing == "meta" else None
        self._seen_version = -1
        self._adwin = ADWIN(delta=self.drift_delta) if self.drift_delta > 0 else None
        self._rng = random.Random(self.seed)  # noqa: S311 (shuffles labels, not secrets)
        self._n = 0
        self._events: list[dict[str, Any]] = []
        self._cluster_events = 0
        self._last_x: dict[Hashable, Any] | None = None
        self._last_on: frozenset[Hashable] = frozenset()  # labels predict_one predicted on
        self._error_sum = 0.0
        self._error_n = 0

    def _new_tree(self) -> MultiLabelHoeffdingAdaptiveTree:
        params = dict(self.tree_params or ())
        params.setdefault("seed", self.seed)
        return self._shared(MultiLabelHoeffdingAdaptiveTree(**params))

    def _shared(self, tree: MultiLabelHoeffdingAdaptiveTree) -> MultiLabelHoeffdingAdaptiveTree:
        """`tree`, reading features through the index all the trees share (an instance is
        encoded once for all of them)."""
        tree.share_features(self._index.features)
        return tree

    # ------------------------------------------------------------------------------------------
    # observability

    @property
    def clusters(self) -> list[Cluster]:
        """The label clusters the trees are built on, in their current order."""
        return list(self._clusters)

    @property
    def hierarchy(self) -> Any:
        """The clustering's hierarchy (active and inactive clusters)."""
        return self._clustering.hierarchy

    def render(self) -> str:
        """The clustering's hierarchy as indented text."""
        return str(self._clustering.render())

    @property
    def events(self) -> list[dict[str, Any]]:
        """Restructuring history: dicts with `t`, `kind` and the clusters `before`/`after`.

        Kinds: `split` and `merge` (the clustering; clusters given as label lists),
        `global-drift` (the ensemble's ADWIN re-opened the clustering) and `subtree-swap` (a
        cluster's tree replaced one of its subtrees).
        """
        return list(self._events)

    # ------------------------------------------------------------------------------------------
    # restructuring

    def _sync_partition(self) -> None:
        """Rebuild the ensemble when the clustering's partition changed."""
        version = self._clustering.version
        if version == self._seen_version and len(self._cluster_of) == len(self._labels):
            return
        self._seen_version = version
        fresh = self._clustering.n_events - self._cluster_events
        if fresh > 0:  # (the clustering keeps only its latest events)
            for event in self._clustering.events[-fresh:]:
                self._events.append(
                    {
                        "t": self._n,
                        "kind": event["kind"],
                        "before": event["before"],
                        "after": event["after"],
                    }
                )
        self._cluster_events = self._clustering.n_events
        new = [tuple(c) for c in self._clustering.partition]
        covered = {label for c in new for label in c}
        missing = [label for label in self._labels if label not in covered]
        if missing:  # labels the clustering has not placed yet get a cluster of their own
            new.append(tuple(missing))
        if self.partition == "single":
            new = [tuple(label for c in new for label in c)]
        elif self.partition == "random":
            new = self._random_like(new)
        self._restructure(new)

    def _random_like(self, clusters: list[Cluster]) -> list[Cluster]:
        labels = [label for c in clusters for label in c]
        self._rng.shuffle(labels)
        out, start = [], 0
        for c in clusters:
            out.append(tuple(labels[start : start + len(c)]))
            start += len(c)
        return out

    def _restructure(self, new: list[Cluster]) -> None:
        old = {
            frozenset(c): (m, i, g, b)
            for c, m, i, g, b in zip(
                self._clusters, self._models, self._ids, self._gate_ids, self._born, strict=True
            )
        }
        models, ids, gate_ids, born = [], [], [], []
        for cluster in new:
            key = frozenset(cluster)
            if key in old:  # unchanged label set: the tree and the meta-label go on
                model, cluster_id, gate_id, since = old[key]
                models.append(model)
                ids.append(cluster_id)
                gate_ids.append(gate_id)
                born.append(since)
                continue
            cluster_id = self._next_id
            self._next_id += 1
            parent = next((v for k, v in old.items() if key < k), None)
            if parent is not None and self.warm_start:
                models.append(self._shared(parent[0].projected(cluster)))  # inherits the tree
                gate_ids.append(parent[2])  # ... and is gated by the parent's meta-label
            else:
                models.append(self._new_tree())
                gate_ids.append(cluster_id)
            ids.append(cluster_id)
            born.append(self._n)
        sets = {i: frozenset(c) for i, c in zip(ids, new, strict=True)}
        sets.update({g: self._meta_sets[g] for g in gate_ids if g not in sets})
        self._clusters, self._models, self._ids, self._born = new, models, ids, born
        self._gate_ids = gate_ids
        self._set_meta_labels(sets)
        self._cluster_of = {label: i for i, c in enumerate(new) for label in c}

    def _set_meta_labels(self, sets: dict[int, frozenset[Hashable]]) -> None:
        """The meta-labels the meta-tree learns: new ones start at zero; dropped ones are no
        longer asked for, and leave the tree once they outnumber the live ones (a projection
        copies the whole tree, so it is done rarely, not at every restructuring)."""
        self._meta_sets = sets
        self._meta_known.update(sets)
        dead = self._meta_known.difference(sets)
        if self._meta is not None and len(dead) > len(sets):
            kept = [i for i in self._meta_known if i in sets]
            self._meta = self._shared(self._meta.projected(kept))
            self._meta_known = set(kept)

    def _mature(self) -> None:
        """A split child is gated by its parent's meta-label (on whenever the child's is) until
        the meta-tree has learned the child's own for `n_min` instances."""
        changed = False
        for k, (own, gate) in enumerate(zip(self._ids, self._gate_ids, strict=True)):
            if gate != own and self._n - self._born[k] >= self.n_min:
                self._gate_ids[k] = own
                changed = True
        if changed:
            live = set(self._ids) | set(self._gate_ids)
            self._set_meta_labels({i: s for i, s in self._meta_sets.items() if i in live})

    def _reopen(self) -> None:
        before = self.clusters
        self._events.append({"t": self._n, "kind": "global-drift", "before": before, "after": []})
        self._clustering.reopen("global-drift")

    # ------------------------------------------------------------------------------------------
    # river API

    def _predict_clusters(self, x: dict[Hashable, Any]) -> list[dict[Hashable, float]]:
        """Per cluster: each label's probability of being on (0 where the cluster is gated off)."""
        xi, xv = self._index.encode_row(x, learn=False)  # once, for every tree
        gate = self._meta.proba_encoded(xi, xv) if self._meta is not None else None
        out = []
        for i, (cluster, model) in enumerate(zip(self._clusters, self._models, strict=True)):
            p_meta = 1.0 if gate is None else gate.get(self._gate_ids[i], 0.0)
            if p_meta < 0.5:
                out.append(dict.fromkeys(cluster, 0.0))
                continue
            probas = model.proba_encoded(xi, xv)
            out.append({label: p_meta * probas.get(label, 0.0) for label in cluster})
        return out

    def predict_proba_one(
        self, x: dict[Hashable, Any], **kwargs: Any
    ) -> dict[Hashable, dict[bool, float]]:
        """P(label) = P(cluster's meta-label) x P(label | cluster on) (1 x ... with `all`)."""
        probas: dict[Hashable, dict[bool, float]] = {}
        for cluster in self._predict_clusters(x):
            for label, p in cluster.items():
                probas[label] = {False: 1.0 - p, True: p}
        return probas

    def predict_one(self, x: dict[Hashable, Any], **kwargs: Any) -> dict[Hashable, bool]:
        """Labels of gated-on clusters whose own tree predicts them on."""
        xi, xv = self._index.encode_row(x, learn=False)
        gate = self._meta.proba_encoded(xi, xv) if self._meta is not None else None
        on: list[Hashable] = []
        for i, model in enumerate(self._models):
            if gate is None or gate.get(self._gate_ids[i], 0.0) >= 0.5:
                on.extend(model.on_encoded(xi, xv))  # (a cluster's tree knows its labels only)
        pred = dict.fromkeys(self._cluster_of, False)  # every label, in the clusters' order
        pred.update(dict.fromkeys(on, True))
        self._last_x, self._last_on = dict(x), frozenset(on)
        return pred

    def learn_one(self, x: dict[Hashable, Any], y: dict[Hashable, bool], **kwargs: Any) -> None:
        on = set(itertools.compress(y, y.values()))
        self._track_error(x, on)
        # the prediction `predict_one` cached serves only this instance: once the model has
        # learned, the same features (a duplicate row) must be predicted again
        self._last_x, self._last_on = None, frozenset()
        self._labels.update(dict.fromkeys(y))
        self._clustering.learn_one(y)
        self._sync_partition()
        xi, xv = self._index.encode_row(x, learn=True)  # once, for every tree
        meta_y: dict[Hashable, bool] | None = None
        if self._meta is not None:
            meta_y = {i: not labels.isdisjoint(on) for i, labels in self._meta_sets.items()}
            self._meta.learn_encoded(xi, xv, meta_y)
        for i, (cluster, model) in enumerate(zip(self._clusters, self._models, strict=True)):
            if meta_y is not None and not meta_y[self._ids[i]]:
                continue
            swaps = model.n_swaps
            model.learn_encoded(xi, xv, {label: label in on for label in cluster})
            if model.n_swaps > swaps:
                self._events.append(
                    {"t": self._n, "kind": "subtree-swap", "before": [cluster], "after": [cluster]}
                )
        self._n += 1
        if self._gate_ids != self._ids:
            self._mature()

    def _track_error(self, x: dict[Hashable, Any], on: set[Hashable]) -> None:
        """Feed the ensemble's Hamming loss on this instance (labels `on`) to the global ADWIN,
        over the labels known before it.

        A detected change re-opens the clustering when the recent error (what ADWIN keeps after
        a detection) is above the mean error since the clustering was last opened.
        """
        if self._adwin is None or not self._clusters:
            return
        if self._last_x != x:
            self.predict_one(x)  # (caches the labels it predicts on)
        wrong = len(self._last_on.symmetric_difference(on & self._labels.keys()))
        loss = wrong / max(len(self._labels), 1)
        mean = self._error_sum / self._error_n if self._error_n else loss
        self._error_sum += loss
        self._error_n += 1
        self._adwin.update(loss)
        if self._adwin.drift_detected and self._adwin.estimation > mean:
            self._reopen()
            self._error_sum, self._error_n = 0.0, 0


@register("ihomer", "iHOMER: Jaccard label clusters, one mlhat each, HOMER meta routing")
def _ihomer() -> IHOMER:
    return IHOMER()


@register("ihomer-random", "ablation: iHOMER with random label clusters of the same sizes")
def _ihomer_random() -> IHOMER:
    return IHOMER(partition="random")
