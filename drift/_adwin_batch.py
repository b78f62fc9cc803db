"""ADWIN's batch path: `run` adds many values with the results of river's `update` on each.

The state is the one `drift._adwin_kernels` describes. `run` takes the values in blocks of up to
`BLOCK` and does, per block, what river does per value, in another order:

* The window statistics after each value (`_window_stats`): river's chains of additions for the
  total and the variance, in river's order; the variance increments in between are independent
  of each other and are computed as one vectorised pass.
* Every merge the block can make, level by level (`_merge_pairs`, also vectorised). river merges
  the two oldest entries of a level whenever it holds `max_buckets + 1` of them, so a level
  merges its entries pairwise in arrival order: the entries of level `l` at the start of the
  block followed by those the block merges into it form a sequence S_l, and the entries merged
  into level `l + 1` are the pairs of S_l, in order, whenever they happen.
* Then, clock tick by clock tick, river's counts: how many entries of S_l have arrived and how
  many pairs were merged away, which gives the entries each level holds at that tick.
* Where river tests the cuts of the window (every `clock` values once the width exceeds the
  grace period), a screening (`_n_open_cuts`) that needs no division; only if it cannot rule out
  every cut are the bucket arrays written (`_materialize`) and river's test run on them
  (`_detect_change`, which drops the oldest entries and reports a drift).

The screening works on the running sum `u0` and size `n0` of the oldest entries at each cut,
kept from one test to the next down to the highest level that changed since. With `T` and `W`
the window's total and width, `A` the sum of the entries' `|t|` and `K` cuts: river's `u0`
(summed in another order) and river's `u1` (the total minus the entries, one at a time) differ
from this `u0` and from `T - u0` by less than `s = 16 (K + 2) 2**-52 (|T| + A)` together (8
times their rounding errors), so `|u0 n1 - u1 n0| <= |u0 W - T n0| + W s`. Adding `1e-14` of
`4 W (|T| + A + s)`, over 50 times the rounding errors of this product and of river's
quotients, bounds `|mean(W0) - mean(W1)| n0 n1` from above; the tests against river's
threshold are then those of `_detect_change`, with `ln(2 ln(width) / delta)` taken at a
smaller width (it grows with the width). A cut with `n1 = 0` (possible only with
`max_buckets=1`) is never ruled out.

Inputs of fewer than `SMALL` values are added one at a time, as `update_one` does, without
work space.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from drift._adwin_kernels import (
    CLOCK,
    DELTA,
    GRACE_PERIOD,
    I_HEAD,
    MAX_BUCKETS,
    MIN_WINDOW_LENGTH,
    N_DETECTIONS,
    N_LEVELS,
    TICK,
    TOTAL,
    VARIANCE,
    WIDTH,
    _absorb_one,
    _detect_change,
    clear,
    screen_coefficients,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: values per block
BLOCK = 2048
#: inputs shorter than this are added one value at a time
SMALL = 256

# the screening (see the module docstring and `_detect_change`)
_ROUNDING = 1e-14
_ORDER_ERROR = 16.0 * 2.0**-52

_jit = njit(cache=True, error_model="numpy")
_inline = njit(cache=True, error_model="numpy", inline="always")


@_jit
def _headroom(n_values: int) -> int:
    """An upper bound (plus one spare) of the number of levels `n_values` more values open."""
    extra = 1
    while (1 << extra) <= n_values:
        extra += 1
    return extra + 2


@_jit
def _window_stats(
    xb: FloatArray,
    total: float,
    width: float,
    variance: float,
    tpost: FloatArray,
    vpost: FloatArray,
    incs: FloatArray,
) -> None:
    """River's window total and variance after each value of `xb`, into `tpost` and `vpost`."""
    w = width + 1.0
    delta_v = xb[0] - total / (w - 1.0)
    increment = (w - 1.0) * delta_v * delta_v / w
    incs[0] = increment if w > 1.0 else 0.0
    for j in range(xb.shape[0]):
        total += xb[j]
        tpost[j] = total
    rest = xb[1:]
    for j in range(rest.shape[0]):
        w = width + (j + 2.0)  # exact: river adds 1.0 at a time to an integer-valued float
        delta_v = rest[j] - tpost[j] / (w - 1.0)
        incs[j + 1] = (w - 1.0) * delta_v * delta_v / w
    for j in range(xb.shape[0]):
        variance += incs[j]
        vpost[j] = variance


