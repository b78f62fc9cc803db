"""Concept drift detectors with river's API over Numba kernels.

Each detector is a river `DriftDetector` (or `BinaryDriftAndWarningDetector`): the constructor
takes river's parameters with river's defaults, `update(x)` returns None, and `drift_detected`
(and `warning_detected` for DDM and EDDM) tell what the last update found. The state lives in
NumPy arrays updated by `@njit` kernels, so the detectors are cloneable, picklable and
checkpointable (`state_dict()` / `load_state_dict()`), and each has a batch path,
`update_many(xs)`, that returns the positions in `xs` where a drift was detected, in one kernel
call. They detect drifts at the same indices as river 0.26.1's detectors of the same names.
"""

from __future__ import annotations

from drift.adwin import ADWIN
from drift.ddm import DDM
from drift.eddm import EDDM
from drift.kswin import KSWIN
from drift.page_hinkley import PageHinkley

__all__ = ["ADWIN", "DDM", "EDDM", "KSWIN", "PageHinkley"]
