"""Page-Hinkley, bit-compatible with river 0.26.1's `drift.PageHinkley`, over a Numba kernel."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from river import base

from drift import _kernels as K
from drift.base import BatchUpdateMixin, KernelStateMixin

__all__ = ["PageHinkley"]


class PageHinkley(BatchUpdateMixin, KernelStateMixin, base.DriftDetector):
    """Page-Hinkley method for concept drift detection[^1][^2].

    The test accumulates the deviations of the values from their running mean, faded by
    `alpha` and offset by `delta`, in an increasing and a decreasing sum, and signals a drift
    when a sum moves more than `threshold` away from its extreme (CUSUM), after `min_instances`
    values. `mode` selects increases ("up"), decreases ("down") or both.

    This is river 0.26.1's `river.drift.PageHinkley` on a NumPy array and a Numba kernel, with
    the same arithmetic: same drift indices on the same input.

    Parameters
    ----------
    min_instances
        The minimum number of instances before detecting change.
    delta
        The delta factor for the Page-Hinkley test.
    threshold
        The change detection threshold (lambda).
    alpha
        The forgetting factor, used to weight the observed value and the mean.
    mode
        Whether to consider increases ("up"), decreases ("down") or both ("both") when
        monitoring the fading mean.

    Examples
    --------
    >>> import random
    >>> from drift import PageHinkley

    >>> rng = random.Random(12345)
    >>> ph = PageHinkley()
    >>> data_stream = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    >>> for i, val in enumerate(data_stream):
    ...     ph.update(val)
    ...     if ph.drift_detected:
    ...         print(f"Change detected at index {i}, input value: {val}")
    Change detected at index 1006, input value: 5

    >>> PageHinkley().update_many(data_stream)
    array([1006])

    References
    ----------
    [^1]: E. S. Page. 1954. Continuous Inspection Schemes. Biometrika 41, 1/2 (1954), 100-115.
    [^2]: Sebastião, R., & Fernandes, J. M. (2017, June). Supporting the Page-Hinkley test with
    empirical mode decomposition for change detection. In International Symposium on
    Methodologies for Intelligent Systems (pp. 492-498). Springer, Cham.

    """

    _state_attrs = ("_drift_detected", "_state")

    def __init__(
        self,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        alpha: float = 1 - 0.0001,
        mode: str = "both",
    ) -> None:
        super().__init__()
        self.min_instances = min_instances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        if mode not in K.PH_MODES:
            raise ValueError(f"Invalid 'mode'. Valid values are: {list(K.PH_MODES)}")
        self.mode = mode
        self._reset()

    def _reset(self) -> None:
        super()._reset()
        self._state = np.empty(K.PH_SIZE, dtype=np.float64)
        K.ph_clear(self._state)

    def _params(self) -> tuple[int, float, float, float, int]:
        return (
            int(self.min_instances),
            float(self.delta),
            float(self.threshold),
            float(self.alpha),
            K.PH_MODES[self.mode],
        )

    def update(self, x: float) -> None:
        """Update the detector with one value.

        Parameters
        ----------
        x
            Input value.

        """
        if self._drift_detected:
            self._reset()
        self._drift_detected = bool(K.ph_update_one(self._state, float(x), *self._params()))

    def _detect_many(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        drifts = np.empty(values.shape[0], dtype=np.int64)
        n_drifts = K.ph_run(self._state, values, *self._params(), drifts)
        return drifts[:n_drifts].copy()
