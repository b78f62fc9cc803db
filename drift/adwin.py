"""ADWIN, bit-compatible with river 0.26.1's `drift.ADWIN`, over Numba kernels."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from river import base

from drift._jit_cache import drop_stale_cache

_HERE = Path(__file__).parent
drop_stale_cache(
    [_HERE / "_adwin_batch.py"], [_HERE / "_adwin_batch.py", _HERE / "_adwin_kernels.py"]
)

from drift import _adwin_batch as batch  # noqa: E402
from drift import _adwin_kernels as K  # noqa: E402
from drift.base import BatchUpdateMixin, KernelStateMixin  # noqa: E402

__all__ = ["ADWIN"]


class ADWIN(BatchUpdateMixin, KernelStateMixin, base.DriftDetector):
    r"""Adaptive Windowing method for concept drift detection[^1].

    ADWIN keeps a variable-length window of recent values, compressed into exponential buckets
    (ADWIN2: at most `max_buckets` + 1 buckets of each size $2^i$). Every `clock` updates, it
    tests every cut of the window into an older part $W_0$ and a newer part $W_1$, and drops the
    oldest bucket while $|\hat\mu_{W_0} - \hat\mu_{W_1}|$ exceeds a Bernstein-type bound at
    significance `delta`.

    This is river 0.26.1's `river.drift.ADWIN` reimplemented on NumPy arrays and Numba kernels,
    with the same arithmetic in the same order: on the same input and parameters it detects drifts
    at the same indices, and `width`, `total`, `variance` and `estimation` are the same floats.
    Like river, the update that follows a detection first empties the whole window (`_reset`), so
    `n_detections` counts the detections since the last reset (0 or 1), and `variance` is the
    sum of squared deviations in the window, not divided by the width.

    `update_many` is the fast path (about 28x river's updates per second at the default `clock`,
    8x with `clock=1`; `benchmarks/bench_drift.py` measures it; `drift._adwin_batch` explains
    how). `update` costs a Numba dispatch per value, about 0.3 µs, which is more than river's
    Rust `update`. With `max_buckets=1`, where river 0.26.1
    panics at the first deletion that meets an empty level, empty levels are dropped instead.

    Parameters
    ----------
    delta
        Significance value.
    clock
        How often ADWIN checks for changes: 1 means at every value. Must be at least 1.
    max_buckets
        The maximum number of buckets of each size kept before the two oldest are merged.
        Must be at least 1.
    min_window_length
        The minimum length of both sub-windows for a cut to be tested.
    grace_period
        ADWIN does not test for changes until its window holds more than this many values.

    Examples
    --------
    >>> import random
    >>> from drift import ADWIN

    >>> rng = random.Random(12345)
    >>> adwin = ADWIN()
    >>> data_stream = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    >>> for i, val in enumerate(data_stream):
    ...     adwin.update(val)
    ...     if adwin.drift_detected:
    ...         print(f"Change detected at index {i}, input value: {val}")
    Change detected at index 1023, input value: 4

    The batch path gives the same indices in one kernel call:

    >>> ADWIN().update_many(data_stream)
    array([1023])

    References
    ----------
    [^1]: Albert Bifet and Ricard Gavalda. "Learning from time-changing data with adaptive
    windowing." In Proceedings of the 2007 SIAM international conference on data mining,
    pp. 443-448. Society for Industrial and Applied Mathematics, 2007.

    """

    _state_attrs = ("_drift_detected", "_fs", "_ist", "_buckets")
    _INITIAL_LEVELS = 16

    def __init__(
        self,
        delta: float = 0.002,
        clock: int = 32,
        max_buckets: int = 5,
        min_window_length: int = 5,
        grace_period: int = 10,
    ) -> None:
        super().__init__()
        if clock < 1:
            raise ValueError(f"clock must be at least 1, got {clock}")
        if max_buckets < 1:
            raise ValueError(f"max_buckets must be at least 1, got {max_buckets}")
        self.delta = delta
        self.clock = clock
        self.max_buckets = max_buckets
        self.min_window_length = min_window_length
        self.grace_period = grace_period
        self._reset()

    def _reset(self) -> None:
        super()._reset()
        self._fs = np.zeros(K.F_SIZE, dtype=np.float64)
        self._fs[K.DELTA] = self.delta
        self._fs[K.MIN_WINDOW_LENGTH] = self.min_window_length
        self._fs[K.GRACE_PERIOD] = self.grace_period
        self._ist = np.zeros(K.I_HEAD + self._INITIAL_LEVELS, dtype=np.int64)
        self._ist[K.CLOCK] = self.clock
        self._ist[K.MAX_BUCKETS] = self.max_buckets
        self._ist[K.N_LEVELS] = 1
        self._buckets = np.zeros((2, self._INITIAL_LEVELS, self.max_buckets + 1), dtype=np.float64)

    def _grow(self) -> None:
        """Double the number of bucket levels the arrays can hold."""
        _, levels, size = self._buckets.shape
        buckets = np.zeros((2, 2 * levels, size), dtype=np.float64)
        buckets[:, :levels] = self._buckets
        ist = np.zeros(K.I_HEAD + 2 * levels, dtype=np.int64)
        ist[: self._ist.shape[0]] = self._ist
        self._buckets, self._ist = buckets, ist

    def _validate_state(self, state: Mapping[str, Any]) -> None:
        fs, ist, buckets = state["_fs"], state["_ist"], state["_buckets"]
        levels = buckets.shape[1] if buckets.ndim == 3 else -1
        if (
            fs.shape != (K.F_SIZE,)
            or buckets.shape != (2, levels, self.max_buckets + 1)
            or ist.shape != (K.I_HEAD + levels,)
        ):
            raise ValueError("the ADWIN state arrays do not have consistent shapes")
        params = (fs[K.DELTA], fs[K.MIN_WINDOW_LENGTH], fs[K.GRACE_PERIOD], ist[K.CLOCK])
        if params != (self.delta, self.min_window_length, self.grace_period, self.clock):
            raise ValueError("the state comes from an ADWIN with other parameters")

    @property
    def width(self) -> float:
        """Window size."""
        return float(self._fs[K.WIDTH])

    @property
    def n_detections(self) -> int:
        """The number of detected changes since the last reset."""
        return int(self._ist[K.N_DETECTIONS])

    @property
    def variance(self) -> float:
        """The sum of squared deviations from the mean in the window (what river returns)."""
        return float(self._fs[K.VARIANCE])

    @property
    def total(self) -> float:
        """The sum of the values in the window."""
        return float(self._fs[K.TOTAL])

    @property
    def estimation(self) -> float:
        """Estimate of the mean of the window."""
        width = self.width
        return 0.0 if width == 0 else self.total / width

    def update(self, x: float) -> None:
        """Update the detector with one value.

        Parameters
        ----------
        x
            Input value.

        """
        if self._drift_detected:
            self._reset()
        result = K.update_one(self._fs, self._ist, self._buckets, float(x))
        if result < 0:
            self._grow()
            result = K.update_one(self._fs, self._ist, self._buckets, float(x))
        self._drift_detected = result == 1

    def _detect_many(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        out = np.empty(values.shape[0], dtype=np.int64)
        stop, n_out = batch.run(self._fs, self._ist, self._buckets, values, 0, out, 0)
        while stop < values.shape[0]:
            self._grow()
            stop, n_out = batch.run(self._fs, self._ist, self._buckets, values, stop, out, n_out)
        return out[:n_out].copy()
