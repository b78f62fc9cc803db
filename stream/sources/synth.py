"""A synthetic multi-label stream with known label groups and scheduled drift."""

from __future__ import annotations

import itertools
import math
import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from stream.errors import IhomerError, UnknownNameError
from stream.schema import Schema
from stream.sources.base import Instance, Source

__all__ = ["Drift", "MultiLabelSynth"]

DRIFT_KINDS = ("concept", "correlation", "cardinality")
_DRIFT_PARAMS: dict[str, tuple[str, ...]] = {
    "concept": ("fraction",),
    "correlation": ("groups",),
    "cardinality": ("factor",),
}
# Instances are drawn in blocks of this size, each from its own seeded generator, so the stream
# does not depend on how it is read (dicts or batches of any size).
_BLOCK = 2048

Partition = tuple[tuple[int, ...], ...]


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


@dataclass(frozen=True, init=False, repr=False)
class Drift:
    """A drift scheduled at instance index `at`.

    Sudden when `width == 0`: instances from `at` on follow the new concept. Gradual when
    `width > 0`: over the window `[at - width // 2, at - width // 2 + width)` each instance follows
    the new concept with a probability rising linearly from about 0 to about 1 (about 1/2 at `at`),
    as in MOA's `ConceptDriftStream` where `at` is the centre of the change.

    Parameters
    ----------
    at
        Index of the drift (the centre of a gradual window).
    kind
        `"concept"`: new feature→label hyperplanes, same label groups. Optional `fraction` in
        (0, 1] (default 1): the share of groups whose hyperplane is redrawn.
        `"correlation"`: the label partition changes. Optional `groups`: the new partition, an
        iterable of iterables of label indices or names; by default the largest group is split in
        two at random and the two smallest other groups are merged.
        `"cardinality"`: the mean number of positive labels is multiplied by the required `factor`
        (> 0), by moving how often each group is active.
    width
        Width of the gradual window in instances; 0 for a sudden drift.
    params
        The kind's parameters above.

    Examples
    --------
    >>> Drift(5000, "cardinality", width=1000, factor=1.5)
    Drift(at=5000, kind='cardinality', width=1000, factor=1.5)
    >>> Drift(5000, "correlation", groups=[[0, 1], [2]]).params["groups"]
    ((0, 1), (2,))
    >>> Drift(10, "shift")
    Traceback (most recent call last):
    ...
    stream.errors.UnknownNameError: unknown drift kind 'shift'; known: concept, ...
    """

    at: int
    kind: str
    width: int
    params: Mapping[str, Any] = field(hash=False)

    def __init__(self, at: int, kind: str, width: int = 0, **params: Any) -> None:
        if kind not in DRIFT_KINDS:
            raise UnknownNameError("drift kind", str(kind), DRIFT_KINDS)
        if not _is_int(at) or at < 0:
            raise IhomerError(f"{kind} drift: at must be an integer >= 0, got {at!r}")
        if not _is_int(width) or width < 0:
            raise IhomerError(f"{kind} drift at {at}: width must be an integer >= 0, got {width!r}")
        unknown = sorted(set(params) - set(_DRIFT_PARAMS[kind]))
        if unknown:
            allowed = ", ".join(_DRIFT_PARAMS[kind])
            raise IhomerError(
                f"{kind} drift at {at}: unknown parameter {unknown[0]!r} (allowed: {allowed})"
            )
        checked = dict(params)
        if kind == "cardinality":
            factor = params.get("factor")
            if factor is None:
                raise IhomerError(f"cardinality drift at {at}: needs factor= (> 0)")
            if not _is_real(factor) or not 0 < factor < math.inf:
                raise IhomerError(
                    f"cardinality drift at {at}: factor must be a positive number, got {factor!r}"
                )
            checked["factor"] = float(factor)
        elif kind == "concept" and "fraction" in params:
            fraction = params["fraction"]
            if not _is_real(fraction) or not 0 < fraction <= 1:
                raise IhomerError(
                    f"concept drift at {at}: fraction must be in (0, 1], got {fraction!r}"
                )
            checked["fraction"] = float(fraction)
        elif kind == "correlation" and "groups" in params:
            checked["groups"] = _as_groups(params["groups"], at)
        object.__setattr__(self, "at", int(at))
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "width", int(width))
        object.__setattr__(self, "params", types.MappingProxyType(checked))

    @property
    def start(self) -> int:
        """First index of the gradual window (`at` for a sudden drift)."""
        return self.at - self.width // 2

    @property
    def end(self) -> int:
        """One past the last index of the gradual window (`at` for a sudden drift)."""
        return self.start + self.width

    def new_concept_probability(self, t: np.ndarray) -> np.ndarray:
        """Probability that the instances at indices `t` follow the post-drift concept."""
        t = np.asarray(t, dtype=np.float64)
        if self.width == 0:
            return (t >= self.at).astype(np.float64)
        return np.clip((t - self.start + 0.5) / self.width, 0.0, 1.0)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Drift(at={self.at}, kind={self.kind!r}, width={self.width}{extra})"


