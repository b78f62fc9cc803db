from __future__ import annotations

import itertools

import numpy as np
import pytest
from river import datasets

from learners.tree import MultiLabelHoeffdingTree
from learners.tree._layout import TreeArrays
from stream.sources.synth import MultiLabelSynth
from stream.sources.yeast import YeastSource
from tests.learners.helpers import prequential


@pytest.fixture(scope="module")
def yeast() -> list:  # type: ignore[type-arg]
    return list(datasets.Yeast())


def test_usable_before_learning() -> None:
    model = MultiLabelHoeffdingTree()
    assert model.predict_one({"a": 1.0}) == {}
    assert model.predict_proba_one({"a": 1.0}) == {}
    assert model.n_leaves == 0


@pytest.mark.parametrize("mode", ["mc", "knn", "lr", "nb", "adaptive", "best"])
def test_every_leaf_predictor_beats_majority_on_yeast(yeast: list, mode: str) -> None:  # type: ignore[type-arg]
    from learners.reference import MajorityLabelSet

    ours = prequential(MultiLabelHoeffdingTree(leaf_prediction=mode), yeast)
    majority = prequential(MajorityLabelSet(), yeast)
    margin = {"mc": -1e-9, "nb": 0.005}.get(mode, 0.03)  # GaussianNB is weak on yeast (river too)
    assert ours["micro_f1"] > majority["micro_f1"] + margin


def test_grows_on_a_synthetic_stream() -> None:
    stream = MultiLabelSynth(n_instances=8000, seed=3)
    # R = log2(#label sets) is large with 12 noisy labels: a loose bound lets it grow here
    model = MultiLabelHoeffdingTree(grace_period=100, leaf_prediction="mc", delta=0.01, tau=0.5)
    scores = prequential(model, stream)
    assert model.n_splits >= 10 and model.n_leaves == model.n_splits + 1
    assert model.height >= 4
    assert scores["micro_f1"] > 0.4


def test_dict_and_batch_paths_agree(yeast: list) -> None:  # type: ignore[type-arg]
    source = YeastSource()
    schema = source.schema
    by_dict = MultiLabelHoeffdingTree(leaf_prediction="best", grace_period=50, delta=0.01)
    for x, y in itertools.islice(source, 600):
        by_dict.learn_one(x, y)
    by_batch = MultiLabelHoeffdingTree(leaf_prediction="best", grace_period=50, delta=0.01)
    X, Y = next(source.iter_arrays(batch_size=600))
    by_batch.learn_many(X, Y, feature_names=schema.feature_names, label_names=schema.label_names)
    assert by_batch.n_splits == by_dict.n_splits
    X_test, _ = next(source.iter_arrays(batch_size=800))
    X_test = X_test[600:]
    batch = by_batch.predict_many(
        X_test, feature_names=schema.feature_names, label_names=schema.label_names
    )
    for row, x in zip(batch, (schema_x for schema_x, _ in yeast[600:800]), strict=True):
        expected = by_dict.predict_one(x)
        assert dict(zip(schema.label_names, row.tolist(), strict=True)) == expected


def test_a_label_added_mid_stream_is_learned(yeast: list) -> None:  # type: ignore[type-arg]
    model = MultiLabelHoeffdingTree(leaf_prediction="knn")
    for i, (x, y) in enumerate(yeast[:1200]):
        y = dict(y)
        if i >= 400:  # a new label, on exactly when Class1 is on
            y["late"] = y["Class1"]
        model.learn_one(x, y)
        if i == 399:
            assert "late" not in model.predict_one(x)
    agree = [
        model.predict_one(x)["late"] == model.predict_one(x)["Class1"] for x, _ in yeast[1200:1400]
    ]
    assert np.mean(agree) > 0.95


def test_nominal_and_sparse_features() -> None:
    rng = np.random.default_rng(0)
    model = MultiLabelHoeffdingTree(leaf_prediction="knn", grace_period=50)
    hits = 0
    for i in range(1500):
        colour = rng.choice(["red", "green", "blue"])
        x = {"colour": str(colour)}
        if rng.random() < 0.5:
            x["w"] = float(rng.random())  # sometimes absent: counts as 0
        y = {"warm": colour == "red", "cool": colour != "red"}
        if i >= 500:
            hits += model.predict_one(x) == y
        model.learn_one(x, y)
    assert hits / 1000 > 0.95


def test_memory_cap_limits_observers(yeast: list) -> None:  # type: ignore[type-arg]
    small = MultiLabelHoeffdingTree(grace_period=50, delta=0.05, max_size_mb=0.05)
    for x, y in yeast[:1500]:
        small.learn_one(x, y)
    assert small.n_observer_slots * 103 * 16 * 3 * 8 <= 0.05 * 2**20 + 103 * 16 * 3 * 8
    assert set(small.predict_one(yeast[1500][0])) == set(yeast[0][1])


