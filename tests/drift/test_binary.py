"""DDM and EDDM against river's: same drift and warning indices."""

from __future__ import annotations

from typing import Any

import pytest
from river import drift as river_drift

from drift import DDM, EDDM
from tests.drift.helpers import BINARY_STREAMS, SEEDS, in_chunks, per_value

CASES = [
    (river_drift.binary.DDM, DDM, {}),
    (
        river_drift.binary.DDM,
        DDM,
        {"warm_start": 100, "warning_threshold": 1.5, "drift_threshold": 2.5},
    ),
    (river_drift.binary.EDDM, EDDM, {}),
    (river_drift.binary.EDDM, EDDM, {"alpha": 0.8, "beta": 0.75}),
    (river_drift.binary.EDDM, EDDM, {"warm_start": 5}),
]


@pytest.mark.parametrize(
    ("reference", "detector", "params"),
    CASES,
    ids=[f"{c[1].__name__}({','.join(f'{k}={v}' for k, v in c[2].items())})" for c in CASES],
)
@pytest.mark.parametrize("stream", BINARY_STREAMS)
def test_same_drifts_and_warnings_as_river(
    stream: str, reference: Any, detector: Any, params: dict[str, Any]
) -> None:
    for seed in SEEDS:
        xs = BINARY_STREAMS[stream](seed)
        expected = per_value(reference(**params), xs)
        assert per_value(detector(**params), xs) == expected

        batch = detector(**params)
        drifts, warnings = batch.update_many_with_warnings(xs)
        assert (drifts.tolist(), warnings.tolist()) == expected
        assert batch.drift_detected == (expected[0][-1:] == [len(xs) - 1])
        assert batch.warning_detected == (expected[1][-1:] == [len(xs) - 1])
        assert detector(**params).update_many(xs).tolist() == expected[0]
        assert in_chunks(detector(**params), xs) == expected[0]


def test_booleans_are_accepted() -> None:
    xs = BINARY_STREAMS["bernoulli_sudden"](0)
    as_bools, as_ints = DDM(), DDM()
    for x in xs:
        as_bools.update(bool(x))
        as_ints.update(int(x))
        assert as_bools.drift_detected == as_ints.drift_detected


def test_ddm_warning_is_cleared_by_a_drift() -> None:
    ddm = DDM()
    drifts, _ = per_value(DDM(), BINARY_STREAMS["bernoulli_sudden"](0))
    xs = BINARY_STREAMS["bernoulli_sudden"](0)[: drifts[0] + 1]
    for x in xs:
        ddm.update(x)
    assert ddm.drift_detected and not ddm.warning_detected


def test_eddm_rejects_alpha_below_beta() -> None:
    with pytest.raises(ValueError):
        EDDM(alpha=0.5, beta=0.9)
