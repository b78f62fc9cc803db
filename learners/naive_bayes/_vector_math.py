"""`exp`, `log1p` and `log` that LLVM can vectorise, for the naive Bayes kernels.

Numba calls libm for `math.exp` and `math.log`, one element at a time; these are made of
arithmetic and bit casts only, so a loop that uses them runs on SIMD registers. Each is accurate
to a few units in the last place over the range it is written for (see the tests).

>>> import math
>>> abs(exp_neg(-1.5) - math.exp(-1.5)) < 1e-16, abs(log_pos(10.0) - math.log(10.0)) < 1e-15
(True, True)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

__all__ = ["EXP_FLOOR", "exp_clamped", "exp_neg", "log1p_unit", "log_pos"]

EXP_FLOOR = -40.0
"""`exp_neg` clamps its argument here: exp(-40) = 4e-18 is below half an ulp of any term it is
added to in `log(eps + pdf)` (whose magnitude is then at least -log(eps) = 20.7)."""

_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_SQRT2 = 1.4142135623730951
_MANTISSA = (1 << 52) - 1
_ONE_BITS = 1023 << 52
_SMALLEST_NORMAL = 2.2250738585072014e-308
_SCALE_UP = 2.0**200  # brings a subnormal into the normal range before its bits are read
# polynomial coefficients, highest degree first
_EXP_TAYLOR = tuple(1.0 / math.factorial(i) for i in range(13, -1, -1))  # e**r, |r| <= ln(2)/2
_ATANH_LONG = tuple(1.0 / i for i in range(37, 0, -2))  # 2 atanh(s) / (2 s), in s**2
_ATANH_SHORT = _ATANH_LONG[-11:]  # the same to s**20, enough for |s| <= 0.18


@intrinsic
def _float_from_bits(typingctx: Any, bits: Any) -> Any:
    """The float64 whose bits are the int64 `bits`."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@intrinsic
def _bits_of_float(typingctx: Any, value: Any) -> Any:
    """The int64 holding the bits of the float64 `value`."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.IntType(64))

    return types.int64(types.float64), codegen


# typed for mypy as the plain functions they are inside Numba code
_as_float: Any = _float_from_bits
_as_bits: Any = _bits_of_float


@njit(cache=True, error_model="numpy", inline="always")
def _horner(coefficients: tuple[float, ...], r: float) -> float:
    """The polynomial with these coefficients (highest degree first) at r."""
    p = 0.0
    for c in coefficients:
        p = p * r + c
    return p


@njit(cache=True, error_model="numpy", inline="always")
def _exp(t: float) -> float:
    """e**t for -1020 * ln(2) < t < 1020 * ln(2)."""
    k = np.floor(t * _INV_LN2 + 0.5)
    r = (t - k * _LN2_HI) - k * _LN2_LO  # |r| <= ln(2) / 2
    p = _horner(_EXP_TAYLOR, r)  # Taylor to r**13 / 13!: error below 2e-17
    out: float = p * _as_float((int(k) + 1023) << 52)
    return out


@njit(cache=True, error_model="numpy", inline="always")
def exp_neg(t: float) -> float:
    """e**t for t <= 0, with t clamped at `EXP_FLOOR` (so never below 4e-18)."""
    return _exp(t if t > EXP_FLOOR else EXP_FLOOR)


@njit(cache=True, error_model="numpy", inline="always")
def exp_clamped(t: float, low: float, high: float) -> float:
    """e**t, with t clamped to [low, high] (a range within +-700)."""
    t = t if t > low else low
    return _exp(t if t < high else high)


@njit(cache=True, error_model="numpy", inline="always")
def _atanh_series(s: float) -> float:
    """2 atanh(s) = log((1 + s) / (1 - s)) for |s| <= 1/3."""
    return 2.0 * s * _horner(_ATANH_LONG, s * s)


@njit(cache=True, error_model="numpy", inline="always")
def _atanh_series_short(s: float) -> float:
    """2 atanh(s) for |s| <= 0.18 (to s**21: error below 1e-19)."""
    return 2.0 * s * _horner(_ATANH_SHORT, s * s)


@njit(cache=True, error_model="numpy", inline="always")
def log1p_unit(u: float) -> float:
    """log(1 + u) for 0 <= u <= 1."""
    return _atanh_series(u / (2.0 + u))


@njit(cache=True, error_model="numpy", inline="always")
def log_pos(v: float) -> float:
    """log(v) for a finite v > 0 (subnormals included)."""
    tiny = v < _SMALLEST_NORMAL
    v = v * _SCALE_UP if tiny else v
    bits: int = _as_bits(v)
    e = float((bits >> 52) - 1023)
    m = _as_float((bits & _MANTISSA) | _ONE_BITS)  # in [1, 2)
    big = m > _SQRT2
    m = m * 0.5 if big else m
    e = e + 1.0 if big else e
    e = e - 200.0 if tiny else e
    f = m - 1.0  # in [-0.29, 0.41]
    return e * _LN2_HI + (e * _LN2_LO + _atanh_series_short(f / (2.0 + f)))
