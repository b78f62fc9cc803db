"""Numba kernels of DDM, EDDM and Page-Hinkley with river 0.26.1's exact arithmetic.

Each detector's state is one float64 array (layouts below; counts are stored as floats, exact up
to 2**53); the parameters are passed as scalars. A step function updates the state with one
value and returns bit flags (`DRIFT`, `WARNING`); `*_run` applies it to a whole array, emptying
the state before the value that follows a drift, as river's `update` does (`_reset`).

The arithmetic follows river's code and `river.stats.Mean` / `river.stats.Var` operand for
operand. EDDM's `x ** 0.5` takes the exponent as a runtime argument (`half`): with a constant
exponent LLVM rewrites the power into `sqrt`, which differs from C's `pow` (what Python calls) in
the last bit for about one value in a thousand.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DRIFT = 1
WARNING = 2

# DDM state layout
DDM_N = 0
DDM_MEAN = 1
DDM_P_MIN = 2
DDM_S_MIN = 3
DDM_PS_MIN = 4
DDM_WARNING = 5
DDM_SIZE = 6

# EDDM state layout
EDDM_N = 0
EDDM_LAST_ERROR = 1
EDDM_N_ERRORS = 2
EDDM_VAR_N = 3
EDDM_VAR_MEAN = 4
EDDM_VAR_S = 5
EDDM_P2S_MAX = 6
EDDM_WARNING = 7
EDDM_SIZE = 8

# Page-Hinkley state layout and modes
PH_N = 0
PH_MEAN = 1
PH_SUM_INCREASE = 2
PH_SUM_DECREASE = 3
PH_MIN_INCREASE = 4
PH_MAX_DECREASE = 5
PH_SIZE = 6
PH_MODES = {"up": 0, "down": 1, "both": 2}

_jit = njit(cache=True, error_model="numpy")
_inline = njit(cache=True, error_model="numpy", inline="always")


# ---------------------------------------------------------------------------------------- DDM


@_jit
def ddm_clear(state: FloatArray) -> None:
    """The state of a fresh DDM."""
    state[DDM_N] = 0.0
    state[DDM_MEAN] = 0.0
    state[DDM_P_MIN] = np.nan  # river's None: never read before it is set
    state[DDM_S_MIN] = np.nan
    state[DDM_PS_MIN] = np.inf
    state[DDM_WARNING] = 0.0


@_inline
def _ddm_step(
    state: FloatArray,
    x: float,
    warm_start: int,
    warning_threshold: float,
    drift_threshold: float,
) -> int:
    n = state[DDM_N] + 1.0
    p_i = state[DDM_MEAN] + (1.0 / n) * (x - state[DDM_MEAN])
    state[DDM_N] = n
    state[DDM_MEAN] = p_i
    s_i = math.sqrt(p_i * (1.0 - p_i) / n)
    drift = False
    if n > warm_start:
        if p_i + s_i <= state[DDM_PS_MIN]:
            state[DDM_P_MIN] = p_i
            state[DDM_S_MIN] = s_i
            state[DDM_PS_MIN] = p_i + s_i
        p_min = state[DDM_P_MIN]
        s_min = state[DDM_S_MIN]
        warning = p_i + s_i > p_min + warning_threshold * s_min
        if p_i + s_i > p_min + drift_threshold * s_min:
            drift = True
            warning = False
        state[DDM_WARNING] = 1.0 if warning else 0.0
    flags = DRIFT if drift else 0
    if state[DDM_WARNING] != 0.0:
        flags |= WARNING
    return flags


@_jit
def ddm_update_one(
    state: FloatArray,
    x: float,
    warm_start: int,
    warning_threshold: float,
    drift_threshold: float,
) -> int:
    """Update a DDM with one value; returns `DRIFT | WARNING` flags."""
    return _ddm_step(state, x, warm_start, warning_threshold, drift_threshold)


@_jit
def ddm_run(
    state: FloatArray,
    xs: FloatArray,
    warm_start: int,
    warning_threshold: float,
    drift_threshold: float,
    drifts: IntArray,
    warnings: IntArray,
) -> tuple[int, int]:
    """Update a DDM with each value of `xs`; writes drift and warning positions, returns counts."""
    n_drifts = 0
    n_warnings = 0
    for i in range(xs.shape[0]):
        if n_drifts > 0 and drifts[n_drifts - 1] == i - 1:
            ddm_clear(state)
        flags = _ddm_step(state, xs[i], warm_start, warning_threshold, drift_threshold)
        if flags & DRIFT:
            drifts[n_drifts] = i
            n_drifts += 1
        if flags & WARNING:
            warnings[n_warnings] = i
            n_warnings += 1
    return n_drifts, n_warnings


# --------------------------------------------------------------------------------------- EDDM


@_jit
def eddm_clear(state: FloatArray) -> None:
    """The state of a fresh EDDM."""
    state[:] = 0.0
    state[EDDM_P2S_MAX] = -1.0


@_inline
def _eddm_step(
    state: FloatArray, x: float, warm_start: int, alpha: float, beta: float, half: float
) -> int:
    n = state[EDDM_N] + 1.0
    state[EDDM_N] = n
    drift = False
    if x == 1.0:
        n_errors = state[EDDM_N_ERRORS] + 1.0
        state[EDDM_N_ERRORS] = n_errors
        # river.stats.Var.update of the distance since the last error (weight 1)
        distance = n - state[EDDM_LAST_ERROR]
        mean_old = state[EDDM_VAR_MEAN]
        var_n = state[EDDM_VAR_N] + 1.0
        mean_new = mean_old + (1.0 / var_n) * (distance - mean_old)
        var_s = state[EDDM_VAR_S] + 1.0 * (distance - mean_old) * (distance - mean_new)
        state[EDDM_VAR_N] = var_n
        state[EDDM_VAR_MEAN] = mean_new
        state[EDDM_VAR_S] = var_s
        if n > warm_start:
            variance = var_s / (var_n - 1.0) if var_n > 1.0 else 0.0
            p2s_prime = mean_new + 2.0 * variance**half
            if p2s_prime > state[EDDM_P2S_MAX]:
                state[EDDM_P2S_MAX] = p2s_prime
            elif n_errors > warm_start:
                level = p2s_prime / state[EDDM_P2S_MAX]
                if level < beta:
                    drift = True
                elif level < alpha:
                    state[EDDM_WARNING] = 1.0
                else:
                    state[EDDM_WARNING] = 0.0
        state[EDDM_LAST_ERROR] = n
    flags = DRIFT if drift else 0
    if state[EDDM_WARNING] != 0.0:
        flags |= WARNING
    return flags


@_jit
def eddm_update_one(
    state: FloatArray, x: float, warm_start: int, alpha: float, beta: float, half: float
) -> int:
    """Update an EDDM with one value; returns `DRIFT | WARNING` flags."""
    return _eddm_step(state, x, warm_start, alpha, beta, half)


@_jit
def eddm_run(
    state: FloatArray,
    xs: FloatArray,
    warm_start: int,
    alpha: float,
    beta: float,
    half: float,
    drifts: IntArray,
    warnings: IntArray,
) -> tuple[int, int]:
    """Update an EDDM with each value of `xs`; writes drift and warning positions."""
    n_drifts = 0
    n_warnings = 0
    for i in range(xs.shape[0]):
        if n_drifts > 0 and drifts[n_drifts - 1] == i - 1:
            eddm_clear(state)
        flags = _eddm_step(state, xs[i], warm_start, alpha, beta, half)
        if flags & DRIFT:
            drifts[n_drifts] = i
            n_drifts += 1
        if flags & WARNING:
            warnings[n_warnings] = i
            n_warnings += 1
    return n_drifts, n_warnings


# -------------------------------------------------------------------------------- Page-Hinkley


@_jit
def ph_clear(state: FloatArray) -> None:
    """The state of a fresh Page-Hinkley test."""
    state[:] = 0.0
    state[PH_MIN_INCREASE] = np.inf
    state[PH_MAX_DECREASE] = -1.0


@_inline
def _ph_step(
    state: FloatArray,
    x: float,
    min_instances: int,
    delta: float,
    threshold: float,
    alpha: float,
    mode: int,
) -> bool:
    n = state[PH_N] + 1.0
    mean = state[PH_MEAN] + (1.0 / n) * (x - state[PH_MEAN])
    state[PH_N] = n
    state[PH_MEAN] = mean
    dev = x - mean
    sum_increase = alpha * state[PH_SUM_INCREASE] + dev - delta
    sum_decrease = alpha * state[PH_SUM_DECREASE] + dev + delta
    state[PH_SUM_INCREASE] = sum_increase
    state[PH_SUM_DECREASE] = sum_decrease
    if sum_increase < state[PH_MIN_INCREASE]:
        state[PH_MIN_INCREASE] = sum_increase
    if sum_decrease > state[PH_MAX_DECREASE]:
        state[PH_MAX_DECREASE] = sum_decrease
    if not n >= min_instances:
        return False
    test_increase = sum_increase - state[PH_MIN_INCREASE]
    test_decrease = state[PH_MAX_DECREASE] - sum_decrease
    if mode == 0:
        return bool(test_increase > threshold)
    if mode == 1:
        return bool(test_decrease > threshold)
    return bool(test_increase > threshold or test_decrease > threshold)


@_jit
def ph_update_one(
    state: FloatArray,
    x: float,
    min_instances: int,
    delta: float,
    threshold: float,
    alpha: float,
    mode: int,
) -> bool:
    """Update a Page-Hinkley test with one value; returns whether a drift was detected."""
    return _ph_step(state, x, min_instances, delta, threshold, alpha, mode)


@_jit
def ph_run(
    state: FloatArray,
    xs: FloatArray,
    min_instances: int,
    delta: float,
    threshold: float,
    alpha: float,
    mode: int,
    drifts: IntArray,
) -> int:
    """Update a Page-Hinkley test with each value of `xs`; writes drift positions."""
    n_drifts = 0
    for i in range(xs.shape[0]):
        if n_drifts > 0 and drifts[n_drifts - 1] == i - 1:
            ph_clear(state)
        if _ph_step(state, xs[i], min_instances, delta, threshold, alpha, mode):
            drifts[n_drifts] = i
            n_drifts += 1
    return n_drifts
