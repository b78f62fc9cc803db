"""What the detectors of this package share: array state, the batch input check, and the
update paths of the binary detectors that also warn (DDM, EDDM)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

__all__ = ["BatchUpdateMixin", "KernelStateMixin", "WarningKernelsMixin", "as_values"]


def as_values(xs: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """A batch of input values as a contiguous one-dimensional float64 array.

    >>> as_values([True, 0, 2.5])
    array([1. , 0. , 2.5])
    """
    values = np.ascontiguousarray(xs, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"expected a one-dimensional array of values, got shape {values.shape}")
    return values


class KernelStateMixin:
    """The state of a detector is a few NumPy arrays and plain values, named in `_state_attrs`.

    `state_dict()` copies them out (keys without the leading underscore) and `load_state_dict()`
    puts them back, so a checkpoint can store a detector as arrays plus JSON scalars, without
    pickle. The parameters are not part of the state: rebuild the detector with the same
    parameters (`clone()`), then load its state.
    """

    _state_attrs: ClassVar[tuple[str, ...]] = ()

    def state_dict(self) -> dict[str, Any]:
        """A copy of the detector's state: NumPy arrays and plain Python scalars."""
        state: dict[str, Any] = {}
        for attr in self._state_attrs:
            value = getattr(self, attr)
            state[attr.lstrip("_")] = value.copy() if isinstance(value, np.ndarray) else value
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a state returned by `state_dict()` of a detector with the same parameters."""
        expected = {attr.lstrip("_"): attr for attr in self._state_attrs}
        if set(state) != set(expected):
            raise ValueError(
                f"state keys {sorted(state)} do not match the expected {sorted(expected)}"
            )
        loaded: dict[str, Any] = {}
        for key, attr in expected.items():
            current = getattr(self, attr)
            if isinstance(current, np.ndarray):
                loaded[attr] = np.array(state[key], dtype=current.dtype, copy=True)
            else:
                loaded[attr] = type(current)(state[key])
        self._validate_state(loaded)
        for attr, value in loaded.items():
            setattr(self, attr, value)

    def _validate_state(self, state: Mapping[str, Any]) -> None:
        """Raise `ValueError` unless `state` (by attribute name) fits this detector.

        By default every array must keep its shape.
        """
        for attr, value in state.items():
            current = getattr(self, attr)
            if isinstance(current, np.ndarray) and value.shape != current.shape:
                raise ValueError(f"state {attr!r} has shape {value.shape}, not {current.shape}")


class BatchUpdateMixin:
    """`update_many` for a detector that names its kernel run `_detect_many(values)`.

    `_detect_many` takes a non-empty float64 array and returns the positions (a fresh array) where
    a drift was detected; resetting after a previous drift and `drift_detected` are handled here.
    """

    _drift_detected: bool
    _reset: Callable[[], None]
    _detect_many: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.int64]]

    def update_many(self, xs: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Update the detector with each value of `xs` in turn, in one kernel call.

        Equivalent to calling `update` on each value; afterwards `drift_detected` refers to the
        last value.

        Parameters
        ----------
        xs
            One-dimensional array of input values.

        Returns
        -------
        The positions in `xs` where a drift was detected, in increasing order.

        """
        values = as_values(xs)
        if values.shape[0] == 0:
            return np.empty(0, dtype=np.int64)
        if self._drift_detected:
            self._reset()
        drifts = self._detect_many(values)
        self._drift_detected = bool(drifts.shape[0] > 0 and drifts[-1] == values.shape[0] - 1)
        return drifts


class WarningKernelsMixin:
    """`update`, `update_many` and `update_many_with_warnings` over a detector's two kernels.

    A subclass names `_update_kernel(state, x, *params) -> flags` and
    `_run_kernel(state, values, *params, drifts, warnings) -> (n_drifts, n_warnings)` and gives
    its parameters with `_params()`; the flags are `DRIFT` and `WARNING` bits.
    """

    _update_kernel: ClassVar[Callable[..., Any]]
    _run_kernel: ClassVar[Callable[..., Any]]
    _DRIFT: ClassVar[int]
    _WARNING: ClassVar[int]
    _state: npt.NDArray[np.float64]
    _drift_detected: bool
    _warning_detected: bool

    _params: Callable[[], tuple[Any, ...]]  # the kernels' parameters, given by the detector
    _reset: Callable[[], None]  # river's reset, given by the detector

    def update(self, x: bool | float) -> None:
        """Update the detector with one value.

        Parameters
        ----------
        x
            1 (or True) for an error, 0 (or False) for a correct prediction.

        """
        if self._drift_detected:
            self._reset()
        flags = self._update_kernel(self._state, float(x), *self._params())
        self._drift_detected = bool(flags & self._DRIFT)
        self._warning_detected = bool(flags & self._WARNING)

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
        n_drifts, n_warnings = self._run_kernel(
            self._state, values, *self._params(), drifts, warnings
        )
        last = values.shape[0] - 1
        self._drift_detected = bool(n_drifts > 0 and drifts[n_drifts - 1] == last)
        self._warning_detected = bool(n_warnings > 0 and warnings[n_warnings - 1] == last)
        return drifts[:n_drifts].copy(), warnings[:n_warnings].copy()

    def update_many(self, xs: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Like `update_many_with_warnings`, returning the drift positions only."""
        return self.update_many_with_warnings(xs)[0]
