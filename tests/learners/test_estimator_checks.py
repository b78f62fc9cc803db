"""River's own estimator checks on the learners written here.

`river.checks.yield_checks` feeds multi-label models `datasets.Music`, which river downloads,
and builds its data sets with scikit-learn; neither is available offline. The checks are the
same, fed instead with re-iterable prefixes of the bundled Yeast stream and of the nominal,
sparse stream with a late label from `test_baselines` (the long memory check uses Yeast only).

As in river's own test suite, each model runs the checks once per parameter set its
`_unit_test_params` yields (our trees and iHOMER add sets under which they split within these
short streams, and unseeded ones so that `check_seeding_is_idempotent` runs).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import river.checks
from river import base, compose, datasets, evaluate, metrics, preprocessing, tree

from learners.baselines import (
    FirstSeenClassifierChain,
    LabelPowerset,
    PrunedSets,
    ThresholdedRegressor,
)
from learners.ihomer import IHOMER
from learners.naive_bayes import BinaryRelevanceGaussianNB
from learners.reference import MajorityLabelSet, NoChange
from learners.registry import make
from learners.tree import MultiLabelHoeffdingAdaptiveTree, MultiLabelHoeffdingTree
from tests.learners.test_baselines import YEAST, mixed_stream

MODELS = [
    NoChange(),
    MajorityLabelSet(),
    FirstSeenClassifierChain(),
    LabelPowerset(),
    PrunedSets(),
    BinaryRelevanceGaussianNB(),
    # The first split of river's iSOUP-Tree (after its 200-instance grace period) allocates
    # every leaf's per-target models at once: with the default grace period that one-off burst
    # falls in the memory check's measurement phase. A shorter one puts it in the warm-up.
    ThresholdedRegressor(tree.ISOUPTreeRegressor(grace_period=50)),
]
# the project's own learners, as `learners.registry` builds them (`ihomer`, `mlhat`, `mlht`),
# plus iHOMER's other routing
OURS = [
    IHOMER(routing="meta"),
    IHOMER(routing="all"),
    MultiLabelHoeffdingAdaptiveTree(seed=42),
    MultiLabelHoeffdingTree(),
]
MODELS += OURS

N = 40  # instances per data set; the memory check uses 10x as many


class _Stream:
    """A re-iterable stream (river's checks iterate some data sets more than once)."""

    def __init__(self, data: list[tuple[dict[str, Any], dict[str, bool]]]) -> None:
        self.data = data

    def __iter__(self) -> Iterator[tuple[dict[str, Any], dict[str, bool]]]:
        return iter(self.data)


def _datasets(model: base.Estimator, scale: int = 1) -> Iterator[_Stream]:
    yield _Stream(YEAST[: N * scale])
    if scale == 1:
        yield _Stream(mixed_stream(N))


def _checks(model: base.Estimator) -> list[Any]:
    with mock.patch.object(river.checks, "_yield_datasets", _datasets):
        return list(river.checks.yield_checks(model))


def _label(model: base.Estimator) -> str:
    """The class name and the scalar parameters that differ from the defaults (test ids)."""
    signature = inspect.signature(type(model))
    changed = [
        f"{name}={value}"
        for name, value in model._get_params().items()
        if name in signature.parameters
        and isinstance(value, (str, int, float, bool, type(None)))
        and value != signature.parameters[name].default
    ]
    return f"{type(model).__name__}({','.join(changed)})"


def _models() -> Iterator[base.Estimator]:
    for model in MODELS:
        for params in model._unit_test_params():
            yield model.clone(params)


def _params() -> Iterator[Any]:
    for model in _models():
        for check in _checks(model):
            # pytest numbers the ids of a check that runs on both data sets
            yield pytest.param(model, check, id=f"{_label(model)}:{check.__name__}")


@pytest.mark.parametrize(("model", "check"), list(_params()))
def test_river_estimator_check(model, check):
    if check.__name__ in model._unit_test_skips():
        pytest.skip(f"{type(model).__name__} opts out of {check.__name__}")
    check(model.clone())


@pytest.mark.parametrize("model", OURS, ids=_label)
def test_learn_one_returns_none(model):
    """The contract (DESIGN.md §3) is river's: `learn_one` updates in place and returns None."""
    for x, y in YEAST[:5]:
        assert model.learn_one(x, y) is None


def test_ihomer_in_a_river_pipeline_under_rivers_evaluation():
    """iHOMER as the registry builds it, unchanged, after a river preprocessing step, scored by
    river's own prequential evaluation and metric on river's Yeast stream."""
    model = compose.Pipeline(preprocessing.StandardScaler(), make("ihomer"))
    score = evaluate.progressive_val_score(
        datasets.Yeast(), model, metrics.multioutput.MicroAverage(metrics.F1())
    )
    no_change = evaluate.progressive_val_score(
        datasets.Yeast(), NoChange(), metrics.multioutput.MicroAverage(metrics.F1())
    )
    assert 0.40 < no_change.get() < 0.50  # 0.458
    assert no_change.get() + 0.10 < score.get() < 0.70  # 0.610
    assert len(model["IHOMER"].clusters) >= 2  # the pipeline's learner did the clustering