def _as_groups(groups: object, at: int) -> tuple[tuple[int | str, ...], ...]:
    """Normalise a user partition to a tuple of non-empty tuples of label indices or names."""
    bad = IhomerError(
        f"correlation drift at {at}: groups must be non-empty collections of label indices or names"
    )
    if isinstance(groups, str | bytes) or not isinstance(groups, Iterable):
        raise bad
    out: list[tuple[int | str, ...]] = []
    for group in groups:
        if isinstance(group, str | bytes) or not isinstance(group, Iterable):
            raise bad
        members = tuple(int(m) if _is_int(m) else m for m in group)
        if not members or not all(isinstance(m, int | str) for m in members):
            raise bad
        out.append(members)
    if not out:
        raise bad
    return tuple(out)


@dataclass(frozen=True)
class _Concept:
    """One state of the generator: a label partition, a hyperplane per group, a group rate."""

    groups: Partition
    weights: np.ndarray  # (n_groups, n_features), unit rows, zero outside the relevant features
    rate: float  # probability that a group is active

    @property
    def label_group(self) -> np.ndarray:
        out = np.empty(sum(len(g) for g in self.groups), dtype=np.intp)
        for g, members in enumerate(self.groups):
            out[list(members)] = g
        return out


def _canonical(groups: Iterable[Iterable[int]]) -> Partition:
    return tuple(sorted(tuple(sorted(int(m) for m in g)) for g in groups))


