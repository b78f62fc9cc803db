"""The Numba kernels against a slow pure-Python tree written from the same description."""

from __future__ import annotations

import numpy as np
import pytest

from learners.tree import MultiLabelHoeffdingTree
from learners.tree._layout import N_DEPTH, N_FEATURE, NF_THRESHOLD
from stream.sources.synth import MultiLabelSynth
from tests.learners.tree_reference import ReferenceTree

PARAMS = {"grace_period": 100, "delta": 0.01, "tau": 0.5}


def kernel_splits(model: MultiLabelHoeffdingTree) -> list[tuple[int, int, float]]:
    a = model._arrays
    assert a is not None
    n = model.n_nodes
    branches = [i for i in range(n) if a.node_i[i, N_FEATURE] >= 0]
    return sorted(
        (int(a.node_i[i, N_DEPTH]), int(a.node_i[i, N_FEATURE]), float(a.node_f[i, NF_THRESHOLD]))
        for i in branches
    )


@pytest.mark.parametrize("mode", ["mc", "knn", "lr"])
def test_same_splits_and_predictions_as_the_reference(mode: str) -> None:
    stream = MultiLabelSynth(n_features=6, n_labels=5, n_groups=2, n_instances=2500, seed=11)
    schema = stream.schema
    model = MultiLabelHoeffdingTree(leaf_prediction=mode, **PARAMS)  # type: ignore[arg-type]
    reference = ReferenceTree(schema.n_features, schema.n_labels, leaf_prediction=mode, **PARAMS)
    worst, disagreements = 0.0, 0
    for x, y in stream:
        row = schema.x_to_array(x)
        positives = tuple(int(i) for i in np.flatnonzero(schema.y_to_array(y)))
        ours = model.predict_proba_one(x)
        expected = reference.predict(row)
        if ours:
            got = np.array([ours[name][True] for name in schema.label_names])
            worst = max(worst, float(np.abs(got - expected).max()))
            disagreements += int(((got >= 0.5) != (expected >= 0.5)).any())
        else:
            assert not expected.any()
        model.learn_one(x, y)
        reference.learn(row, positives)
    assert len(reference.splits) >= 5
    assert kernel_splits(model) == pytest.approx(sorted(reference.splits), abs=1e-9)
    # kNN distances are sums of float32 products taken in another order: last-digit differences
    assert worst < (1e-6 if mode == "knn" else 1e-9)
    assert disagreements == 0


def test_same_splits_as_the_reference_on_binary_features() -> None:
    """Binary features give observers without variance, whose split candidates the kernel
    scores only where a step is crossed: the same splits as scoring every candidate."""
    stream = MultiLabelSynth(n_features=8, n_labels=5, n_groups=2, n_instances=3000, seed=5)
    schema = stream.schema
    model = MultiLabelHoeffdingTree(leaf_prediction="mc", **PARAMS)  # type: ignore[arg-type]
    reference = ReferenceTree(schema.n_features, schema.n_labels, leaf_prediction="mc", **PARAMS)
    for x, y in stream:
        binary = {name: float(value > 0.0) for name, value in x.items()}
        row = schema.x_to_array(binary)
        model.learn_one(binary, y)
        reference.learn(row, tuple(int(i) for i in np.flatnonzero(schema.y_to_array(y))))
    assert len(reference.splits) >= 5
    assert kernel_splits(model) == pytest.approx(sorted(reference.splits), abs=1e-9)
