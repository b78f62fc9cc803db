"""DDM, bit-compatible with river 0.26.1's `drift.binary.DDM`, over a Numba kernel."""

from __future__ import annotations

import numpy as np
from river import base

from drift import _kernels as K
from drift.base import KernelStateMixin, WarningKernelsMixin

__all__ = ["DDM"]


class DDM(WarningKernelsMixin, KernelStateMixin, base.BinaryDriftAndWarningDetector):
    r"""Drift Detection Method[^1].

    DDM monitors the error rate $p_i$ of a learner and its standard deviation
    $s_i = \sqrt{p_i (1 - p_i) / i}$, remembers $p_{min}$ and $s_{min}$ where $p_i + s_i$ was
    smallest, and after `warm_start` values signals a warning when
    $p_i + s_i > p_{min} + w_l s_{min}$ and a drift when $p_i + s_i > p_{min} + d_l s_{min}$.

    **Input:** `x` is 1 for an error and 0 for a correct prediction.

    This is river 0.26.1's `river.drift.binary.DDM` on a NumPy array and a Numba kernel, with
    the same arithmetic: same drift and warning indices on the same input.

    Parameters
    ----------
    warm_start
        The minimum number of analysed samples before change can be detected.
    warning_threshold
        Threshold to decide if the detector is in a warning zone. The default gives 95% of
        confidence to the warning assessment.
    drift_threshold
        Threshold to decide if a drift was detected. The default gives 99% of confidence to the
        drift assessment.

    Examples
    --------
    >>> import random
    >>> from drift import DDM

    >>> rng = random.Random(42)
    >>> ddm = DDM()
    >>> data_stream = rng.choices([0, 1], k=1000)
    >>> data_stream = data_stream + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])
    >>> print_warning = True
    >>> for i, x in enumerate(data_stream):
    ...     ddm.update(x)
    ...     if ddm.warning_detected and print_warning:
    ...         print(f"Warning detected at index {i}")
    ...         print_warning = False
    ...     if ddm.drift_detected:
    ...         print(f"Change detected at index {i}")
    ...         print_warning = True
    Warning detected at index 1084
    Change detected at index 1334
    Warning detected at index 1492

    The batch path returns the drift positions, and the warning positions on request:

    >>> drifts, warnings = DDM().update_many_with_warnings(data_stream)
    >>> drifts, warnings[:3]
    (array([1334]), array([1084, 1086, 1087]))

    References
    ----------
    [^1]: João Gama, Pedro Medas, Gladys Castillo, Pedro Pereira Rodrigues: Learning with Drift
    Detection. SBIA 2004: 286-295

    """

    _state_attrs = ("_drift_detected", "_warning_detected", "_state")

    _update_kernel = staticmethod(K.ddm_update_one)
    _run_kernel = staticmethod(K.ddm_run)
    _DRIFT = K.DRIFT
    _WARNING = K.WARNING

    def __init__(
        self, warm_start: int = 30, warning_threshold: float = 2.0, drift_threshold: float = 3.0
    ) -> None:
        super().__init__()
        self.warm_start = warm_start
        self.warning_threshold = warning_threshold
        self.drift_threshold = drift_threshold
        self._reset()

    def _reset(self) -> None:
        super()._reset()
        self._state = np.empty(K.DDM_SIZE, dtype=np.float64)
        K.ddm_clear(self._state)

    def _params(self) -> tuple[int, float, float]:
        return int(self.warm_start), float(self.warning_threshold), float(self.drift_threshold)
