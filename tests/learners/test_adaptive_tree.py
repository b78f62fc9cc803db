from __future__ import annotations

import itertools

import numpy as np
import pytest

from learners.registry import make
from learners.tree import MultiLabelHoeffdingAdaptiveTree, MultiLabelHoeffdingTree
from learners.tree._layout import (
    M_FREE_NODE_TOP,
    M_N_NODES,
    M_ROOT,
    N_ALT,
    N_FEATURE,
    N_LEFT,
    N_RIGHT,
)
from stream.metrics import WindowedMultiLabelMetrics
from stream.sources.synth import Drift, MultiLabelSynth
from stream.sources.yeast import YeastSource

# a tree that grows on a short synthetic stream (the default bound needs far more instances)
GROWING = {"grace_period": 100, "delta": 0.01, "tau": 0.5, "leaf_prediction": "mc"}


def windowed_curve(model, stream, window: int = 1000) -> list[float]:  # type: ignore[no-untyped-def]
    metrics = WindowedMultiLabelMetrics(window)
    curve = []
    for i, (x, y) in enumerate(stream):
        predicted = model.predict_one(x)
        model.learn_one(x, y)
        metrics.update({k for k, v in y.items() if v}, {k for k, v in predicted.items() if v})
        if (i + 1) % window == 0:
            curve.append(metrics.get()["micro_f1"])
    return curve


def reachable_nodes(model: MultiLabelHoeffdingAdaptiveTree) -> int:
    a = model._arrays
    assert a is not None
    stack, seen = [int(a.meta[M_ROOT])], 0
    while stack:
        node = stack.pop()
        seen += 1
        if a.node_i[node, N_FEATURE] >= 0:
            stack += [int(a.node_i[node, N_LEFT]), int(a.node_i[node, N_RIGHT])]
        if a.node_i[node, N_ALT] >= 0:
            stack.append(int(a.node_i[node, N_ALT]))
    return seen


@pytest.fixture(scope="module")
def sudden_concept_drift() -> MultiLabelSynth:
    return MultiLabelSynth(
        n_labels=6, n_groups=2, n_instances=16_000, drifts=(Drift(6_000, "concept"),), seed=5
    )


def test_subtree_is_swapped_and_accuracy_recovers(sudden_concept_drift: MultiLabelSynth) -> None:
    adaptive = MultiLabelHoeffdingAdaptiveTree(seed=1, **GROWING)
    static = MultiLabelHoeffdingTree(**GROWING)
    curve = windowed_curve(adaptive, sudden_concept_drift)
    static_curve = windowed_curve(static, sudden_concept_drift)
    before, right_after, late = np.mean(curve[3:6]), curve[6], np.mean(curve[-4:])
    assert right_after < before - 0.2  # the drift hurts
    assert adaptive.n_alternates_started >= 1 and adaptive.n_swaps >= 1
    assert late > 0.8 * before  # and the swapped subtree recovers
    assert late > np.mean(static_curve[-4:]) + 0.3  # the static tree does not
    # nodes of replaced subtrees are recycled: every live node is reachable
    a = adaptive._arrays
    assert a is not None
    assert int(a.meta[M_N_NODES] - a.meta[M_FREE_NODE_TOP]) == reachable_nodes(adaptive)


def test_no_drift_no_swap_on_a_stationary_stream() -> None:
    model = MultiLabelHoeffdingAdaptiveTree(seed=1, **GROWING)
    windowed_curve(model, MultiLabelSynth(n_labels=6, n_groups=2, n_instances=8_000, seed=5))
    assert model.n_swaps == 0


def test_dict_and_batch_paths_agree() -> None:
    source = YeastSource()
    schema = source.schema
    params = dict(bootstrap_sampling=False, grace_period=50, delta=0.05, tau=0.5)
    by_dict = MultiLabelHoeffdingAdaptiveTree(**params)  # type: ignore[arg-type]
    for x, y in itertools.islice(source, 800):
        by_dict.learn_one(x, y)
    by_batch = MultiLabelHoeffdingAdaptiveTree(**params)  # type: ignore[arg-type]
    X, Y = next(source.iter_arrays(batch_size=1000))
    by_batch.learn_many(
        X[:800], Y[:800], feature_names=schema.feature_names, label_names=schema.label_names
    )
    assert by_batch.n_splits == by_dict.n_splits > 0
    batch = by_batch.predict_many(
        X[800:], feature_names=schema.feature_names, label_names=schema.label_names
    )
    for row, (x, _) in zip(batch, itertools.islice(source, 800, 1000), strict=True):
        assert dict(zip(schema.label_names, row.tolist(), strict=True)) == by_dict.predict_one(x)


