"""ADWIN's batch path (`drift._adwin_batch`) against river and against the per-value path:
many drifts, large windows, clocks slower than a block, calls that end on a drift, mixed paths
and checkpoints."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from river import drift as river_drift

from drift import ADWIN
from drift._adwin_batch import BLOCK, SMALL
from tests.drift.helpers import per_value


def _river(xs: np.ndarray, **params: Any) -> tuple[list[int], Any]:
    ref = river_drift.ADWIN(**params)
    found = []
    for i, x in enumerate(xs.tolist()):
        ref.update(x)
        if ref.drift_detected:
            found.append(i)
    return found, ref


def _state(adwin: ADWIN) -> tuple[list[float], list[int], list[float]]:
    """The state without the unused capacity of the bucket arrays."""
    state = adwin.state_dict()
    n_levels = int(state["ist"][4])
    return (
        state["fs"].tolist(),
        state["ist"][: 5 + n_levels].tolist(),
        state["buckets"][:, :n_levels].ravel().tolist(),
    )


def _chunked(adwin: ADWIN, xs: np.ndarray, sizes: list[int]) -> list[int]:
    found: list[int] = []
    start = 0
    for size in [*sizes, len(xs)]:
        found.extend(start + int(i) for i in adwin.update_many(xs[start : start + size]))
        start += size
        if start >= len(xs):
            break
    return found


def _shifting_stream(n: int, seed: int, every: int) -> np.ndarray:
    """Gaussian values whose mean jumps every `every` values."""
    rng = np.random.default_rng(seed)
    means = rng.normal(0.0, 2.0, size=n // every + 1)
    return rng.normal(np.repeat(means, every)[:n], 1.0)


@pytest.mark.parametrize("delta", [0.002, 0.5])
def test_many_drifts_match_river(delta: float) -> None:
    xs = _shifting_stream(60_000, seed=11, every=1500)
    expected, ref = _river(xs, delta=delta)
    assert len(expected) > 20
    ours = ADWIN(delta=delta)
    assert ours.update_many(xs).tolist() == expected
    assert (ours.width, ours.total, ours.variance) == (ref.width, ref.total, ref.variance)
    sizes = [SMALL - 1, SMALL, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 5, 7]
    assert _chunked(ADWIN(delta=delta), xs, sizes * 4) == expected


def test_large_window_matches_river_and_the_per_value_path() -> None:
    xs = np.random.default_rng(12).normal(size=300_000)  # no drift: the window keeps growing
    expected, ref = _river(xs)
    ours = ADWIN()
    assert ours.update_many(xs).tolist() == expected == []
    assert (ours.width, ours.total, ours.variance) == (ref.width, ref.total, ref.variance)
    one = ADWIN()
    for x in xs[:50_000]:
        one.update(x)
    many = ADWIN()
    many.update_many(xs[:50_000])
    assert _state(one) == _state(many)


@pytest.mark.parametrize("clock", [1, 7, BLOCK, BLOCK + 952])
def test_clocks_match_river(clock: int) -> None:
    xs = _shifting_stream(30_000, seed=13, every=4000)
    expected, ref = _river(xs, clock=clock, delta=0.05)
    ours = ADWIN(clock=clock, delta=0.05)
    assert ours.update_many(xs).tolist() == expected
    assert (ours.width, ours.total, ours.variance) == (ref.width, ref.total, ref.variance)
    assert _chunked(ADWIN(clock=clock, delta=0.05), xs, [100, 3000, 5000, 1]) == expected


def test_a_call_that_ends_on_a_drift_resets_at_the_next() -> None:
    xs = _shifting_stream(20_000, seed=14, every=5000)
    expected, _ = _river(xs)
    first = expected[0]
    ours = ADWIN()
    assert ours.update_many(xs[: first + 1]).tolist()[-1] == first
    assert ours.drift_detected and ours.n_detections == 1
    rest = [first + 1 + int(i) for i in ours.update_many(xs[first + 1 :])]
    assert [*expected[:1], *rest] == expected


def test_update_and_update_many_interleaved_keep_the_same_state() -> None:
    xs = _shifting_stream(40_000, seed=15, every=3000)
    expected, _ = _river(xs, clock=16)
    rng = np.random.default_rng(0)
    mixed, single = ADWIN(clock=16), ADWIN(clock=16)
    found: list[int] = []
    start = 0
    while start < len(xs):
        size = int(rng.choice([1, 5, SMALL + 3, BLOCK + 17, 6000]))
        chunk = xs[start : start + size]
        if rng.random() < 0.3:
            found.extend(start + i for i in per_value(mixed, chunk)[0])
        else:
            found.extend(start + int(i) for i in mixed.update_many(chunk))
        for x in chunk:
            single.update(x)
        start += len(chunk)
        assert _state(mixed) == _state(single)
        assert mixed.drift_detected == single.drift_detected
    assert found == expected


def test_a_checkpoint_taken_between_batches_continues_identically() -> None:
    xs = _shifting_stream(30_000, seed=16, every=2500)
    expected, _ = _river(xs)
    first = ADWIN()
    found = [int(i) for i in first.update_many(xs[:12_345])]
    second = ADWIN()
    second.load_state_dict(first.state_dict())
    found += [12_345 + int(i) for i in second.update_many(xs[12_345:])]
    assert found == expected


@pytest.mark.parametrize("min_window_length", [-1, 0, 1])
def test_one_bucket_per_level_matches_the_per_value_path(min_window_length: int) -> None:
    # river 0.26.1 panics with max_buckets=1; the per-value path is the reference here
    xs = _shifting_stream(10_000, seed=17, every=2000)
    params = {"max_buckets": 1, "min_window_length": min_window_length, "clock": 4}
    one = ADWIN(**params)
    expected = per_value(one, xs)[0]
    many = ADWIN(**params)
    assert many.update_many(xs).tolist() == expected
    assert _state(many) == _state(one)
