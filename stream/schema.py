"""The schema of a multi-label stream: feature names, nominal values and label names."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Schema"]


@dataclass(frozen=True)
class Schema:
    """What a source yields, known before its first instance.

    Instances are `(x, y)` with `x: dict[str, float | str]` and `y: dict[str, bool]`. A missing
    feature value is an absent key (river's convention, also used for the zeros of sparse rows).
    A nominal feature's value is its category as a string; `nominal` lists the categories, so the
    NumPy path can encode them as category indices.

    Parameters
    ----------
    name
        A short name for the stream (the data set's name).
    feature_names
        Feature names in column order for the NumPy path.
    label_names
        Label names in column order for the NumPy path.
    nominal
        Nominal features and their categories, in declaration order.
    n_instances
        The stream's length when it is known in advance, else None.
    sparse
        True when absent features mean 0 (sparse rows), False when they mean missing.

    Examples
    --------
    >>> s = Schema("toy", ("a", "colour"), ("l1", "l2"), nominal={"colour": ("red", "blue")})
    >>> s.x_to_array({"a": 0.5, "colour": "blue"})
    array([0.5, 1. ])
    >>> s.y_to_array({"l1": True, "l2": False})
    array([ True, False])
    >>> s.array_to_y(np.array([False, True]))
    {'l1': False, 'l2': True}
    """

    name: str
    feature_names: tuple[str, ...]
    label_names: tuple[str, ...]
    nominal: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    n_instances: int | None = None
    sparse: bool = False

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_labels(self) -> int:
        return len(self.label_names)

    def x_to_array(self, x: Mapping[str, Any]) -> np.ndarray:
        """Encode one feature dict as a float row (nominal values as category indices).

        Absent features are 0 in a sparse schema and NaN otherwise.
        """
        fill = 0.0 if self.sparse else math.nan
        row = np.full(self.n_features, fill, dtype=np.float64)
        index = self._feature_index
        codes = self._nominal_codes
        for name, value in x.items():
            j = index.get(name)
            if j is None:
                continue
            if isinstance(value, str):
                row[j] = codes[name].get(value, math.nan) if name in codes else math.nan
            else:
                row[j] = value
        return row

    def densify(self, x: Mapping[str, Any]) -> dict[str, Any]:
        """Every feature of a sparse row: an absent one is 0 (a nominal one, its first category,
        as sparse ARFF means). Rows of a dense schema come back as they are.

        >>> s = Schema("toy", ("a", "b", "c"), ("l",), nominal={"c": ("0", "1")}, sparse=True)
        >>> s.densify({"b": 2.5})
        {'a': 0.0, 'b': 2.5, 'c': '0'}
        """
        if not self.sparse:
            return dict(x)
        defaults = self.__dict__.get("_dense_defaults_cache")
        if defaults is None:
            defaults = {
                f: self.nominal[f][0] if f in self.nominal else 0.0 for f in self.feature_names
            }
            object.__setattr__(self, "_dense_defaults_cache", defaults)
        return {**defaults, **x}

    def y_to_array(self, y: Mapping[str, bool]) -> np.ndarray:
        """Encode one label dict as a boolean row (absent labels are False)."""
        return np.array([bool(y.get(name, False)) for name in self.label_names], dtype=np.bool_)

    def array_to_y(self, row: np.ndarray) -> dict[str, bool]:
        """Decode a boolean row into a label dict."""
        return {name: bool(v) for name, v in zip(self.label_names, row, strict=True)}

    @property
    def _feature_index(self) -> dict[str, int]:
        cached = self.__dict__.get("_feature_index_cache")
        if cached is None:
            cached = {name: j for j, name in enumerate(self.feature_names)}
            object.__setattr__(self, "_feature_index_cache", cached)
        return cached

    @property
    def _nominal_codes(self) -> dict[str, dict[str, int]]:
        cached = self.__dict__.get("_nominal_codes_cache")
        if cached is None:
            cached = {f: {v: i for i, v in enumerate(vals)} for f, vals in self.nominal.items()}
            object.__setattr__(self, "_nominal_codes_cache", cached)
        return cached
