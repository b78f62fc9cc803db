"""Seeded streams and runners shared by the drift detector tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

N = 8000


def bernoulli_sudden(seed: int, n: int = N) -> np.ndarray:
    """0/1 errors whose rate jumps from 0.2 to 0.6 half-way."""
    rng = np.random.default_rng(seed)
    p = np.where(np.arange(n) < n // 2, 0.2, 0.6)
    return (rng.random(n) < p).astype(np.float64)


def bernoulli_gradual(seed: int, n: int = N) -> np.ndarray:
    """0/1 errors whose rate moves from 0.1 to 0.6 along a sigmoid centred half-way."""
    rng = np.random.default_rng(seed)
    p = 0.1 + 0.5 / (1.0 + np.exp(-(np.arange(n) - n / 2) / (n / 15)))
    return (rng.random(n) < p).astype(np.float64)


def bernoulli_stationary(seed: int, n: int = N) -> np.ndarray:
    """0/1 errors at a constant rate of 0.3."""
    rng = np.random.default_rng(seed)
    return (rng.random(n) < 0.3).astype(np.float64)


def gaussian_sudden(seed: int, n: int = N) -> np.ndarray:
    """Unit-variance values whose mean jumps from 0 to 0.5 half-way."""
    rng = np.random.default_rng(seed)
    return rng.normal(np.where(np.arange(n) < n // 2, 0.0, 0.5), 1.0)


def gaussian_gradual(seed: int, n: int = N) -> np.ndarray:
    """Unit-variance values whose mean rises linearly from 0 to 2."""
    rng = np.random.default_rng(seed)
    return rng.normal(np.linspace(0.0, 2.0, n), 1.0)


def gaussian_stationary(seed: int, n: int = N) -> np.ndarray:
    """Standard normal values: no change."""
    return np.random.default_rng(seed).normal(0.0, 1.0, n)


BINARY_STREAMS: dict[str, Callable[..., np.ndarray]] = {
    "bernoulli_sudden": bernoulli_sudden,
    "bernoulli_gradual": bernoulli_gradual,
    "bernoulli_stationary": bernoulli_stationary,
}
REAL_STREAMS: dict[str, Callable[..., np.ndarray]] = {
    "gaussian_sudden": gaussian_sudden,
    "gaussian_gradual": gaussian_gradual,
    "gaussian_stationary": gaussian_stationary,
}
ALL_STREAMS = {**BINARY_STREAMS, **REAL_STREAMS}
SEEDS = (0, 1)


def as_inputs(xs: np.ndarray) -> list[Any]:
    """The values as Python scalars, ints for 0/1 streams (what river's users feed)."""
    if np.isin(xs, (0.0, 1.0)).all():
        return [int(v) for v in xs]
    return xs.tolist()


def per_value(detector: Any, xs: np.ndarray) -> tuple[list[int], list[int]]:
    """Feed the values one by one; the indices after which a drift / a warning was flagged."""
    drifts: list[int] = []
    warnings: list[int] = []
    for i, x in enumerate(as_inputs(xs)):
        assert detector.update(x) is None
        if detector.drift_detected:
            drifts.append(i)
        if getattr(detector, "warning_detected", False):
            warnings.append(i)
    return drifts, warnings


def in_chunks(detector: Any, xs: np.ndarray, sizes: tuple[int, ...] = (1, 2, 37, 500)) -> list[int]:
    """`update_many` over consecutive chunks of these sizes (then the rest); indices in xs."""
    drifts: list[int] = []
    start = 0
    for size in (*sizes, len(xs)):
        chunk = xs[start : start + size]
        drifts.extend(int(i) + start for i in detector.update_many(chunk))
        start += len(chunk)
    return drifts
