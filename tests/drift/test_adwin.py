"""ADWIN against river's: same detections, same window statistics."""

from __future__ import annotations

import numpy as np
import pytest
from river import drift as river_drift

from drift import ADWIN
from tests.drift.helpers import ALL_STREAMS, SEEDS, as_inputs, in_chunks, per_value

PARAMS = [
    {},
    {"delta": 0.02},
    {"clock": 1},
    {"grace_period": 100, "min_window_length": 10},
    {"grace_period": 1, "min_window_length": 1, "clock": 3},
    {"max_buckets": 3, "clock": 8},
]


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()))
@pytest.mark.parametrize("stream", ALL_STREAMS)
def test_same_detections_as_river(stream: str, params: dict[str, float]) -> None:
    for seed in SEEDS:
        xs = ALL_STREAMS[stream](seed)
        ref = river_drift.ADWIN(**params)
        expected, _ = per_value(ref, xs)
        ours = ADWIN(**params)
        assert per_value(ours, xs)[0] == expected
        assert (ours.width, ours.total, ours.variance) == (ref.width, ref.total, ref.variance)
        assert (ours.estimation, ours.n_detections) == (ref.estimation, ref.n_detections)

        batch = ADWIN(**params)
        assert batch.update_many(xs).tolist() == expected
        assert (batch.width, batch.total, batch.variance) == (ref.width, ref.total, ref.variance)
        assert batch.drift_detected == ref.drift_detected
        assert in_chunks(ADWIN(**params), xs) == expected


def test_window_statistics_follow_river_at_every_step() -> None:
    xs = np.concatenate(
        [ALL_STREAMS["gaussian_gradual"](3), 1e9 + ALL_STREAMS["bernoulli_sudden"](3)]
    )
    ref, ours = river_drift.ADWIN(clock=4), ADWIN(clock=4)
    for x in as_inputs(xs):
        ref.update(x)
        ours.update(x)
        assert ours.drift_detected == ref.drift_detected
        assert (ours.width, ours.total, ours.variance) == (ref.width, ref.total, ref.variance)
        assert ours.estimation == ref.estimation
        assert ours.n_detections == ref.n_detections


def test_readme_example_and_types() -> None:
    adwin = ADWIN()
    assert adwin.update(1) is None
    assert isinstance(adwin.width, float) and adwin.width == 1.0
    assert adwin.estimation == 1.0
    assert ADWIN().estimation == 0.0


def test_window_is_emptied_after_a_drift() -> None:
    xs = ALL_STREAMS["bernoulli_sudden"](0)
    adwin = ADWIN()
    drifts, _ = per_value(adwin, xs)
    first = drifts[0]
    adwin = ADWIN()
    for x in xs[: first + 1]:
        adwin.update(x)
    assert adwin.drift_detected and adwin.n_detections == 1
    assert 0 < adwin.width < first + 1  # the window was shrunk, not emptied, at the drift
    adwin.update(xs[first + 1])
    assert not adwin.drift_detected
    assert (adwin.width, adwin.total, adwin.n_detections) == (1.0, xs[first + 1], 0)


def test_long_stream_grows_the_bucket_arrays() -> None:
    xs = np.random.default_rng(5).normal(size=300_000)
    ref = river_drift.ADWIN(delta=0.5)
    ref_drifts = [i for i, x in enumerate(xs.tolist()) if (ref.update(x), ref.drift_detected)[1]]
    ours = ADWIN(delta=0.5)
    assert ours.update_many(xs).tolist() == ref_drifts
    assert (ours.width, ours.variance) == (ref.width, ref.variance)


def test_max_buckets_one_does_not_crash() -> None:
    # river 0.26.1 panics here when a deletion meets an empty level; we drop empty levels
    xs = ALL_STREAMS["gaussian_sudden"](0)
    adwin = ADWIN(max_buckets=1, clock=1)
    drifts = adwin.update_many(xs)
    assert len(drifts) >= 1
    assert np.isfinite(adwin.variance)


@pytest.mark.parametrize("params", [{"clock": 0}, {"max_buckets": 0}])
def test_invalid_parameters(params: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        ADWIN(**params)


def _logical_state(adwin: ADWIN) -> tuple[list[float], list[int], list[float]]:
    """The state without the unused capacity of the bucket arrays."""
    state = adwin.state_dict()
    n_levels = int(state["ist"][4])
    return (
        state["fs"].tolist(),
        state["ist"][: 5 + n_levels].tolist(),
        state["buckets"][:, :n_levels].ravel().tolist(),
    )


@pytest.mark.parametrize("params", [{}, {"clock": 1}, {"clock": 7, "max_buckets": 2}])
def test_batch_and_per_value_paths_build_the_same_buckets(params: dict[str, int]) -> None:
    xs = ALL_STREAMS["gaussian_gradual"](4)
    one, many = ADWIN(**params), ADWIN(**params)
    for x in xs[:3001]:
        one.update(x)
    many.update_many(xs[:3001])
    assert _logical_state(one) == _logical_state(many)


def test_mixed_paths_match_river() -> None:
    xs = ALL_STREAMS["bernoulli_gradual"](2)
    expected, _ = per_value(river_drift.ADWIN(clock=5), xs)
    adwin, found, start = ADWIN(clock=5), [], 0
    rng = np.random.default_rng(0)
    while start < len(xs):
        size = int(rng.integers(1, 400))
        if size % 2:
            for i in range(start, min(start + size, len(xs))):
                adwin.update(xs[i])
                if adwin.drift_detected:
                    found.append(i)
        else:
            found.extend(start + int(i) for i in adwin.update_many(xs[start : start + size]))
        start += size
    assert found == expected
