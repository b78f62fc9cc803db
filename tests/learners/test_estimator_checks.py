"""River's own estimator checks on the learners written here.

`river.checks.yield_checks` feeds multi-label models `datasets.Music`, which river downloads,
and builds its data sets with scikit-learn; neither is available offline. The checks are the
same, fed instead with re-iterable prefixes of the bundled Yeast stream and of the nominal,
sparse stream with a late label from `test_baselines` (the long memory check uses Yeast only).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import river.checks
from river import base, tree

from learners.baselines import (
    FirstSeenClassifierChain,
    LabelPowerset,
    PrunedSets,
    ThresholdedRegressor,
)
from learners.naive_bayes import BinaryRelevanceGaussianNB
from learners.reference import MajorityLabelSet, NoChange
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


def _params() -> Iterator[Any]:
    for model in MODELS:
        name = type(model).__name__
        for check in _checks(model):
            # pytest numbers the ids of a check that runs on both data sets
            yield pytest.param(model, check, id=f"{name}:{check.__name__}")


@pytest.mark.parametrize(("model", "check"), list(_params()))
def test_river_estimator_check(model, check):
    if check.__name__ in model._unit_test_skips():
        pytest.skip(f"{type(model).__name__} opts out of {check.__name__}")
    check(model.clone())