@_jit
def _merge_pairs(
    src_t: FloatArray,
    src_v: FloatArray,
    dst_t: FloatArray,
    dst_v: FloatArray,
    n_pairs: int,
    size: float,
) -> None:
    """Merge entries `2p` and `2p + 1` of a level whose entries hold `size` values each into
    entry `p` of the next level (river's `compress_buckets`)."""
    inv_size = 1.0 / size  # a power of two: x * inv_size == x / size exactly
    half_size = size * 0.5
    for p in range(n_pairs):
        t0 = src_t[2 * p]
        t1 = src_t[2 * p + 1]
        v01 = src_v[2 * p] + src_v[2 * p + 1]
        diff = t0 * inv_size - t1 * inv_size
        dst_t[p] = t0 + t1
        dst_v[p] = v01 + half_size * diff * diff


@_jit
def _n_open_cuts(
    cut_u0: FloatArray,
    cut_n0: FloatArray,
    total: float,
    width: float,
    gap_slack: float,
    sqrt_coef: float,
    linear_coef: float,
) -> int:
    """How many of these cuts (each with `n0, n1 >= max(min_window_length, 1)`) the screening
    cannot rule out."""
    n_open = 0
    for k in range(cut_u0.shape[0]):
        n0 = cut_n0[k]
        n1 = width - n0
        gap = abs(cut_u0[k] * width - total * n0) + gap_slack
        ruled_out = (gap * gap <= sqrt_coef * (n0 * n1)) | (gap <= linear_coef)
        n_open += not ruled_out
    return n_open


@_inline
def _materialize(
    ist: IntArray,
    buckets: FloatArray,
    seq_t: FloatArray,
    seq_v: FloatArray,
    off: IntArray,
    arrived: IntArray,
    merged: IntArray,
    n_levels: int,
) -> None:
    """Write the entries each level holds into the bucket arrays."""
    for level in range(n_levels):
        first = off[level] + 2 * merged[level]
        count = arrived[level] - 2 * merged[level]
        for k in range(count):
            buckets[0, level, k] = seq_t[first + k]
            buckets[1, level, k] = seq_v[first + k]
        for k in range(count, buckets.shape[2]):
            buckets[0, level, k] = 0.0
            buckets[1, level, k] = 0.0
        ist[I_HEAD + level] = count
    ist[N_LEVELS] = n_levels


@_jit
def _run_small(
    fs: FloatArray,
    ist: IntArray,
    buckets: FloatArray,
    xs: FloatArray,
    start: int,
    out: IntArray,
    n_out: int,
) -> tuple[int, int]:
    """`run`, one value at a time: the steps of `update_one`, written out (calling it would cost
    more than adding the value)."""
    for i in range(start, xs.shape[0]):
        if n_out > 0 and out[n_out - 1] == i - 1:
            clear(fs, ist, buckets)
        if ist[N_LEVELS] + 2 > buckets.shape[1]:
            return i, n_out
        _absorb_one(fs, ist, buckets, xs[i])
        tick = ist[TICK] + 1
        ist[TICK] = tick
        if tick % ist[CLOCK] == 0 and fs[WIDTH] > fs[GRACE_PERIOD]:
            if _detect_change(fs, ist, buckets):
                ist[N_DETECTIONS] += 1
                out[n_out] = i
                n_out += 1
    return xs.shape[0], n_out


