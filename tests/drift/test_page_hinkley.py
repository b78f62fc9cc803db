"""Page-Hinkley against river's: same drift indices."""

from __future__ import annotations

from typing import Any

import pytest
from river import drift as river_drift

from drift import PageHinkley
from tests.drift.helpers import ALL_STREAMS, SEEDS, in_chunks, per_value

PARAMS = [
    {},
    {"mode": "up"},
    {"mode": "down", "threshold": 20.0, "delta": 0.01},
    {"alpha": 1.0, "min_instances": 5, "threshold": 10.0},
]


@pytest.mark.parametrize("params", PARAMS, ids=lambda p: ",".join(f"{k}={v}" for k, v in p.items()))
@pytest.mark.parametrize("stream", ALL_STREAMS)
def test_same_detections_as_river(stream: str, params: dict[str, Any]) -> None:
    for seed in SEEDS:
        xs = ALL_STREAMS[stream](seed)
        expected, _ = per_value(river_drift.PageHinkley(**params), xs)
        assert per_value(PageHinkley(**params), xs)[0] == expected
        assert PageHinkley(**params).update_many(xs).tolist() == expected
        assert in_chunks(PageHinkley(**params), xs) == expected


def test_invalid_mode() -> None:
    with pytest.raises(ValueError):
        PageHinkley(mode="sideways")
