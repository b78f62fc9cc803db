"""The scikit-multiflow style front: same predictions as the dict API, clear errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from river import datasets

from learners.registry import make
from learners.sklearn_api import SklearnMultiLabel


@pytest.fixture(scope="module")
def yeast_arrays() -> tuple[np.ndarray, np.ndarray]:
    rows = list(itertools.islice(datasets.Yeast(), 600))
    features = list(rows[0][0])
    labels = list(rows[0][1])
    X = np.array([[x[f] for f in features] for x, _ in rows])
    Y = np.array([[y[lb] for lb in labels] for _, y in rows], dtype=int)
    return X, Y


@pytest.mark.parametrize("name", ["mlhat", "br-ht"])
def test_matches_the_dict_api(yeast_arrays: tuple[np.ndarray, np.ndarray], name: str) -> None:
    """Batches through partial_fit learn what the same rows learn one by one as dicts."""
    X, Y = yeast_arrays
    front = SklearnMultiLabel(make(name))
    for start in range(0, 500, 50):
        front.partial_fit(X[start : start + 50], Y[start : start + 50])
    alone = make(name)
    for row, y in zip(X[:500], Y[:500], strict=True):
        alone.learn_one(dict(enumerate(row.tolist())), {j: bool(v) for j, v in enumerate(y)})
    expected = np.array(
        [
            [alone.predict_one(dict(enumerate(r.tolist()))).get(j, False) for j in range(14)]
            for r in X[500:]
        ]
    )
    assert np.array_equal(front.predict(X[500:]), expected.astype(int))
    proba = front.predict_proba(X[500:])
    assert proba.shape == (100, 14) and ((proba >= 0) & (proba <= 1)).all()
    # it learned something: better than predicting every label off
    assert (front.predict(X[500:]) == Y[500:]).mean() > (Y[500:] == 0).mean()


def test_fit_starts_afresh(yeast_arrays: tuple[np.ndarray, np.ndarray]) -> None:
    X, Y = yeast_arrays
    front = SklearnMultiLabel(make("mlhat"))
    front.partial_fit(X[:300], Y[:300])
    front.fit(X[300:400], Y[300:400])
    fresh = SklearnMultiLabel(make("mlhat")).partial_fit(X[300:400], Y[300:400])
    assert np.array_equal(front.predict(X[400:]), fresh.predict(X[400:]))


def test_bad_input_is_a_clear_error(yeast_arrays: tuple[np.ndarray, np.ndarray]) -> None:
    X, Y = yeast_arrays
    front = SklearnMultiLabel(make("mlhat")).partial_fit(X[:10], Y[:10])
    with pytest.raises(ValueError, match="expected 103"):
        front.predict(X[:5, :50])
    with pytest.raises(ValueError, match="expected 14"):
        front.partial_fit(X[:5], Y[:5, :3])
    with pytest.raises(ValueError, match="only 0 and 1"):
        front.partial_fit(X[:5], Y[:5] * 2)
    with pytest.raises(ValueError, match="n_samples"):
        front.partial_fit(X[:5], Y[:4])