def test_registered_with_its_parameters() -> None:
    model = make("mlhat")
    assert isinstance(model, MultiLabelHoeffdingAdaptiveTree)
    twin = model.clone({"adwin_delta": 0.01})
    assert twin.adwin_delta == 0.01 and twin.switch_significance == model.switch_significance
    assert twin.predict_one({"a": 1.0}) == {}


def _test_then_train_stream() -> tuple[list, list]:  # type: ignore[type-arg]
    """A drifting stream with unlabelled rows, a late label, late and missing features, zeros."""
    stream = MultiLabelSynth(
        n_features=8, n_labels=5, n_groups=2, n_instances=4000, drifts=(Drift(2000, "concept"),)
    )
    xs, ys = [], []
    for i, (x, y) in enumerate(stream):
        x = dict(x)
        if i % 7 == 3:
            del x["f1"]  # rows with different keys
        if i % 11 == 0:
            x["f2"] = 0.0  # a zero is left out, as an absent feature
        if i >= 1500:
            x["late"] = float(i % 3)  # a feature that appears mid-batch
        if i == 1700:
            x["once"] = float("nan")  # a missing value of a new feature
        y = dict(y) if i >= 900 else {k: v for k, v in y.items() if k != "l0"}  # a late label
        xs.append(x)
        ys.append(None if i % 5 == 2 else y)
    xs[10] = {"unseen": 1.0, **xs[10]}  # an unlabelled row: its new feature is not learned
    return xs, ys


@pytest.mark.parametrize(
    "make_tree",
    [
        lambda: MultiLabelHoeffdingAdaptiveTree(grace_period=50, delta=0.01, tau=0.5, seed=3),
        lambda: MultiLabelHoeffdingTree(grace_period=50, delta=0.01, seed=3),
        lambda: MultiLabelHoeffdingTree(grace_period=50, delta=0.01, leaf_prediction="nb", seed=3),
    ],
    ids=["mlhat", "mlht-best", "mlht-nb"],
)
def test_test_then_train_many_is_the_one_by_one_loop(make_tree) -> None:  # type: ignore[no-untyped-def]
    from learners.base import MultiLabelLearner

    xs, ys = _test_then_train_stream()
    batched, looped = make_tree(), make_tree()
    for start in range(0, len(xs), 333):
        stop = start + 333
        got = batched.test_then_train_many(xs[start:stop], ys[start:stop])
        want = MultiLabelLearner.test_then_train_many(looped, xs[start:stop], ys[start:stop])
        assert got[2] == want[2]  # the labels
        np.testing.assert_array_equal(got[0], want[0])  # the probabilities, NaN where unknown
        np.testing.assert_array_equal(got[1], want[1])
    assert batched.n_splits >= 2 and batched.n_splits == looped.n_splits
    if isinstance(batched, MultiLabelHoeffdingAdaptiveTree):
        assert batched.n_alternates_started >= 1 and batched.n_swaps >= 1
    assert batched._features == looped._features and batched._labelsets == looped._labelsets
    for name, array in batched._a._asdict().items():
        np.testing.assert_array_equal(array, getattr(looped._a, name), err_msg=name)
    assert batched._rng.bit_generator.state == looped._rng.bit_generator.state


def test_test_then_train_many_with_nominal_values_and_a_bad_row() -> None:
    tree = MultiLabelHoeffdingAdaptiveTree(seed=1)
    looped = MultiLabelHoeffdingAdaptiveTree(seed=1)
    xs = [{"colour": c, "w": float(i % 4)} for i, c in enumerate(["red", "blue"] * 20)]
    ys = [{"warm": x["colour"] == "red"} for x in xs]
    got = tree.test_then_train_many(xs, ys)
    for x, y in zip(xs, ys, strict=True):
        looped.learn_one(x, y)
    np.testing.assert_array_equal(tree._a.leaf_lab, looped._a.leaf_lab)
    assert got[0].shape == (40, 1) and np.isnan(got[0][0, 0])
    before = tree._a.leaf_s.copy()
    for bad in ({"w": [1.0]}, {"w": "red", "v": [1.0, 2.0]}):  # a list is no feature value
        with pytest.raises((TypeError, ValueError)):
            tree.test_then_train_many([xs[0], bad], [ys[0], ys[0]])
    with pytest.raises((TypeError, ValueError)):
        tree.test_then_train_many([{"w": [1.0]}, {"w": [2.0]}], [ys[0], ys[0]])
    np.testing.assert_array_equal(tree._a.leaf_s, before)  # nothing was learned
