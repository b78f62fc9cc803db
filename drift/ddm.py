"""DDM, bit-compatible with river 0.26.1's `drift.binary.DDM`, over a Numba kernel."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from river import base

from drift import _kernels as K
from drift.base import KernelStateMixin, as_values

__all__ = ["DDM"]


class DDM(KernelStateMixin, base.BinaryDriftAndWarningDetector):
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

    def update(self, x: bool | float) -> None:
        """Update the detector with one value.

        Parameters
        ----------
        x
            1 (or True) for an error, 0 (or False) for a correct prediction.

        """
        if self._drift_detected:
            self._reset()
        flags = K.ddm_update_one(self._state, float(x), *self._params())
        self._drift_detected = bool(flags & K.DRIFT)
        self._warning_detected = bool(flags & K.WARNING)

    def update_many_with_warnings(
        self, xs: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Update the detector with each value of `xs` in turn, in one kernel call.

        Equivalent to calling `update` on each value; afterwards `drift_detected` and
        `warning_detected` refer to the last value.

        Parameters
        ----------
        xs
            One-dimensional array of 0/1 values.

        Returns
        -------
        The positions in `xs` after whose update `drift_detected` was true, and those after whose
        update `warning_detected` was true, both in increasing order.

        """
        values = as_values(xs)
        if values.shape[0] == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        if self._drift_detected:
            self._reset()
        drifts = np.empty(values.shape[0], dtype=np.int64)
        warnings = np.empty(values.shape[0], dtype=np.int64)
        n_drifts, n_warnings = K.ddm_run(self._state, values, *self._params(), drifts, warnings)
        last = values.shape[0] - 1
        self._drift_detected = bool(n_drifts > 0 and drifts[n_drifts - 1] == last)
        self._warning_detected = bool(n_warnings > 0 and warnings[n_warnings - 1] == last)
        return drifts[:n_drifts].copy(), warnings[:n_warnings].copy()

    def update_many(self, xs: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Like `update_many_with_warnings`, returning the drift positions only."""
        return self.update_many_with_warnings(xs)[0]
