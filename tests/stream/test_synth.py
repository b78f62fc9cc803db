from __future__ import annotations

import itertools

import numpy as np
import pytest

from stream.errors import IhomerError
from stream.sources.synth import Drift, MultiLabelSynth


def arrays(gen: MultiLabelSynth, batch_size: int = 4096) -> tuple[np.ndarray, np.ndarray]:
    batches = list(gen.iter_arrays(batch_size))
    return np.concatenate([X for X, _ in batches]), np.concatenate([Y for _, Y in batches])


def jaccard(Y: np.ndarray) -> np.ndarray:
    Yi = Y.astype(np.int64)
    both = Yi.T @ Yi
    count = np.diag(both)
    union = count[:, None] + count[None, :] - both
    return both / np.maximum(union, 1)  # type: ignore[no-any-return]


def components(adjacent: np.ndarray, names: tuple[str, ...]) -> set[frozenset[str]]:
    parent = list(range(len(names)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(adjacent), strict=True):
        parent[find(int(i))] = find(int(j))
    groups: dict[int, set[str]] = {}
    for i, name in enumerate(names):
        groups.setdefault(find(i), set()).add(name)
    return {frozenset(g) for g in groups.values()}


def as_sets(groups: tuple[tuple[str, ...], ...]) -> set[frozenset[str]]:
    return {frozenset(g) for g in groups}


def fit_linear(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Per-label least-squares linear classifier (with intercept)."""
    A = np.hstack([X, np.ones((len(X), 1))])
    coef, *_ = np.linalg.lstsq(A, Y.astype(np.float64), rcond=None)
    return coef  # type: ignore[no-any-return]


def predict_linear(coef: np.ndarray, X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((len(X), 1))]) @ coef > 0.5  # type: ignore[no-any-return]


def micro_f1(Y: np.ndarray, Z: np.ndarray) -> float:
    tp = (Y & Z).sum()
    return float(2 * tp / max(Y.sum() + Z.sum(), 1))


# -- reproducibility and the two read paths ---------------------------------------------------


def test_same_seed_same_stream_and_iteration_restarts() -> None:
    a = list(itertools.islice(MultiLabelSynth(seed=3), 1000))
    gen = MultiLabelSynth(seed=3)
    assert list(itertools.islice(gen, 1000)) == a
    assert list(itertools.islice(gen, 1000)) == a  # a new iteration restarts the stream
    b = list(itertools.islice(MultiLabelSynth(seed=4), 1000))
    assert [x for x, _ in a] != [x for x, _ in b]
    assert [y for _, y in a] != [y for _, y in b]


def test_seed_none_is_fixed_per_generator() -> None:
    gen = MultiLabelSynth(seed=None, n_instances=500)
    assert list(gen) == list(gen)
    assert list(gen) != list(MultiLabelSynth(seed=None, n_instances=500))


def test_schema_and_instances() -> None:
    gen = MultiLabelSynth(n_features=4, n_labels=5, n_groups=2, n_instances=10)
    schema = gen.schema
    assert (schema.name, schema.n_instances) == ("synth", 10)
    assert schema.feature_names == ("f0", "f1", "f2", "f3")
    assert schema.label_names == ("l0", "l1", "l2", "l3", "l4")
    rows = list(gen)
    assert len(rows) == 10
    for x, y in rows:
        assert list(x) == list(schema.feature_names)
        assert all(type(v) is float for v in x.values())
        assert list(y) == list(schema.label_names)
        assert all(type(v) is bool for v in y.values())


@pytest.mark.parametrize("batch_size", [1, 7, 1000, 2048, 5000, 50_000])
def test_dict_path_equals_array_path(batch_size: int) -> None:
    drifts = (
        Drift(1500, "concept", width=1001),
        Drift(4000, "correlation"),
        Drift(6000, "cardinality", width=600, factor=0.6),
    )
    gen = MultiLabelSynth(n_instances=7_777, drifts=drifts, seed=11)
    schema = gen.schema
    batches = list(gen.iter_arrays(batch_size))
    sizes = [len(X) for X, _ in batches]
    assert all(s == batch_size for s in sizes[:-1]) and 0 < sizes[-1] <= batch_size
    X, Y = np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
    assert X.dtype == np.float64 and Y.dtype == np.bool_
    assert X.shape == (7_777, 20) and Y.shape == (7_777, 12)
    rows = list(gen)
    np.testing.assert_array_equal(np.stack([schema.x_to_array(x) for x, _ in rows]), X)
    np.testing.assert_array_equal(np.stack([schema.y_to_array(y) for _, y in rows]), Y)


def test_endless_stream() -> None:
    gen = MultiLabelSynth(n_instances=None, drifts=(Drift(50_000, "concept"),))
    assert gen.schema.n_instances is None
    X, _ = next(gen.iter_arrays(10_000))
    assert len(X) == 10_000
    assert len(list(itertools.islice(gen, 3000))) == 3000


# -- label structure and drift ----------------------------------------------------------------


def check_structure(
    Y: np.ndarray, groups: tuple[tuple[str, ...], ...], names: tuple[str, ...]
) -> None:
    J = jaccard(Y)
    group_of = {name: g for g, members in enumerate(groups) for name in members}
    for i, j in itertools.combinations(range(len(names)), 2):
        if group_of[names[i]] == group_of[names[j]]:
            assert J[i, j] > 0.5, (names[i], names[j], J[i, j])
        else:
            assert J[i, j] < 0.2, (names[i], names[j], J[i, j])
    assert components(J > 0.35, names) == as_sets(groups)


def test_groups_visible_in_jaccard_without_drift() -> None:
    gen = MultiLabelSynth(n_labels=15, n_groups=4, n_instances=10_000, seed=5)
    _, Y = arrays(gen)
    check_structure(Y, gen.groups_at(0), gen.schema.label_names)
    assert [len(g) for g in gen.groups_at(0)].count(4) == 3  # sizes 4, 4, 4, 3


def test_default_correlation_drift_splits_largest_and_merges_smallest() -> None:
    gen = MultiLabelSynth(n_instances=20_000, drifts=(Drift(10_000, "correlation"),), seed=1)
    names = gen.schema.label_names
    before, after = gen.groups_at(9_999), gen.groups_at(10_000)
    assert gen.groups_at(0) == before
    assert gen.drift_points == [(10_000, "correlation")]
    assert sorted(len(g) for g in before) == [4, 4, 4]
    assert sorted(len(g) for g in after) == [2, 2, 8]
    (merged,) = [set(g) for g in after if len(g) == 8]
    halves = [set(g) for g in after if len(g) == 2]
    assert sum(set(g) <= merged for g in before) == 2
    assert {frozenset(halves[0] | halves[1])} <= as_sets(before)
    _, Y = arrays(gen)
    check_structure(Y[:10_000], before, names)
    check_structure(Y[10_000:], after, names)


def test_explicit_correlation_drift() -> None:
    new = ((0, 1, 2, 3, 4, 5), ("l6", "l7"), (8, 9, 10, 11))
    gen = MultiLabelSynth(drifts=(Drift(8_000, "correlation", groups=new),), seed=2)
    names = gen.schema.label_names
    after = gen.groups_at(8_000)
    assert as_sets(after) == {
        frozenset(names[:6]),
        frozenset({"l6", "l7"}),
        frozenset(names[8:]),
    }
    _, Y = arrays(gen)
    check_structure(Y[:8_000], gen.groups_at(0), names)
    check_structure(Y[8_000:], after, names)


@pytest.mark.parametrize("factor", [2.0, 0.5])
def test_cardinality_drift_scales_mean_label_count(factor: float) -> None:
    drift = Drift(10_000, "cardinality", factor=factor)
    gen = MultiLabelSynth(drifts=(drift,), seed=8)
    _, Y = arrays(gen)
    card = Y.sum(axis=1)
    ratio = card[10_000:].mean() / card[:10_000].mean()
    assert ratio == pytest.approx(factor, rel=0.08)
    assert gen.groups_at(0) == gen.groups_at(19_999)


def test_gradual_drift_mixes_concepts_linearly_across_the_window() -> None:
    # New concept share rises 0 -> 1 over [6000, 14000); cardinality tracks it.
    drift = Drift(10_000, "cardinality", width=8_000, factor=3.0)
    assert (drift.start, drift.end) == (6_000, 14_000)
    gen = MultiLabelSynth(drifts=(drift,), seed=9)
    _, Y = arrays(gen)
    card = Y.sum(axis=1)
    old, new = card[:6_000].mean(), card[14_000:].mean()
    assert new / old == pytest.approx(3.0, rel=0.08)
    quarters = [card[s : s + 2_000].mean() for s in range(6_000, 14_000, 2_000)]
    share = [(q - old) / (new - old) for q in quarters]
    assert share == sorted(share)
    np.testing.assert_allclose(share, [0.125, 0.375, 0.625, 0.875], atol=0.08)


def test_gradual_correlation_drift_groups_at_switches_at_the_centre() -> None:
    drift = Drift(10_000, "correlation", width=4_000)
    gen = MultiLabelSynth(drifts=(drift,), seed=4)
    old, new = gen.groups_at(0), gen.groups_at(19_999)
    assert old != new
    assert gen.groups_at(drift.start) == gen.groups_at(9_999) == old
    assert gen.groups_at(10_000) == gen.groups_at(drift.end) == new
    _, Y = arrays(gen)
    names = gen.schema.label_names
    check_structure(Y[: drift.start], old, names)
    check_structure(Y[drift.end :], new, names)


def test_concept_drift_changes_the_feature_label_relation() -> None:
    gen = MultiLabelSynth(drifts=(Drift(10_000, "concept"),), seed=6)
    X, Y = arrays(gen)
    coef = fit_linear(X[:7_000], Y[:7_000])
    before = micro_f1(Y[7_000:10_000], predict_linear(coef, X[7_000:10_000]))
    after = micro_f1(Y[10_000:], predict_linear(coef, X[10_000:]))
    assert before > 0.55
    assert after < 0.35
    # The groups and the cardinality are unchanged: only x -> y moved.
    assert gen.groups_at(0) == gen.groups_at(10_000)
    card = Y.sum(axis=1)
    assert card[10_000:].mean() == pytest.approx(card[:10_000].mean(), rel=0.08)
    # A model refitted after the drift recovers.
    coef = fit_linear(X[10_000:17_000], Y[10_000:17_000])
    assert micro_f1(Y[17_000:], predict_linear(coef, X[17_000:])) > 0.55


def test_partial_concept_drift_moves_only_some_groups() -> None:
    gen = MultiLabelSynth(
        n_labels=16, n_groups=4, drifts=(Drift(10_000, "concept", fraction=0.5),), seed=10
    )
    X, Y = arrays(gen)
    coef = fit_linear(X[:7_000], Y[:7_000])
    Z = predict_linear(coef, X)
    index = {name: j for j, name in enumerate(gen.schema.label_names)}
    dropped = 0
    for group in gen.groups_at(0):
        cols = [index[name] for name in group]
        before = micro_f1(Y[7_000:10_000, cols], Z[7_000:10_000, cols])
        after = micro_f1(Y[10_000:, cols], Z[10_000:, cols])
        assert before > 0.55
        dropped += after < before - 0.25
    assert dropped == 2


def test_labels_are_learnable_by_a_hoeffding_tree() -> None:
    from river import tree

    gen = MultiLabelSynth(n_instances=1_500, seed=12)
    labels = gen.schema.label_names
    models = {label: tree.HoeffdingTreeClassifier(grace_period=100) for label in labels}
    counts: dict[tuple[bool, ...], int] = {}
    tree_errors = majority_errors = 0
    for i, (x, y) in enumerate(gen):
        truth = tuple(y[label] for label in labels)
        if i >= 500:  # score the last 1000 instances, test-then-train
            guess = tuple(bool(models[label].predict_one(x)) for label in labels)
            tree_errors += sum(a != b for a, b in zip(guess, truth, strict=True))
            majority = max(counts, key=lambda k: counts[k])
            majority_errors += sum(a != b for a, b in zip(majority, truth, strict=True))
        counts[truth] = counts.get(truth, 0) + 1
        for label in labels:
            models[label].learn_one(x, y[label])
    assert tree_errors < 0.75 * majority_errors


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_groups": 13}, "n_groups"),
        ({"n_groups": 0}, "n_groups"),
        ({"n_labels": -1}, "n_labels"),
        ({"n_features": 2.5}, "n_features"),
        ({"n_instances": 0}, "n_instances"),
        ({"n_relevant": 21}, "n_relevant"),
        ({"seed": -1}, "seed"),
        ({"group_rate": 1.0}, "group_rate"),
        ({"p_on": 0.01}, "p_off"),
        ({"noise": -0.1}, "noise"),
        ({"drifts": ("concept",)}, "Drift"),
        ({"drifts": (Drift(0, "concept"),)}, "outside the stream"),
        ({"drifts": (Drift(20_000, "concept"),)}, "outside the stream"),
        ({"drifts": (Drift(100, "concept", width=400),)}, "window"),
        (
            {
                "drifts": (
                    Drift(5_000, "concept", width=2_000),
                    Drift(5_500, "cardinality", factor=2),
                )
            },
            "overlaps",
        ),
        ({"drifts": (Drift(5_000, "concept"), Drift(5_000, "concept"))}, "overlaps"),
        ({"drifts": (Drift(5_000, "cardinality", factor=10),)}, "group rate"),
        ({"drifts": (Drift(5_000, "correlation", groups=((0, 1), (2,))),)}, "every label"),
        ({"drifts": (Drift(5_000, "correlation", groups=((0, 1, 99),)),)}, "unknown label"),
        ({"drifts": (Drift(5_000, "correlation", groups=(("x",),)),)}, "unknown label"),
        ({"n_labels": 1, "n_groups": 1, "drifts": (Drift(5_000, "correlation"),)}, "nothing"),
    ],
)
def test_invalid_generator_parameters(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(IhomerError, match=message):
        MultiLabelSynth(**kwargs)  # type: ignore[arg-type]


def test_correlation_drift_to_the_same_partition_is_rejected() -> None:
    gen = MultiLabelSynth()
    same = tuple(tuple(g) for g in gen.groups_at(0))
    with pytest.raises(IhomerError, match="equal the current"):
        MultiLabelSynth(drifts=(Drift(100, "correlation", groups=same),))


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((10, "sudden"), {}, "unknown drift kind"),
        ((-1, "concept"), {}, "at must be"),
        ((1.5, "concept"), {}, "at must be"),
        ((10, "concept"), {"width": -5}, "width"),
        ((10, "concept"), {"factor": 2.0}, "unknown parameter 'factor'"),
        ((10, "concept"), {"fraction": 0.0}, "fraction"),
        ((10, "cardinality"), {}, "needs factor"),
        ((10, "cardinality"), {"factor": -1.0}, "factor"),
        ((10, "cardinality"), {"factor": True}, "factor"),
        ((10, "correlation"), {"groups": "l0l1"}, "groups"),
        ((10, "correlation"), {"groups": ((),)}, "groups"),
        ((10, "correlation"), {"groups": ((0.5,),)}, "groups"),
    ],
)
def test_invalid_drift(args: tuple[object, ...], kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(IhomerError, match=message):
        Drift(*args, **kwargs)  # type: ignore[arg-type]


def test_drift_is_a_frozen_value() -> None:
    a = Drift(100, "correlation", width=10, groups=[[0, 1], [2]])
    b = Drift(100, "correlation", width=10, groups=((0, 1), (2,)))
    assert a == b and hash(a) == hash(b)
    assert a != Drift(100, "correlation", width=10)
    with pytest.raises(AttributeError):
        a.at = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        a.params["groups"] = ()  # type: ignore[index]


def test_groups_at_rejects_indices_outside_the_stream() -> None:
    gen = MultiLabelSynth(n_instances=100)
    with pytest.raises(IhomerError, match="outside the stream"):
        gen.groups_at(100)
    with pytest.raises(IhomerError, match="outside the stream"):
        gen.groups_at(-1)
    with pytest.raises(IhomerError, match="batch_size"):
        next(gen.iter_arrays(0))
