"""The source protocol every stream of multi-label instances follows."""

from __future__ import annotations

import abc
import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np

from stream.schema import Schema

__all__ = ["Instance", "Source"]

Instance = tuple[dict[str, Any], dict[str, bool]]


class Source(abc.ABC):
    """A re-iterable stream of `(x, y)` instances with a schema known up front.

    Each call to `iter(source)` starts the stream again from its first instance, reading
    lazily (constant memory, whatever the stream's length). `y` holds every label of the schema
    with a boolean value.
    """

    @property
    @abc.abstractmethod
    def schema(self) -> Schema:
        """Feature and label names (and the length, when known) of this stream."""

    @abc.abstractmethod
    def __iter__(self) -> Iterator[Instance]:
        """Yield the instances from the first one."""

    def iter_arrays(self, batch_size: int = 1024) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield `(X, Y)` batches: float features (n, n_features), bool labels (n, n_labels).

        Columns follow `schema.feature_names` and `schema.label_names`.
        """
        schema = self.schema
        it = iter(self)
        while batch := list(itertools.islice(it, batch_size)):
            X = np.stack([schema.x_to_array(x) for x, _ in batch])
            Y = np.stack([schema.y_to_array(y) for _, y in batch])
            yield X, Y
