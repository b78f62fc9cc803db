"""ADWIN's screening of cut points never changes a result: random parameters and scales."""

from __future__ import annotations

import numpy as np
import pytest
from river import drift as river_drift

from drift import ADWIN


def _stream(rng: np.random.Generator, n: int) -> np.ndarray:
    """Values with a few mean shifts, in one of several shapes and scales."""
    base = np.zeros(n)
    for start in rng.integers(0, n, size=int(rng.integers(0, 4))):
        base[start:] += rng.normal() * rng.choice([0.1, 1.0, 5.0])
    kind = int(rng.integers(0, 6))
    if kind == 0:
        return (rng.random(n) < np.clip(0.3 + 0.1 * base, 0.0, 1.0)).astype(np.float64)
    if kind == 1:
        return 1e9 + rng.normal(base, 1.0)  # large offset: rounding matters
    if kind == 2:
        return rng.normal(base, 1.0) * 1e-150  # tiny scale
    if kind == 3:
        return np.round(rng.normal(3.0 * base, 2.0))  # ties and exact sums
    if kind == 4:
        return rng.standard_cauchy(n) + base  # heavy tails
    return rng.normal(base, 1.0)


@pytest.mark.parametrize("seed", range(12))
def test_random_parameters_match_river(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    params = {
        "delta": float(rng.choice([1e-5, 0.002, 0.05, 0.5])),
        "clock": int(rng.choice([1, 3, 16, 32, 32, 100])),
        "max_buckets": int(rng.choice([2, 3, 5, 5, 8])),
        "min_window_length": int(rng.choice([-1, 0, 1, 5, 20])),
        "grace_period": int(rng.choice([0, 10, 200])),
    }
    xs = _stream(rng, int(rng.choice([3000, 20000])))
    ref = river_drift.ADWIN(**params)
    expected = []
    for i, x in enumerate(xs.tolist()):
        ref.update(x)
        if ref.drift_detected:
            expected.append(i)
    ours = ADWIN(**params)
    assert ours.update_many(xs).tolist() == expected, params
    assert (ours.width, ours.total) == (ref.width, ref.total)
    assert np.array_equal(ours.variance, ref.variance, equal_nan=True)
