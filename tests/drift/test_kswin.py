"""KSWIN against river's: same random draws, same p-values, same detections."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from river import drift as river_drift

from drift import KSWIN
from tests.drift.helpers import ALL_STREAMS, as_inputs, in_chunks, per_value

N = 1500  # river's KSWIN runs a SciPy test per update: keep the streams short
PARAMS = [
    {"seed": 1},
    {"seed": 42, "alpha": 0.01},
    {"seed": 7, "window_size": 200, "stat_size": 60},  # CPython's set branch of sample()
    {"seed": 5, "window": list(range(50))},
]
STREAMS = ("bernoulli_sudden", "gaussian_sudden", "gaussian_gradual", "gaussian_stationary")


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()))
@pytest.mark.parametrize("stream", STREAMS)
def test_same_detections_and_p_values_as_river(stream: str, params: dict[str, Any]) -> None:
    xs = ALL_STREAMS[stream](0, N)
    ref, ours = river_drift.KSWIN(**params), KSWIN(**params)
    expected = []
    for i, x in enumerate(as_inputs(xs)):
        ref.update(x)
        ours.update(x)
        assert ours.p_value == float(ref.p_value)
        assert ours.drift_detected == ref.drift_detected
        assert ours.n == ref.n
        if ref.drift_detected:
            expected.append(i)
    assert KSWIN(**params).update_many(xs).tolist() == expected
    assert in_chunks(KSWIN(**params), xs) == expected


def test_unseeded_detector_finds_a_sudden_change() -> None:
    noise = np.random.default_rng(0).normal(0.0, 0.1, 1000)
    xs = np.concatenate([np.zeros(500), np.ones(500)]) + noise
    drifts = KSWIN(alpha=0.001).update_many(xs)
    # unseeded: its random reference samples may also raise a false alarm (p = 0.001 per test)
    # before the change, so the test asks only that the change itself is found, promptly
    assert any(500 <= d < 530 for d in drifts), drifts


def test_nan_gives_a_nan_p_value_and_no_drift() -> None:
    kswin = KSWIN(seed=0, window_size=10, stat_size=5)
    drifts, _ = per_value(kswin, np.array([np.nan] * 20))
    assert drifts == [] and np.isnan(kswin.p_value)


@pytest.mark.parametrize(
    "params",
    [{"alpha": 1.5}, {"window_size": 10, "stat_size": 20}, {"window_size": 50, "stat_size": 30}],
)
def test_invalid_parameters(params: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        KSWIN(**params)
