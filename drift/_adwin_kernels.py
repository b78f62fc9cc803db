"""Numba kernels of ADWIN (ADaptive WINdowing) with river 0.26.1's exact arithmetic.

The state of one detector lives in three arrays:

* `fs` (float64, `F_SIZE`): the window's total, variance (sum of squared deviations from the
  mean, as river keeps it) and width, then the parameters `delta`, `min_window_length` and
  `grace_period` as floats;
* `ist` (int64, `I_HEAD + capacity`): `clock`, `max_buckets`, `tick`, `n_detections` and the
  number of bucket levels in use, then the number of entries of each level;
* `buckets` (float64, `(2, capacity, max_buckets + 1)`): the totals (`buckets[0]`) and variances
  (`buckets[1]`) of the entries of each level, oldest first; unused slots hold zeros. An entry of
  level `i` summarises `2**i` values.

Every expression river evaluates is evaluated here with the same operands in the same order, so
the results are the same doubles. What differs is when and how often:

* `ln(2 ln(width) / delta)` and `variance / width` are hoisted out of the loop over cut points
  (river recomputes them per cut; the loop does not change their inputs).
* A cut point is only evaluated with river's formula when a test made of multiplications cannot
  rule it out (`_detect_change`). The test bounds `|mean(W0) - mean(W1)| n0 n1` from above by
  `|u0 n1 - u1 n0|` plus 1e-12 of `(|u0| + |u1|)` times twice the width (the rounding errors
  involved, given river's own `u0` and `u1`, are below 1e-15 of it), and one of the two terms of
  river's threshold from below, with a relative slack of 1e-9 (rounding: below 1e-15); it is
  used only where no product overflows or underflows. So it never rules out a cut that river's
  formula accepts. It costs a dozen operations per cut and runs before the test of the
  sub-window lengths (it is harmless on the cuts that this test then skips).

`update_one` adds one value (river's `update`, without allocation) and can be called from other
Numba kernels; it asks for larger arrays (by returning early) rather than allocating them, so
that the arrays stay owned by the caller. The batch path, `drift._adwin_batch.run`, builds on
`clear`, `update_one` and `_detect_change`.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

# fs layout
TOTAL = 0
VARIANCE = 1
WIDTH = 2
DELTA = 3
MIN_WINDOW_LENGTH = 4
GRACE_PERIOD = 5
F_SIZE = 6

# ist layout: a head of scalars, then the number of entries of each bucket level
CLOCK = 0
MAX_BUCKETS = 1
TICK = 2
N_DETECTIONS = 3
N_LEVELS = 4
I_HEAD = 5

# the screening test of cut points (see the module docstring)
_SLACK = 1e-9
_ROUNDING = 1e-12
_TINY = 1e-200
_HUGE = 1e200

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@njit(cache=True)
def screen_coefficients(
    width: float, var_per_width: float, delta_prime: float, bound_coef: float, min_len: float
) -> tuple[float, float]:
    """The cut screens' (sqrt_coef, linear_coef) for a window of `width` (see `_detect_change`).

    The bounds stay within (_TINY, _HUGE) for every cut with n0 n1 >= 1; a coefficient outside
    them is NaN, which switches its screen off (every comparison with NaN is false).
    """
    spread = width - 2.0 * (min_len - 1.0)
    shrink = 1.0 if min_len >= 1.0 else 1.0 / ((2.0 - min_len) * (2.0 - min_len))
    sqrt_coef = 2.0 * var_per_width * delta_prime * (1.0 - _SLACK) * spread * shrink
    linear_coef = bound_coef * (1.0 - _SLACK) * spread * shrink
    width_sq = width * width
    if not (_TINY < sqrt_coef and sqrt_coef * width_sq * width_sq < _HUGE):
        sqrt_coef = np.nan
    if not (_TINY < linear_coef and linear_coef * width_sq < _HUGE):
        linear_coef = np.nan
    return sqrt_coef, linear_coef


@njit(cache=True, error_model="numpy")
def clear(fs: FloatArray, ist: IntArray, buckets: FloatArray) -> None:
    """Empty the window in place, keeping the parameters and the capacity."""
    fs[TOTAL] = 0.0
    fs[VARIANCE] = 0.0
    fs[WIDTH] = 0.0
    ist[TICK] = 0
    ist[N_DETECTIONS] = 0
    ist[N_LEVELS] = 1
    ist[I_HEAD:] = 0
    buckets[:] = 0.0


@njit(cache=True, error_model="numpy")
def _detect_change(fs: FloatArray, ist: IntArray, buckets: FloatArray) -> bool:
    """Test every cut, oldest entries first, dropping the oldest entry while one is
    significant (river's `detect_change` on a clock tick, past the grace period)."""
    delta = fs[DELTA]
    min_len = fs[MIN_WINDOW_LENGTH]
    total = fs[TOTAL]
    variance = fs[VARIANCE]
    width = fs[WIDTH]
    n_levels = ist[N_LEVELS]
    change = False
    reduce_width = True
    while reduce_width:
        reduce_width = False
        delta_prime = math.log(2.0 * math.log(width) / delta)
        var_per_width = variance / width
        bound_coef = 2.0 / 3.0 * delta_prime
        # Screening constants. For every cut, with a = n0 - min_len + 1 and b = n1 - min_len + 1,
        # river's m_recip is exactly (a + b) / (a b) = spread / q with q = a b; let p = n0 n1.
        # Also |u0/n0 - u1/n1| = |u0 n1 - u1 n0| / p, and both this product form and river's
        # quotients are within rounding_coef (|u0| + |u1|) / p of the exact value; `gap` below
        # adds that to |u0 n1 - u1 n0|. A cut is then ruled out when gap^2 q <= sqrt_coef p^2
        # (below the square-root term) or gap q <= linear_coef p (below the linear term).
        # For the cuts river tests (n0, n1 >= min_len, and n0, n1 >= 1), q <= p / shrink, so
        # gap^2 <= shrink sqrt_coef p and gap <= shrink linear_coef are enough: they are the
        # tests made, with `shrink` folded into the coefficients (1 unless min_len < 1).
        rounding_coef = _ROUNDING * 2.0 * width
        sqrt_coef, linear_coef = screen_coefficients(
            width, var_per_width, delta_prime, bound_coef, min_len
        )
        n0 = 0.0
        n1 = width
        u0 = 0.0
        u1 = total
        for level in range(n_levels - 1, -1, -1):
            size = float(1 << level)
            count = ist[I_HEAD + level]
            if level == 0:
                count -= 1  # no cut after the newest entry
            for k in range(count):
                n0 += size
                n1 -= size
                t = buckets[0, level, k]
                u0 += t
                u1 -= t
                # screening: |u0/n0 - u1/n1| below one of the two terms of the threshold? (With
                # max_buckets=1 the newest level can be empty, and a cut with n1 = 0 tested: the
                # first test then holds only when gap = 0, where river's mean is NaN; the second
                # is not made.)
                gap = abs(u0 * n1 - u1 * n0) + rounding_coef * (abs(u0) + abs(u1))
                if gap * gap <= sqrt_coef * (n0 * n1):
                    continue
                if gap <= linear_coef and n1 >= 1.0:
                    continue
                if not (n1 >= min_len and n0 >= min_len):
                    continue
                # river's `evaluate_cut`
                delta_mean = (u0 / n0) - (u1 / n1)
                m_recip = 1.0 / (n0 - min_len + 1.0) + 1.0 / (n1 - min_len + 1.0)
                epsilon = (
                    math.sqrt(2.0 * m_recip * var_per_width * delta_prime) + bound_coef * m_recip
                )
                if not abs(delta_mean) > epsilon:
                    continue
                reduce_width = True
                change = True
                if width > 0.0:
                    break
            if reduce_width and width > 0.0:
                break
        if not (reduce_width and width > 0.0):
            continue
        # drop the oldest entry, the first of the last level (river's `delete_element`)
        last = n_levels - 1
        n = float(1 << last)
        u = buckets[0, last, 0]
        v = buckets[1, last, 0]
        mu = u / n
        width -= n
        total -= u
        mu_window = total / width
        variance -= v + n * width * (mu - mu_window) * (mu - mu_window) / (n + width)
        count = ist[I_HEAD + last]
        for k in range(count - 1):
            buckets[0, last, k] = buckets[0, last, k + 1]
            buckets[1, last, k] = buckets[1, last, k + 1]
        buckets[0, last, count - 1] = 0.0
        buckets[1, last, count - 1] = 0.0
        ist[I_HEAD + last] = count - 1
        # river pops the emptied last level. Only with max_buckets=1 can the level below be
        # empty too (river then panics at its next deletion); here every empty trailing level
        # goes.
        while last > 0 and ist[I_HEAD + last] == 0:
            last -= 1
        n_levels = last + 1
    fs[TOTAL] = total
    fs[VARIANCE] = variance
    fs[WIDTH] = width
    ist[N_LEVELS] = n_levels
    return change


@njit(cache=True, error_model="numpy", inline="always")
def _absorb_one(fs: FloatArray, ist: IntArray, buckets: FloatArray, x: float) -> None:
    """Add one value to the window (river's `insert_element` and `compress_buckets` as river
    writes them)."""
    total = fs[TOTAL]
    width = fs[WIDTH] + 1.0
    incremental_variance = 0.0
    if width > 1.0:
        delta_v = x - total / (width - 1.0)
        incremental_variance = (width - 1.0) * delta_v * delta_v / width
    fs[VARIANCE] += incremental_variance
    fs[TOTAL] = total + x
    fs[WIDTH] = width

    max_buckets = ist[MAX_BUCKETS]
    count = ist[I_HEAD]
    buckets[0, 0, count] = x
    buckets[1, 0, count] = 0.0
    ist[I_HEAD] = count + 1
    level = 0
    while ist[I_HEAD + level] == max_buckets + 1:
        n1 = float(1 << level)
        inv_n1 = 1.0 / n1  # a power of two: x * inv_n1 == x / n1 exactly
        t0 = buckets[0, level, 0]
        t1 = buckets[0, level, 1]
        mu1 = t0 * inv_n1
        mu2 = t1 * inv_n1
        temp = n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2)
        v12 = buckets[1, level, 0] + buckets[1, level, 1] + temp
        for k in range(max_buckets - 1):
            buckets[0, level, k] = buckets[0, level, k + 2]
            buckets[1, level, k] = buckets[1, level, k + 2]
        for k in range(max_buckets - 1, max_buckets + 1):
            buckets[0, level, k] = 0.0
            buckets[1, level, k] = 0.0
        ist[I_HEAD + level] = max_buckets - 1
        if level + 1 >= ist[N_LEVELS]:
            ist[N_LEVELS] = level + 2
        nxt = ist[I_HEAD + level + 1]
        buckets[0, level + 1, nxt] = t0 + t1
        buckets[1, level + 1, nxt] = v12
        ist[I_HEAD + level + 1] = nxt + 1
        level += 1


@njit(cache=True, error_model="numpy")
def update_one(fs: FloatArray, ist: IntArray, buckets: FloatArray, x: float) -> int:
    """Add one value, as river's `update` does: 1 if a drift was detected, else 0; -1 (and no
    change) if the bucket arrays must grow first. Callable from other kernels."""
    if ist[N_LEVELS] + 2 > buckets.shape[1]:
        return -1
    _absorb_one(fs, ist, buckets, x)
    tick = ist[TICK] + 1
    ist[TICK] = tick
    if tick % ist[CLOCK] == 0 and fs[WIDTH] > fs[GRACE_PERIOD] and _detect_change(fs, ist, buckets):
        ist[N_DETECTIONS] += 1
        return 1
    return 0