class MultiLabelSynth(Source):
    """Multi-label stream with groups of co-occurring labels, driven by the features, and drift.

    Generative model: features are i.i.d. standard normal. The labels are partitioned into groups;
    group `g` has a sparse unit hyperplane `w_g` over `n_relevant` features (groups prefer
    features no other group uses, so groups are nearly independent) and is active when
    `w_g·x + noise·e > threshold`, with `e` standard normal and the threshold set so that a group
    is active with probability `group_rate`. A label is on with probability `p_on` when its group
    is active and `p_off` otherwise. So labels of a group have a high Jaccard similarity, labels of
    different groups a low one, and the labels are learnable from `x` (up to the noise).

    The initial partition splits a random permutation of the labels into `n_groups` groups of
    near-equal sizes. Drifts (see `Drift`) move the generator from one concept to the next; a
    `correlation` drift keeps the hyperplane of each group that survives unchanged and draws new
    ones for the split or merged groups. The whole schedule is drawn at construction, so invalid
    drifts fail early. Instances are drawn in fixed blocks, each from its own generator seeded by
    `(seed, block)`, so `iter()` and `iter_arrays(batch_size)` yield the same stream whatever the
    batch size, and every iteration restarts it. With `seed=None`, a seed is drawn once at
    construction.

    Ground truth for tests: `groups_at(t)` gives the partition in force at index `t` and
    `drift_points` the schedule. With the defaults a group is active for a quarter of the
    instances, about 2.7 of 12 labels are on per instance, and about a third of the instances
    have no label at all.

    Parameters
    ----------
    n_features
        Number of numeric features, named `f0, f1, ...`.
    n_labels
        Number of labels, named `l0, l1, ...`.
    n_groups
        Number of label groups at the start (1 to `n_labels`).
    n_instances
        Length of the stream; None for an endless stream.
    drifts
        Scheduled drifts; their windows must lie in the stream and must not overlap.
    seed
        Seed (a non-negative integer) of the whole stream, or None.
    group_rate
        Probability that a group is active, before any cardinality drift.
    p_on
        Probability that a label is on when its group is active.
    p_off
        Probability that a label is on when its group is inactive.
    n_relevant
        Number of features each group's hyperplane uses.
    noise
        Standard deviation of the noise added to a group's activation (the hyperplane term has
        unit variance).

    Examples
    --------
    >>> gen = MultiLabelSynth(n_features=5, n_labels=6, n_groups=2, n_instances=4000,
    ...                       drifts=(Drift(2000, "cardinality", factor=2.0),), seed=7)
    >>> gen.schema.feature_names
    ('f0', 'f1', 'f2', 'f3', 'f4')
    >>> gen.groups_at(0)
    (('l0', 'l2', 'l4'), ('l1', 'l3', 'l5'))
    >>> x, y = next(iter(gen))
    >>> [label for label, on in y.items() if on]
    ['l1', 'l3', 'l5']
    >>> Y = np.concatenate([Y for _, Y in gen.iter_arrays(1000)])
    >>> print(f"{Y[:2000].sum(axis=1).mean():.2f} -> {Y[2000:].sum(axis=1).mean():.2f}")
    1.38 -> 2.87
    """

    def __init__(
        self,
        n_features: int = 20,
        n_labels: int = 12,
        n_groups: int = 3,
        n_instances: int | None = 20_000,
        drifts: tuple[Drift, ...] = (),
        seed: int | None = 42,
        *,
        group_rate: float = 0.25,
        p_on: float = 0.85,
        p_off: float = 0.02,
        n_relevant: int = 3,
        noise: float = 0.1,
    ) -> None:
        self.n_features = n_features
        self.n_labels = n_labels
        self.n_groups = n_groups
        self.n_instances = n_instances
        self.drifts = drifts
        self.seed = seed
        self.group_rate = group_rate
        self.p_on = p_on
        self.p_off = p_off
        self.n_relevant = n_relevant
        self.noise = noise
        self._validate()
        self._drifts = tuple(sorted(drifts, key=lambda d: d.at))
        self._check_schedule()
        fresh = np.random.SeedSequence().entropy
        self._entropy = int(seed) if seed is not None else int(fresh)  # type: ignore[arg-type]
        self._schema = Schema(
            "synth",
            tuple(f"f{j}" for j in range(n_features)),
            tuple(f"l{j}" for j in range(n_labels)),
            n_instances=n_instances,
        )
        self._concepts = self._draw_concepts()
        self._max_groups = max(len(c.groups) for c in self._concepts)
        self._label_groups = [c.label_group for c in self._concepts]
        scale = math.sqrt(1.0 + float(noise) ** 2)
        self._thresholds = [scale * NormalDist().inv_cdf(1.0 - c.rate) for c in self._concepts]

    # -- public API -------------------------------------------------------------------------

    @property
    def schema(self) -> Schema:
        return self._schema

    @property
    def drift_points(self) -> list[tuple[int, str]]:
        """The scheduled drifts as `(at, kind)`, in stream order."""
        return [(d.at, d.kind) for d in self._drifts]

    def groups_at(self, t: int) -> tuple[tuple[str, ...], ...]:
        """The label partition in force at instance index `t`.

        A drift's partition is in force from its `at` on; for a gradual drift that is where the
        new concept becomes the more likely one, so the new partition holds at the latest from
        the window's end. Groups list label names in index order, sorted by their first label.
        """
        if not _is_int(t) or t < 0 or (self.n_instances is not None and t >= self.n_instances):
            raise IhomerError(f"instance index {t!r} is outside the stream [0, {self.n_instances})")
        c = sum(1 for d in self._drifts if t >= d.at)
        names = self._schema.label_names
        return tuple(tuple(names[m] for m in g) for g in self._concepts[c].groups)

    def __iter__(self) -> Iterator[Instance]:
        features = self._schema.feature_names
        labels = self._schema.label_names
        for X, Y in self._blocks():
            for x_row, y_row in zip(X.tolist(), Y.tolist(), strict=True):
                yield dict(zip(features, x_row, strict=True)), dict(zip(labels, y_row, strict=True))

    def iter_arrays(self, batch_size: int = 1024) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield `(X, Y)` batches of the same stream as `iter()`, drawn with NumPy."""
        if not _is_int(batch_size) or batch_size < 1:
            raise IhomerError(f"batch_size must be a positive integer, got {batch_size!r}")
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        held = 0
        for X, Y in self._blocks():
            xs.append(X)
            ys.append(Y)
            held += len(X)
            if held < batch_size:
                continue
            X_all = np.concatenate(xs) if len(xs) > 1 else xs[0]
            Y_all = np.concatenate(ys) if len(ys) > 1 else ys[0]
            stop = held - held % batch_size
            for i in range(0, stop, batch_size):
                yield X_all[i : i + batch_size], Y_all[i : i + batch_size]
            xs, ys = [X_all[stop:]], [Y_all[stop:]]
            held -= stop
        if held:
            yield np.concatenate(xs), np.concatenate(ys)

    def __repr__(self) -> str:
        return (
            f"MultiLabelSynth(n_features={self.n_features}, n_labels={self.n_labels}, "
            f"n_groups={self.n_groups}, n_instances={self.n_instances}, "
            f"drifts={self.drifts!r}, seed={self.seed})"
        )

    # -- validation -------------------------------------------------------------------------

    def _validate(self) -> None:
        for name in ("n_features", "n_labels", "n_groups", "n_relevant"):
            value = getattr(self, name)
            if not _is_int(value) or value < 1:
                raise IhomerError(f"{name} must be a positive integer, got {value!r}")
        if self.n_groups > self.n_labels:
            raise IhomerError(
                f"n_groups ({self.n_groups}) must not exceed n_labels ({self.n_labels})"
            )
        if self.n_relevant > self.n_features:
            raise IhomerError(
                f"n_relevant ({self.n_relevant}) must not exceed n_features ({self.n_features})"
            )
        n = self.n_instances
        if n is not None and (not _is_int(n) or n < 1):
            raise IhomerError(f"n_instances must be a positive integer or None, got {n!r}")
        if self.seed is not None and (not _is_int(self.seed) or self.seed < 0):
            raise IhomerError(f"seed must be a non-negative integer or None, got {self.seed!r}")
        if not _is_real(self.group_rate) or not 0 < self.group_rate < 1:
            raise IhomerError(f"group_rate must be in (0, 1), got {self.group_rate!r}")
        for name in ("p_on", "p_off"):
            value = getattr(self, name)
            if not _is_real(value) or not 0 <= value <= 1:
                raise IhomerError(f"{name} must be in [0, 1], got {value!r}")
        if not self.p_off < self.p_on:
            raise IhomerError(f"p_off ({self.p_off}) must be below p_on ({self.p_on})")
        if not _is_real(self.noise) or not 0 <= self.noise < math.inf:
            raise IhomerError(f"noise must be a finite number >= 0, got {self.noise!r}")
        if not isinstance(self.drifts, tuple | list) or not all(
            isinstance(d, Drift) for d in self.drifts
        ):
            raise IhomerError("drifts must be a tuple of Drift objects")

    def _check_schedule(self) -> None:
        n = self.n_instances
        previous: Drift | None = None
        for d in self._drifts:
            if d.at < 1 or (n is not None and d.at >= n):
                raise IhomerError(f"{d.kind} drift at {d.at} is outside the stream (1 to {n})")
            if d.start < 0 or (n is not None and d.end > n):
                raise IhomerError(
                    f"{d.kind} drift window [{d.start}, {d.end}) is outside the stream [0, {n})"
                )
            if previous is not None and d.start < max(previous.end, previous.at + 1):
                raise IhomerError(
                    f"{d.kind} drift at {d.at} overlaps the {previous.kind} drift at {previous.at}"
                )
            previous = d

    # -- concepts ---------------------------------------------------------------------------

    def _draw_concepts(self) -> list[_Concept]:
        rng = np.random.default_rng(np.random.SeedSequence(self._entropy, spawn_key=(0,)))
        perm = rng.permutation(self.n_labels)
        groups = _canonical(np.array_split(perm, self.n_groups))
        usage = np.zeros(self.n_features, dtype=np.int64)
        concepts = [_Concept(groups, self._hyperplanes(rng, len(groups), usage), self.group_rate)]
        for drift in self._drifts:
            concepts.append(self._apply(drift, concepts[-1], rng))
        return concepts

    def _hyperplanes(self, rng: np.random.Generator, count: int, usage: np.ndarray) -> np.ndarray:
        """Draw `count` unit hyperplanes, preferring the least used features (updates `usage`)."""
        W = np.zeros((count, self.n_features))
        for g in range(count):
            order = np.lexsort((rng.random(self.n_features), usage))
            relevant = order[: self.n_relevant]
            usage[relevant] += 1
            w = rng.standard_normal(self.n_relevant)
            W[g, relevant] = w / np.linalg.norm(w)
        return W

    def _apply(self, drift: Drift, old: _Concept, rng: np.random.Generator) -> _Concept:
        where = f"{drift.kind} drift at {drift.at}"
        if drift.kind == "cardinality":
            gap = self.p_on - self.p_off
            mean_on = old.rate * gap + self.p_off  # mean share of labels on
            rate = (drift.params["factor"] * mean_on - self.p_off) / gap
            if not 0 < rate < 1:
                raise IhomerError(
                    f"{where}: factor {drift.params['factor']} needs a group rate of {rate:.3g}, "
                    "outside (0, 1)"
                )
            return _Concept(old.groups, old.weights, float(rate))
        if drift.kind == "concept":
            n_old = len(old.groups)
            count = math.ceil(drift.params.get("fraction", 1.0) * n_old)
            redraw = np.sort(rng.choice(n_old, size=count, replace=False))
            usage = (old.weights != 0).sum(axis=0)
            W = old.weights.copy()
            W[redraw] = self._hyperplanes(rng, count, usage)
            return _Concept(old.groups, W, old.rate)
        if "groups" in drift.params:
            groups = self._user_partition(drift.params["groups"], where)
        else:
            groups = self._default_regroup(old.groups, rng, where)
        if set(groups) == set(old.groups):
            raise IhomerError(f"{where}: the new groups equal the current ones")
        kept = {g: old.weights[i] for i, g in enumerate(old.groups) if g in groups}
        usage = (old.weights != 0).sum(axis=0)
        fresh = self._hyperplanes(rng, len(groups) - len(kept), usage)
        rows = iter(fresh)
        W = np.stack([kept[g] if g in kept else next(rows) for g in groups])
        return _Concept(groups, W, old.rate)

    def _user_partition(self, groups: tuple[tuple[int | str, ...], ...], where: str) -> Partition:
        index = {name: j for j, name in enumerate(self._schema.label_names)}
        resolved: list[list[int]] = []
        for group in groups:
            members: list[int] = []
            for m in group:
                j = index.get(m) if isinstance(m, str) else m
                if j is None or not 0 <= j < self.n_labels:
                    raise IhomerError(f"{where}: unknown label {m!r} in groups")
                members.append(j)
            resolved.append(members)
        flat = sorted(itertools.chain.from_iterable(resolved))
        if flat != list(range(self.n_labels)):
            raise IhomerError(f"{where}: groups must hold every label exactly once")
        return _canonical(resolved)

    @staticmethod
    def _default_regroup(old: Partition, rng: np.random.Generator, where: str) -> Partition:
        """Split the largest group in two at random and merge the two smallest other groups."""
        groups = [list(g) for g in old]
        largest = max(range(len(groups)), key=lambda i: (len(groups[i]), -i))
        new: list[list[int]] = []
        others = groups
        if len(groups[largest]) >= 2:
            members = [int(m) for m in rng.permutation(groups[largest])]
            half = len(members) // 2
            new += [members[:half], members[half:]]
            others = groups[:largest] + groups[largest + 1 :]
        if len(others) >= 2:
            order = sorted(range(len(others)), key=lambda i: (len(others[i]), i))
            a, b = order[0], order[1]
            new.append(others[a] + others[b])
            others = [g for i, g in enumerate(others) if i not in (a, b)]
        if not new:
            raise IhomerError(f"{where}: a single label has nothing to split or merge")
        return _canonical(new + others)

    # -- sampling ---------------------------------------------------------------------------

    def _blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for k in itertools.count():
            start = k * _BLOCK
            stop = start + _BLOCK
            if self.n_instances is not None:
                stop = min(stop, self.n_instances)
            if stop <= start:
                return
            yield self._block(k, start, stop)

    def _block(self, k: int, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(np.random.SeedSequence(self._entropy, spawn_key=(1, k)))
        m = stop - start
        X = rng.standard_normal((m, self.n_features))
        u = rng.random(m)
        E = rng.standard_normal((m, self._max_groups))
        V = rng.random((m, self.n_labels))
        # Concept index of each instance: the number of drifts it falls after. Windows do not
        # overlap, so one uniform per instance decides it.
        t = np.arange(start, stop)
        concept = np.zeros(m, dtype=np.intp)
        for d in self._drifts:
            if d.start < stop:
                concept += u < d.new_concept_probability(t)
        Y = np.empty((m, self.n_labels), dtype=np.bool_)
        first, last = int(concept.min()), int(concept.max())
        for c in range(first, last + 1):
            rows = slice(None) if first == last else concept == c
            self._labels(c, X[rows], E[rows], V[rows], Y, rows)
        return X, Y

    def _labels(
        self,
        c: int,
        X: np.ndarray,
        E: np.ndarray,
        V: np.ndarray,
        Y: np.ndarray,
        rows: slice | np.ndarray,
    ) -> None:
        concept = self._concepts[c]
        n_groups = len(concept.groups)
        score = X @ concept.weights.T + self.noise * E[:, :n_groups]
        active = score > self._thresholds[c]
        prob = np.where(active[:, self._label_groups[c]], self.p_on, self.p_off)
        Y[rows] = V < prob
