"""What every detector of this package shares: array state and the batch input check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

__all__ = ["KernelStateMixin", "as_values"]


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