def test_state_is_arrays_and_plain_values(yeast: list) -> None:  # type: ignore[type-arg]
    model = MultiLabelHoeffdingTree()
    for x, y in yeast[:300]:
        model.learn_one(x, y)
    arrays = model._arrays
    assert isinstance(arrays, TreeArrays)
    assert all(isinstance(v, np.ndarray) for v in arrays)


def test_clone_is_fresh_and_independent(yeast: list) -> None:  # type: ignore[type-arg]
    model = MultiLabelHoeffdingTree(grace_period=100, leaf_prediction="lr")
    for x, y in yeast[:300]:
        model.learn_one(x, y)
    twin = model.clone()
    assert twin.grace_period == 100 and twin.leaf_prediction == "lr"
    assert twin.predict_one(yeast[0][0]) == {}
    before = model.predict_proba_one(yeast[400][0])
    for x, y in yeast[300:400]:
        twin.learn_one(x, y)
    assert model.predict_proba_one(yeast[400][0]) == before


def test_bad_leaf_prediction_is_refused() -> None:
    with pytest.raises(ValueError, match="leaf_prediction"):
        MultiLabelHoeffdingTree(leaf_prediction="oracle")


def test_projection_keeps_the_kept_labels_and_learns_on(yeast: list) -> None:  # type: ignore[type-arg]
    model = MultiLabelHoeffdingTree(leaf_prediction="best", grace_period=100, delta=0.05, tau=0.5)
    for x, y in yeast[:800]:
        model.learn_one(x, y)
    kept = ["Class3", "Class1", "Class12"]
    child = model.projected(kept)
    assert child._label_names == ["Class1", "Class3", "Class12"]
    assert child.n_splits == model.n_splits
    for x, _ in yeast[800:900]:
        full = model.predict_proba_one(x)
        assert child.predict_proba_one(x) == {label: full[label] for label in child._label_names}
    for x, y in yeast[800:1200]:  # goes on learning, new label sets included
        child.learn_one(x, {label: y[label] for label in kept})
    a = child._arrays
    assert a is not None and a.leaf_lab.shape[1] == 3 and a.obs.shape[2] == 5
    assert model.predict_proba_one(yeast[0][0]) is not None  # the source tree is untouched


def test_projection_drops_spare_capacity_and_grows_back_on_demand(yeast: list) -> None:  # type: ignore[type-arg]
    """A projected tree holds the leaf and observer slots in use only (iHOMER keeps one tree
    per cluster); learning on, it grows them again as its splits need."""
    from learners.tree import MultiLabelHoeffdingAdaptiveTree
    from learners.tree._layout import M_LEAF_HIGH, M_OBS_HIGH

    model = MultiLabelHoeffdingAdaptiveTree(grace_period=100, delta=0.05, tau=0.5)
    for x, y in yeast[:800]:
        model.learn_one(x, y)
    a = model._arrays
    assert a is not None and model.n_splits > 0
    assert a.knn_x.shape[0] > a.meta[M_LEAF_HIGH] or a.obs.shape[0] > a.meta[M_OBS_HIGH]
    child = model.projected(["Class1", "Class2"])
    b = child._arrays
    assert b is not None
    assert b.knn_x.shape[0] == b.leaf_s.shape[0] == b.meta[M_LEAF_HIGH] == a.meta[M_LEAF_HIGH]
    assert b.obs.shape[0] == b.obs_rng.shape[0] == b.meta[M_OBS_HIGH] == a.meta[M_OBS_HIGH]
    splits = child.n_splits
    for x, y in yeast[800:1600]:
        child.learn_one(x, {label: y[label] for label in ["Class1", "Class2"]})
    assert child.n_splits > splits  # room was grown for the new leaves


def test_projected_arrays_keep_the_kernels_layout(yeast: list) -> None:  # type: ignore[type-arg]
    model = MultiLabelHoeffdingTree()
    for x, y in yeast[:50]:
        model.learn_one(x, y)
    child = model.projected(["Class2", "Class5"])
    assert child._arrays is not None
    assert all(arr.flags["C_CONTIGUOUS"] for arr in child._arrays)


def test_labels_on_for_an_encoded_row_are_those_predict_one_sets(yeast: list) -> None:  # type: ignore[type-arg]
    model = MultiLabelHoeffdingTree(grace_period=100, delta=0.05, tau=0.5)
    assert model.on_encoded(*model.encode_row(yeast[0][0], learn=False)) == []
    n_on = 0
    for x, y in yeast[:600]:
        expected = [label for label, on in model.predict_one(x).items() if on]
        assert model.on_encoded(*model.encode_row(x, learn=False)) == expected
        n_on += len(expected)
        model.learn_one(x, y)
    assert n_on > 600  # (labels were predicted on)
