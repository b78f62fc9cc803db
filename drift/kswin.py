"""KSWIN, detection-for-detection compatible with river 0.26.1's `drift.KSWIN`."""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt
from river import base
from scipy import stats

from drift import _kswin_kernels as K
from drift.base import BatchUpdateMixin, KernelStateMixin, as_values

__all__ = ["KSWIN"]

# SciPy's ks_2samp(method="auto") is exact up to this sample size, asymptotic above
_MAX_EXACT = 10000


@functools.lru_cache(maxsize=16)
def _ks_pvalues(r: int) -> npt.NDArray[np.float64]:
    """The p-value SciPy's `ks_2samp(method="auto")` gives two samples of size `r` whose
    statistic is `h / r`, for `h = 0..r` (read-only)."""
    if r <= _MAX_EXACT:
        table = K.ks_pvalues_exact(r)
    else:
        table = np.full(r + 1, np.nan)
        table[0] = 1.0
    # where the exact method gives up, SciPy falls back on kstwo with n = round(r * r / (2 r))
    fallback = np.isnan(table)
    if fallback.any():
        m = n = float(r)
        h = np.flatnonzero(fallback)
        table[h] = stats.kstwo.sf(h * 1.0 / r, np.round(m * n / (m + n)))
    table = np.clip(table, 0.0, 1.0)
    table.flags.writeable = False
    return table


def _sample_setsize(k: int) -> int:
    """CPython's `Random.sample` threshold between its pool and its set branches."""
    setsize = 21
    if k > 5:
        setsize += 4 ** math.ceil(math.log(k * 3, 4))
    return setsize


def _generator_state(seed: int | None) -> npt.NDArray[np.int64]:
    """`ist` words `MT_POS` onwards of a fresh `random.Random(seed)`."""
    words = random.Random(seed).getstate()[1]  # noqa: S311 - reproducing river, not security
    state = np.zeros(K.I_SIZE, dtype=np.int64)
    state[K.MT : K.MT + K.MT_WORDS] = words[: K.MT_WORDS]
    state[K.MT_POS] = words[K.MT_WORDS]
    return state


class KSWIN(BatchUpdateMixin, KernelStateMixin, base.DriftDetector):
    r"""Kolmogorov-Smirnov Windowing method for concept drift detection[^1].

    KSWIN keeps a sliding window $\Psi$ of the last `window_size` values. Once it is full, at
    every update it draws `stat_size` values uniformly without replacement from the oldest
    `window_size - stat_size` ones and runs a two-sample Kolmogorov-Smirnov test between them and
    the `stat_size` newest values; a drift is signalled when the p-value is at most `alpha` and
    the statistic exceeds 0.1.

    This is river 0.26.1's `river.drift.KSWIN` on NumPy arrays and Numba kernels. The draws
    reproduce CPython's `random.Random(seed).sample` and the p-values SciPy's
    `ks_2samp(method="auto")`, so with the same `seed` it detects drifts at the same indices and
    `p_value` is the same float. (For `stat_size` above 10,000, where SciPy switches to an
    asymptotic distribution evaluated at a statistic that may differ from `h / stat_size` in the
    last bit, `p_value` may differ in the last digits.)

    Differences from river: the `window` parameter is stored unchanged (river overwrites it with
    its current window, so river's `clone()` copies the current data and ours the initial data);
    the window is exposed by `state_dict()` rather than as an attribute; `stat_size` must be at
    most half of `window_size` (river raises on the first full window otherwise); with
    `seed=None`, `update_many` continues the random sequence after a drift where river draws a
    fresh one (the distribution of the draws is the same).

    Parameters
    ----------
    alpha
        Probability for the test statistic of the Kolmogorov-Smirnov test. Very sensitive: should
        be set below 0.01.
    window_size
        Size of the sliding window.
    stat_size
        Size of the statistic window.
    seed
        Random seed for reproducibility.
    window
        Already collected data to avoid a cold start (its last `window_size` values are used).

    Examples
    --------
    >>> import random
    >>> from drift import KSWIN

    >>> rng = random.Random(12345)
    >>> kswin = KSWIN(alpha=0.0001, seed=42)
    >>> data_stream = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    >>> for i, val in enumerate(data_stream):
    ...     kswin.update(val)
    ...     if kswin.drift_detected:
    ...         print(f"Change detected at index {i}, input value: {val}")
    Change detected at index 1016, input value: 6

    >>> KSWIN(alpha=0.0001, seed=42).update_many(data_stream)
    array([1016])

    References
    ----------
    [^1]: Christoph Raab, Moritz Heusinger, Frank-Michael Schleif, Reactive Soft Prototype
    Computing for Concept Drift Streams, Neurocomputing, 2020.

    """

    _state_attrs = ("_drift_detected", "_window", "_ist", "_fs")

    def __init__(
        self,
        alpha: float = 0.005,
        window_size: int = 100,
        stat_size: int = 30,
        seed: int | None = None,
        window: Iterable[float] | None = None,
    ) -> None:
        super().__init__()
        if alpha < 0 or alpha > 1:
            raise ValueError("Alpha must be between 0 and 1.")
        if window_size < 0:
            raise ValueError("window_size must be greater than 0.")
        if window_size < stat_size:
            raise ValueError("stat_size must be smaller than window_size.")
        if stat_size < 1 or 2 * stat_size > window_size:
            raise ValueError(
                "stat_size must be at least 1 and at most half of window_size "
                "(stat_size values are sampled from the window_size - stat_size oldest ones)."
            )
        self.alpha = alpha
        self.window_size = window_size
        self.stat_size = stat_size
        self.seed = seed
        self.window = window
        self._p_values = _ks_pvalues(stat_size)
        self._setsize = _sample_setsize(stat_size)
        self._reset()
        if window is not None:
            initial = as_values(list(window))[-window_size:]
            for value in initial:
                K.append(self._window, self._ist, float(value))

    def _reset(self) -> None:
        super()._reset()
        self._initial_ist = _generator_state(self.seed)
        self._window = np.zeros(self.window_size, dtype=np.float64)
        self._ist = self._initial_ist.copy()
        self._fs = np.zeros(K.F_SIZE, dtype=np.float64)

    @property
    def p_value(self) -> float:
        """The p-value of the last test (0 before the window is first full)."""
        return float(self._fs[K.P_VALUE])

    @property
    def n(self) -> int:
        """The number of values seen since the last reset."""
        return int(self._ist[K.N])

    def _detect_many(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        drifts = np.empty(values.shape[0], dtype=np.int64)
        n_drifts = K.run(
            self._window, self._ist, self._fs, values,
            float(self.alpha), int(self.stat_size), self._setsize, self._p_values,
            self._initial_ist, self.seed is not None, drifts,
        )  # fmt: skip
        return drifts[:n_drifts].copy()

    def update(self, x: float) -> None:
        """Update the detector with one value.

        Parameters
        ----------
        x
            New value of the sliding window.

        """
        if self._drift_detected:
            self._reset()
        self._drift_detected = self._detect_many(np.array([x], dtype=np.float64)).shape[0] > 0
