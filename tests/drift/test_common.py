"""Conventions every detector follows: river's checks, cloning, pickling, checkpoints, resets."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from river import base
from river.checks import common

from drift import ADWIN, DDM, EDDM, KSWIN, PageHinkley
from tests.drift.helpers import ALL_STREAMS

DETECTORS: list[Callable[[], Any]] = [
    ADWIN,
    lambda: ADWIN(delta=0.02, clock=4),
    DDM,
    lambda: EDDM(alpha=0.8, beta=0.75),
    PageHinkley,
    lambda: KSWIN(seed=3),
]
IDS = ["ADWIN", "ADWIN-tuned", "DDM", "EDDM", "PageHinkley", "KSWIN"]

RIVER_CHECKS = [
    common.check_repr,
    common.check_str,
    common.check_clone_same_class,
    common.check_clone_is_idempotent,
    common.check_init_default_params_are_not_mutable,
    common.check_doc,
    common.check_clone_changes_memory_addresses,
    common.check_pickling_supports_roundtrip,
    common.check_repr_roundtrips_clone,
    common.check_clone_with_new_params_applies,
    common.check_get_params_matches_signature,
]


def _stream(detector: Any) -> np.ndarray:
    """A stream with a change, 0/1 for the binary detectors."""
    if isinstance(detector, base.BinaryDriftDetector):
        return ALL_STREAMS["bernoulli_sudden"](0, 4000)
    return ALL_STREAMS["gaussian_sudden"](0, 4000) + 3.0 * (np.arange(4000) >= 2000)


def _flags(detector: Any) -> tuple[bool, bool]:
    return detector.drift_detected, getattr(detector, "warning_detected", False)


def _trace(detector: Any, xs: np.ndarray) -> list[tuple[bool, bool]]:
    out = []
    for x in xs:
        detector.update(float(x))
        out.append(_flags(detector))
    return out


@pytest.mark.parametrize("check", RIVER_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("make", DETECTORS, ids=IDS)
def test_river_conventions(make: Callable[[], Any], check: Callable[[Any], None]) -> None:
    check(make())


@pytest.mark.parametrize("make", DETECTORS, ids=IDS)
def test_flags_are_read_only(make: Callable[[], Any]) -> None:
    detector = make()
    with pytest.raises(AttributeError):
        detector.drift_detected = True
    assert _flags(detector) == (False, False)


@pytest.mark.parametrize("make", DETECTORS, ids=IDS)
def test_clone_is_fresh_and_independent(make: Callable[[], Any]) -> None:
    detector = make()
    xs = _stream(detector)
    detector.update_many(xs[:2500])
    clone = detector.clone()
    assert clone._get_params() == detector._get_params()
    reference = make()
    assert _trace(clone, xs) == _trace(reference, xs)  # the clone starts from scratch
    before = detector.state_dict()
    clone.update_many(xs)
    after = detector.state_dict()
    assert before.keys() == after.keys()
    for key in before:  # updating the clone left the original untouched
        np.testing.assert_array_equal(before[key], after[key])


@pytest.mark.parametrize("copier", [lambda d: pickle.loads(pickle.dumps(d)), copy.deepcopy])
@pytest.mark.parametrize("make", DETECTORS, ids=IDS)
def test_copies_continue_identically(make: Callable[[], Any], copier: Callable[[Any], Any]) -> None:
    detector = make()
    xs = _stream(detector)
    detector.update_many(xs[:2100])
    copied = copier(detector)
    assert _flags(copied) == _flags(detector)
    assert _trace(copied, xs[2100:]) == _trace(detector, xs[2100:])


@pytest.mark.parametrize("make", DETECTORS, ids=IDS)
def test_state_dict_round_trip(make: Callable[[], Any]) -> None:
    detector = make()
    xs = _stream(detector)
    detector.update_many(xs[:2100])
    state = detector.state_dict()
    for value in state.values():  # arrays and plain scalars only: no pickle needed
        assert isinstance(value, np.ndarray | bool | int | float)
    restored = detector.clone()
    restored.load_state_dict(state)
    assert _flags(restored) == _flags(detector)
    assert _trace(restored, xs[2100:]) == _trace(detector, xs[2100:])
    with pytest.raises(ValueError):
        restored.load_state_dict({"nonsense": 1})


@pytest.mark.parametrize("make", DETECTORS, ids=IDS)
def test_update_after_a_drift_starts_afresh(make: Callable[[], Any]) -> None:
    detector = make()
    xs = _stream(detector)
    drifts = make().update_many(xs)
    assert len(drifts) >= 1
    first = int(drifts[0])
    for x in xs[: first + 1]:
        detector.update(float(x))
    assert detector.drift_detected
    fresh = make()
    detector.update(float(xs[first + 1]))
    fresh.update(float(xs[first + 1]))
    assert _flags(detector) == _flags(fresh)
    for key, value in fresh.state_dict().items():
        np.testing.assert_array_equal(detector.state_dict()[key], value)


@pytest.mark.parametrize("make", DETECTORS, ids=IDS)
def test_batch_matches_per_value_updates(make: Callable[[], Any]) -> None:
    detector = make()
    xs = _stream(detector)
    trace = _trace(make(), xs)
    expected = [i for i, (drift, _) in enumerate(trace) if drift]
    assert detector.update_many(xs).tolist() == expected
    assert _flags(detector) == trace[-1]
    assert detector.update_many(np.empty(0)).tolist() == []
    assert _flags(detector) == trace[-1]
    with pytest.raises(ValueError):
        detector.update_many(np.zeros((2, 2)))