@_jit
def run(
    fs: FloatArray,
    ist: IntArray,
    buckets: FloatArray,
    xs: FloatArray,
    start: int,
    out: IntArray,
    n_out: int,
) -> tuple[int, int]:
    """Add `xs[start:]` in turn, writing the positions of drifts to `out[n_out:]`.

    As river's `update` does, the window is emptied before the value that follows a drift.
    Returns `(stop, n_out)`; `stop < len(xs)` when the bucket arrays must grow before `xs[stop]`
    can be added (the state is then as after `xs[stop - 1]`).
    """
    n = xs.shape[0]
    if n - start < SMALL:
        return _run_small(fs, ist, buckets, xs, start, out, n_out)
    capacity = buckets.shape[1]
    max_buckets = ist[MAX_BUCKETS]
    clock = ist[CLOCK]
    delta = fs[DELTA]
    min_len = fs[MIN_WINDOW_LENGTH]
    grace = fs[GRACE_PERIOD]

    # work space: per level, per cut, and per value of a block
    block = min(BLOCK, n - start)
    ints = np.zeros(4 * capacity + 2, dtype=np.int64)
    off = ints[: capacity + 1]  # where each level's sequence S starts in seq_t and seq_v
    cut_start = ints[capacity + 1 : 2 * capacity + 2]  # each level's first cut
    arrived = ints[2 * capacity + 2 : 3 * capacity + 2]  # entries of S arrived so far
    merged = ints[3 * capacity + 2 :]  # pairs of S merged away so far
    n_cuts_max = capacity * (max_buckets + 1)
    cuts = np.empty(2 * n_cuts_max + capacity, dtype=np.float64)
    cut_u0 = cuts[:n_cuts_max]  # u0 at each cut, oldest first
    cut_n0 = cuts[n_cuts_max : 2 * n_cuts_max]  # n0 at each cut
    level_abs = cuts[2 * n_cuts_max :]  # the sum of |t| of the entries before each level
    for level in range(capacity):
        off[level + 1] = off[level] + 2 * (max_buckets + 1) + (block >> min(level, 62)) + 1
    tpost = np.empty(block, dtype=np.float64)  # the window's total after each value
    vpost = np.empty(block, dtype=np.float64)  # and its variance
    incs = np.empty(block, dtype=np.float64)
    seq_t = np.empty(off[capacity], dtype=np.float64)  # totals of the entries of each S
    seq_v = np.empty(off[capacity], dtype=np.float64)  # and their variances

    i = start
    while i < n:
        if n_out > 0 and out[n_out - 1] == i - 1:
            clear(fs, ist, buckets)
        hi = min(n, i + block)
        nb = hi - i
        if ist[N_LEVELS] + _headroom(nb) > capacity:
            return i, n_out
        xb = xs[i:hi]
        width0 = fs[WIDTH]
        _window_stats(xb, fs[TOTAL], width0, fs[VARIANCE], tpost, vpost, incs)

        # the sequences S: each level's entries, then the pairs of the level below
        n_levels = ist[N_LEVELS]
        count = ist[I_HEAD]
        for k in range(count):
            seq_t[k] = buckets[0, 0, k]
            seq_v[k] = buckets[1, 0, k]
        seq_t[count : count + nb] = xb
        seq_v[count : count + nb] = 0.0
        length = count + nb
        arrived[0] = count
        merged[0] = 0
        level = 0
        while level + 1 < capacity and (length >= 2 or level + 1 < n_levels):
            up = level + 1
            count = ist[I_HEAD + up] if up < n_levels else 0
            first = off[up]
            for k in range(count):
                seq_t[first + k] = buckets[0, up, k]
                seq_v[first + k] = buckets[1, up, k]
            src = off[level]
            dst = first + count
            n_pairs = length // 2
            if n_pairs > 0:
                _merge_pairs(
                    seq_t[src:dst],
                    seq_v[src:dst],
                    seq_t[dst : off[up + 1]],
                    seq_v[dst : off[up + 1]],
                    n_pairs,
                    float(1 << level),
                )
            arrived[up] = count
            merged[up] = 0
            length = count + n_pairs
            level = up

        # tick by tick: river's merges, then the screening and, if needed, river's test
        tick = ist[TICK]
        dirty = capacity  # the cut cache is stale from this level down
        dp_width = 0.0  # the width at which delta_prime was last computed
        delta_prime = 0.0
        j = 0
        detected = False
        while j < nb:
            step = min(clock - tick % clock, nb - j)
            arrivals = step
            level = 0
            while True:
                if level >= n_levels:
                    n_levels = level + 1
                arrived[level] += arrivals
                length = arrived[level] - 2 * merged[level]
                if length <= max_buckets:
                    break
                arrivals = 1 + (length - max_buckets - 1) // 2
                merged[level] += arrivals
                level += 1
            dirty = max(dirty, level)
            j += step
            tick += step
            width = width0 + j
            if tick % clock != 0 or not width > grace:
                continue
            total = tpost[j - 1]
            variance = vpost[j - 1]

            # u0 and n0 at each cut, oldest first, recomputed from the highest changed level
            top = min(dirty, n_levels - 1)
            k = 0 if top == n_levels - 1 else cut_start[top]
            u0 = cut_u0[k - 1] if k > 0 else 0.0
            n0 = cut_n0[k - 1] if k > 0 else 0.0
            a0 = 0.0 if top == n_levels - 1 else level_abs[top]
            for level in range(top, -1, -1):
                cut_start[level] = k
                level_abs[level] = a0
                size = float(1 << level)
                first = off[level] + 2 * merged[level]
                last = off[level] + arrived[level]
                if level == 0:
                    last -= 1  # no cut after the newest entry
                partial = 0.0
                for e in range(first, last):
                    t = seq_t[e]
                    partial += t
                    a0 += abs(t)
                    n0 += size
                    cut_u0[k] = u0 + partial
                    cut_n0[k] = n0
                    k += 1
                u0 += partial
            n_cuts = k
            dirty = -1

            # the cuts river evaluates: n0 and n1 at least min_len (n1 = 0 stays open)
            k_lo = 0
            while k_lo < n_cuts and not cut_n0[k_lo] >= min_len:
                k_lo += 1
            k_hi = n_cuts
            n_open = 0
            while k_hi > k_lo and not width - cut_n0[k_hi - 1] >= max(min_len, 1.0):
                k_hi -= 1
                n_open += width - cut_n0[k_hi] >= min_len

            if width >= 2.0 * dp_width:
                dp_width = width
                delta_prime = math.log(2.0 * math.log(width) / delta)
            var_per_width = variance / width
            bound_coef = 2.0 / 3.0 * delta_prime
            sqrt_coef, linear_coef = screen_coefficients(
                width, var_per_width, delta_prime, bound_coef, min_len
            )
            order_slack = (n_cuts + 2.0) * _ORDER_ERROR * (abs(total) + a0)
            rounding = _ROUNDING * 4.0 * width * (abs(total) + a0 + order_slack)
            n_open += _n_open_cuts(
                cut_u0[k_lo:k_hi],
                cut_n0[k_lo:k_hi],
                total,
                width,
                width * order_slack + rounding,
                sqrt_coef,
                linear_coef,
            )
            if n_open == 0:
                continue

            # river's test, on the window as it is now
            fs[TOTAL] = total
            fs[VARIANCE] = variance
            fs[WIDTH] = width
            ist[TICK] = tick
            _materialize(ist, buckets, seq_t, seq_v, off, arrived, merged, n_levels)
            if _detect_change(fs, ist, buckets):
                ist[N_DETECTIONS] += 1
                out[n_out] = i + j - 1
                n_out += 1
                detected = True
                break
        if detected:
            i += j
            continue
        fs[TOTAL] = tpost[nb - 1]
        fs[VARIANCE] = vpost[nb - 1]
        fs[WIDTH] = width0 + nb
        ist[TICK] = tick
        _materialize(ist, buckets, seq_t, seq_v, off, arrived, merged, n_levels)
        i = hi
    return n, n_out
