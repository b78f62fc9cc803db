"""`br-nb` (Numba) is river's binary-relevance Gaussian naive Bayes (`river-br-nb`), exactly."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from river import datasets

from learners import registry, state
from learners.base import MultiLabelLearner
from learners.naive_bayes import BinaryRelevanceGaussianNB
from learners.naive_bayes._vector_math import exp_neg, log1p_unit, log_pos
from stream.sources.arff import ArffSource
from tests.learners.test_baselines import mixed_stream

Stream = list[tuple[dict[str, Any], dict[str, bool]]]


def _late_labels(stream: Stream, hidden: int) -> Stream:
    """Half of the labels (every other one) are absent from the first `hidden` instances."""
    out = []
    for i, (x, y) in enumerate(stream):
        if i < hidden:
            y = {label: v for j, (label, v) in enumerate(y.items()) if j % 2 == 0}
        out.append((x, y))
    return out


def _assert_same_as_river(stream: Stream) -> None:
    ours, river_nb = registry.make("br-nb"), registry.make("river-br-nb")
    assert isinstance(ours, BinaryRelevanceGaussianNB)
    for x, y in stream:
        expected = river_nb.predict_proba_one(x)
        got = ours.predict_proba_one(x)
        assert list(got) == list(expected)  # the same labels, in the same order
        for label, probas in expected.items():
            assert list(got[label]) == list(probas)  # the same classes, in the same order
            for c, p in probas.items():
                assert got[label][c] == pytest.approx(p, abs=1e-9, rel=0)
        assert ours.predict_one(x) == river_nb.predict_one(x)
        ours.learn_one(x, y)
        river_nb.learn_one(x, y)


def test_same_as_river_on_yeast_with_labels_appearing_mid_stream() -> None:
    _assert_same_as_river(_late_labels(list(datasets.Yeast().take(500)), hidden=100))


def test_same_as_river_on_nominal_sparse_rows_and_a_late_label() -> None:
    _assert_same_as_river(mixed_stream(300))


@pytest.mark.datasets
@pytest.mark.parametrize("name", ["flags", "foodtruck"])
def test_same_as_river_on_shared_data_sets_with_nominal_features(
    datasets_dir: Path, name: str
) -> None:
    path = datasets_dir / name / f"{name}.arff"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    stream = list(itertools.islice(iter(ArffSource(path)), 300))
    assert any(isinstance(v, str) for x, _ in stream for v in x.values())  # nominal features
    _assert_same_as_river(_late_labels(stream, hidden=40))


def test_nothing_is_predicted_before_learning() -> None:
    model = BinaryRelevanceGaussianNB()
    assert model.predict_proba_one({"a": 1.0}) == {} and model.predict_one({"a": 1.0}) == {}
    model.learn_one({"a": 1.0}, {"x": False})
    # one class seen: it has probability 1 (river's GaussianNB)
    assert model.predict_proba_one({"a": 5.0}) == {"x": {False: 1.0}}
    assert model.predict_one({"b": 5.0}) == {"x": False}


def _as_rows(
    proba: np.ndarray, on: np.ndarray, labels: list[Any]
) -> list[tuple[dict[Any, float], set[Any]]]:
    return [
        (
            {lab: p for lab, p in zip(labels, row.tolist(), strict=True) if not math.isnan(p)},
            {lab for lab, v in zip(labels, flags.tolist(), strict=True) if v},
        )
        for row, flags in zip(proba, on, strict=True)
    ]


def test_test_then_train_many_is_the_one_by_one_loop() -> None:
    stream = mixed_stream(200)
    xs = [x for x, _ in stream]
    ys: list[dict[str, bool] | None] = [
        y if i % 3 != 2 else None for i, (_, y) in enumerate(stream)
    ]
    xs[10] = {"unseen": 1.0, **xs[10]}  # a feature that is never learned
    batched, looped = BinaryRelevanceGaussianNB(), BinaryRelevanceGaussianNB()
    got, expected = [], []
    for start in (0, 1, 70, 200):  # batches of 1, 69 and 130 rows
        stop = {0: 1, 1: 70, 70: 200, 200: 200}[start]
        got += _as_rows(*batched.test_then_train_many(xs[start:stop], ys[start:stop]))
        expected += _as_rows(
            *MultiLabelLearner.test_then_train_many(looped, xs[start:stop], ys[start:stop])
        )
    assert len(got) == len(expected) == 200
    for (scores, on), (want_scores, want_on) in zip(got, expected, strict=True):
        assert on == want_on
        assert scores.keys() == want_scores.keys()
        assert all(scores[k] == pytest.approx(v, abs=1e-12) for k, v in want_scores.items())


def test_numpy_batches_match_the_dict_api() -> None:
    stream = list(datasets.Yeast().take(300))
    names = list(stream[0][0])
    labels = list(stream[0][1])
    X = np.array([[x[f] for f in names] for x, _ in stream])
    X[::7, 3] = np.nan  # missing values
    Y = np.array([[y[lab] for lab in labels] for _, y in stream])
    by_rows, by_dicts = BinaryRelevanceGaussianNB(), BinaryRelevanceGaussianNB()
    by_rows.learn_many(X[:200], Y[:200], feature_names=names, label_names=labels)
    for row, y in zip(X[:200], stream[:200], strict=True):
        x = {f: float(v) for f, v in zip(names, row, strict=True) if not math.isnan(v)}
        by_dicts.learn_one(x, y[1])
    on = by_rows.predict_many(X[200:], feature_names=names, label_names=labels[::-1])
    proba = by_rows.predict_proba_many(X[200:], feature_names=names)
    for i, row in enumerate(X[200:]):
        x = {f: float(v) for f, v in zip(names, row, strict=True) if not math.isnan(v)}
        expected = by_dicts.predict_one(x)
        assert on[i].tolist() == [expected[lab] for lab in labels[::-1]]
        probas = by_dicts.predict_proba_one(x)
        assert proba[i].tolist() == pytest.approx([probas[lab].get(True, 0.0) for lab in labels])


def test_checkpoint_is_arrays_and_plain_values_and_resumes_exactly(tmp_path: Path) -> None:
    stream = mixed_stream(300)
    model = BinaryRelevanceGaussianNB()
    for x, y in stream[:150]:
        model.learn_one(x, y)
    meta, arrays = state.dump_state(model)
    for value in vars(model).values():
        assert isinstance(value, np.ndarray | dict | list)
    assert sum(a.nbytes for a in arrays.values()) > 10_000  # statistics are stored as arrays
    path = tmp_path / "nb.npz"
    state.save_file(path, model)
    restored, _ = state.load_file(path)
    for x, y in stream[150:]:
        assert restored.predict_proba_one(x) == model.predict_proba_one(x)
        model.learn_one(x, y)
        restored.learn_one(x, y)


def test_arrays_grow_as_features_and_labels_appear() -> None:
    model = BinaryRelevanceGaussianNB()
    for i in range(40):
        model.learn_one({f"f{j}": float(i + j) for j in range(i + 1)}, {f"l{i}": True, "l0": i > 3})
    assert model._n.shape[0] >= 40 and model._first.shape[0] >= 40
    assert model._first.shape[0] % 4 == 0
    assert list(model.predict_one({"f0": 1.0})) == [f"l{i}" for i in range(40)]


def test_vector_math_is_accurate() -> None:
    for t in np.linspace(-40.0, 0.0, 4001):
        assert exp_neg(t) == pytest.approx(math.exp(t), rel=1e-15)
    assert exp_neg(-1000.0) == pytest.approx(math.exp(-40.0), rel=1e-15)  # clamped
    for u in np.linspace(0.0, 1.0, 1001):
        assert log1p_unit(u) == pytest.approx(math.log1p(u), abs=1e-16, rel=1e-15)
    for v in [5e-324, 1e-310, 1e-200, 0.7, 1.0, 1.5, 2.0, 1e10, 1e300]:
        assert log_pos(v) == pytest.approx(math.log(v), rel=1e-15)
