"""EDDM, bit-compatible with river 0.26.1's `drift.binary.EDDM`, over a Numba kernel."""

from __future__ import annotations

import numpy as np
from river import base

from drift import _kernels as K
from drift.base import KernelStateMixin, WarningKernelsMixin

__all__ = ["EDDM"]


class EDDM(WarningKernelsMixin, KernelStateMixin, base.BinaryDriftAndWarningDetector):
    r"""Early Drift Detection Method[^1].

    EDDM tracks the mean $p'_i$ and standard deviation $s'_i$ of the distance between two
    consecutive errors, and the values $p'_{max}$, $s'_{max}$ where $p'_i + 2 s'_i$ was largest.
    Once both `warm_start` values and `warm_start` errors were seen, at each error it signals a
    warning when $(p'_i + 2 s'_i) / (p'_{max} + 2 s'_{max}) < \alpha$ and a drift when the ratio
    is below $\beta$.

    **Input:** `x` is 1 for an error and 0 for a correct prediction.

    This is river 0.26.1's `river.drift.binary.EDDM` on a NumPy array and a Numba kernel, with
    the same arithmetic: same drift and warning indices on the same input. As in river, the
    warning flag keeps its value between errors and through a drift.

    Parameters
    ----------
    warm_start
        The minimum number of monitored values and of errors before change can be detected.
    alpha
        Threshold for triggering a warning, in [0, 1]. The smaller, the more conservative.
    beta
        Threshold for triggering a drift, in [0, 1], at most `alpha`. The smaller, the more
        conservative.

    Examples
    --------
    >>> import random
    >>> from drift import EDDM

    >>> rng = random.Random(42)
    >>> eddm = EDDM(alpha=0.8, beta=0.75)
    >>> data_stream = rng.choices([0, 1], k=1000)
    >>> data_stream = data_stream + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])
    >>> print_warning = True
    >>> for i, x in enumerate(data_stream):
    ...     eddm.update(x)
    ...     if eddm.warning_detected and print_warning:
    ...         print(f"Warning detected at index {i}")
    ...         print_warning = False
    ...     if eddm.drift_detected:
    ...         print(f"Change detected at index {i}")
    ...         print_warning = True
    Warning detected at index 1059
    Change detected at index 1278

    >>> EDDM(alpha=0.8, beta=0.75).update_many(data_stream)
    array([1278])

    References
    ----------
    [^1]: Early Drift Detection Method. Manuel Baena-Garcia, Jose Del Campo-Avila, Raúl
    Fidalgo, Albert Bifet, Ricard Gavalda, Rafael Morales-Bueno. In Fourth International
    Workshop on Knowledge Discovery from Data Streams, 2006.

    """

    _state_attrs = ("_drift_detected", "_warning_detected", "_state")

    _update_kernel = staticmethod(K.eddm_update_one)
    _run_kernel = staticmethod(K.eddm_run)
    _DRIFT = K.DRIFT
    _WARNING = K.WARNING

    def __init__(self, warm_start: int = 30, alpha: float = 0.95, beta: float = 0.9) -> None:
        super().__init__()
        self.warm_start = warm_start
        if alpha < beta:
            raise ValueError("'alpha' must be greater or equal to 'beta'.")
        self.alpha = alpha
        self.beta = beta
        self._reset()

    def _reset(self) -> None:
        super()._reset()
        self._state = np.empty(K.EDDM_SIZE, dtype=np.float64)
        K.eddm_clear(self._state)

    def _params(self) -> tuple[int, float, float, float]:
        # 0.5 goes in as an argument: see drift._kernels on `x ** 0.5`
        return int(self.warm_start), float(self.alpha), float(self.beta), 0.5
