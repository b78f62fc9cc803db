"""Numba kernels of KSWIN, reproducing river 0.26.1 + CPython's `random` + SciPy's `ks_2samp`.

river's KSWIN draws, at every update once its window is full, `stat_size` positions of the older
part of the window with `random.Random(seed).sample(range(window_size - stat_size), stat_size)`
and compares those values with the `stat_size` newest by `scipy.stats.ks_2samp(method="auto")`.
To detect at the same updates, the kernels reproduce:

* CPython's Mersenne Twister (`genrand_uint32`), `getrandbits(k <= 32)`, `_randbelow` and
  `Random.sample` on a range (both its pool and its set branch), seeded from
  `random.Random(seed).getstate()`;
* the two-sided KS statistic of two samples of the same size `r`: `D = h / r`, `h` the largest
  gap between the counts of each sample at or below a value. The p-value depends on `(r, h)`
  only; `ks_pvalues` tabulates it for `h = 0..r` once per `r` (see `drift.kswin`).

State: `window` (float64 ring buffer of `window_size` values), `ist` (int64: `START`, `LENGTH`,
`N`, `MT_POS`, then the 624 Mersenne Twister words) and `fs` (float64: the last p-value).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# ist layout
START = 0
LENGTH = 1
N = 2
MT_POS = 3
MT = 4
MT_WORDS = 624
I_SIZE = MT + MT_WORDS

# fs layout
P_VALUE = 0
F_SIZE = 1

_MT_SHIFT = 397
_MATRIX_A = 0x9908B0DF
_UPPER_MASK = 0x80000000
_LOWER_MASK = 0x7FFFFFFF

_jit = njit(cache=True, error_model="numpy")


@_jit
def _twist(ist: IntArray) -> None:
    """Regenerate the 624 words (CPython's `genrand_uint32` when its index reaches N)."""
    for kk in range(MT_WORDS):
        y = (ist[MT + kk] & _UPPER_MASK) | (ist[MT + (kk + 1) % MT_WORDS] & _LOWER_MASK)
        value = ist[MT + (kk + _MT_SHIFT) % MT_WORDS] ^ (y >> 1)
        if y & 1:
            value ^= _MATRIX_A
        ist[MT + kk] = value


@_jit
def _genrand_uint32(ist: IntArray) -> int:
    pos = ist[MT_POS]
    if pos >= MT_WORDS:
        _twist(ist)
        pos = 0
    y = ist[MT + pos]
    ist[MT_POS] = pos + 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C5680
    y ^= (y << 15) & 0xEFC60000
    y ^= y >> 18
    return int(y)


@_jit
def _randbelow(ist: IntArray, n: int) -> int:
    """CPython's `_randbelow_with_getrandbits(n)` for 0 < n < 2**32."""
    k = 0
    while (n >> k) != 0:
        k += 1
    r = _genrand_uint32(ist) >> (32 - k)
    while r >= n:
        r = _genrand_uint32(ist) >> (32 - k)
    return r


@_jit
def _sample(
    ist: IntArray, population: int, k: int, setsize: int, pool: IntArray, taken: BoolArray,
    result: IntArray,
) -> None:  # fmt: skip
    """CPython's `Random.sample(range(population), k)` into `result[:k]`.

    `setsize` is CPython's threshold between its two branches; `pool` (`population` ints) and
    `taken` (`population` bools, all False, left all False) are scratch space.
    """
    if population <= setsize:
        for i in range(population):
            pool[i] = i
        for i in range(k):
            j = _randbelow(ist, population - i)
            result[i] = pool[j]
            pool[j] = pool[population - i - 1]
    else:
        for i in range(k):
            j = _randbelow(ist, population)
            while taken[j]:
                j = _randbelow(ist, population)
            taken[j] = True
            result[i] = j
        for i in range(k):
            taken[result[i]] = False


@_jit
def prob_outside_square(n: int, h: int) -> float:
    """SciPy's `_compute_prob_outside_square(n, h)`: P(D_{n,n} >= h/n), same operations."""
    p = 0.0
    k = int(math.floor(n / h))
    while k >= 0:
        p1 = 1.0
        for j in range(h):
            p1 = (n - k * h - j) * p1 / (n + k * h + j + 1)
        p = p1 * (1.0 - p)
        k -= 1
    return 2 * p


@_jit
def ks_gap(a: FloatArray, b: FloatArray) -> int:
    """`h` for two sorted samples of the same size: max over values v of |#a<=v - #b<=v|;
    -1 if a value is NaN (SciPy then propagates NaN)."""
    r = a.shape[0]
    if np.isnan(a[r - 1]) or np.isnan(b[r - 1]):  # sorting puts NaN last
        return -1
    i = 0
    j = 0
    gap = 0
    while i < r and j < r:
        v = min(a[i], b[j])
        while i < r and a[i] <= v:
            i += 1
        while j < r and b[j] <= v:
            j += 1
        gap = max(gap, abs(i - j))
    return gap


@_jit
def clear(window: FloatArray, ist: IntArray, fs: FloatArray) -> None:
    """Empty the window and zero the counters; the generator is left as it is."""
    window[:] = 0.0
    ist[START] = 0
    ist[LENGTH] = 0
    ist[N] = 0
    fs[P_VALUE] = 0.0


@_jit
def append(window: FloatArray, ist: IntArray, x: float) -> None:
    """Append to the ring buffer, dropping the oldest value when it is full (deque maxlen)."""
    size = window.shape[0]
    length = ist[LENGTH]
    if length < size:
        pos = ist[START] + length
        if pos >= size:
            pos -= size
        window[pos] = x
        ist[LENGTH] = length + 1
    else:
        start = ist[START]
        window[start] = x
        start += 1
        if start == size:
            start = 0
        ist[START] = start


@_jit
def run(
    window: FloatArray,
    ist: IntArray,
    fs: FloatArray,
    xs: FloatArray,
    alpha: float,
    stat_size: int,
    setsize: int,
    p_table: FloatArray,
    initial_ist: IntArray,
    reseed: bool,
    drifts: IntArray,
) -> int:
    """Update with each value of `xs` (river's `KSWIN.update`); writes drift positions.

    Before the value that follows a drift, the state is emptied (river's `_reset`); with
    `reseed`, the generator restarts from `initial_ist` (a seeded `random.Random`), otherwise it
    continues its sequence.
    """
    size = window.shape[0]
    population = size - stat_size
    pool = np.empty(population, dtype=np.int64)
    taken = np.zeros(population, dtype=np.bool_)
    picks = np.empty(stat_size, dtype=np.int64)
    older = np.empty(stat_size, dtype=np.float64)
    newer = np.empty(stat_size, dtype=np.float64)
    n_drifts = 0
    for i in range(xs.shape[0]):
        if n_drifts > 0 and drifts[n_drifts - 1] == i - 1:
            clear(window, ist, fs)
            if reseed:
                ist[MT_POS:] = initial_ist[MT_POS:]
        ist[N] += 1
        append(window, ist, xs[i])
        if ist[LENGTH] < size:
            continue
        _sample(ist, population, stat_size, setsize, pool, taken, picks)
        start = ist[START]
        for j in range(stat_size):
            pos = start + picks[j]
            if pos >= size:
                pos -= size
            older[j] = window[pos]
            pos = start + population + j
            if pos >= size:
                pos -= size
            newer[j] = window[pos]
        older.sort()
        newer.sort()
        gap = ks_gap(older, newer)
        if gap < 0:
            fs[P_VALUE] = np.nan
            continue
        p_value = p_table[gap]
        fs[P_VALUE] = p_value
        if p_value <= alpha and gap * 1.0 / stat_size > 0.1:
            drifts[n_drifts] = i
            n_drifts += 1
    return n_drifts


@_jit
def ks_pvalues_exact(r: int) -> FloatArray:
    """SciPy's exact two-sided p-values of `D = h / r` for two samples of size `r`, h = 0..r,
    before clipping; NaN where SciPy's exact method gives up (outside [0, 1])."""
    table = np.empty(r + 1, dtype=np.float64)
    table[0] = 1.0
    for h in range(1, r + 1):
        p = prob_outside_square(r, h)
        table[h] = p if 0.0 <= p <= 1.0 else np.nan
    return table
