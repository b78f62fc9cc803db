"""Learners by short name, as the CLI and the benchmarks refer to them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from river import base

from stream.errors import UnknownNameError

__all__ = ["LearnerSpec", "describe", "make", "names", "reads_absent_as_missing", "register"]


@dataclass(frozen=True)
class LearnerSpec:
    name: str
    factory: Callable[[], base.MultiLabelClassifier]
    description: str
    absent_is_missing: bool = False


_REGISTRY: dict[str, LearnerSpec] = {}


def register(
    name: str, description: str, *, absent_is_missing: bool = False
) -> Callable[[Callable[[], base.MultiLabelClassifier]], Callable[[], base.MultiLabelClassifier]]:
    """Decorator that registers a zero-argument factory under a short name.

    `absent_is_missing` marks a learner that reads a feature absent from `x` as missing (river's
    trees), so it must be given a sparse stream's zeros explicitly (see `stream.prequential`).
    """

    def wrap(
        factory: Callable[[], base.MultiLabelClassifier],
    ) -> Callable[[], base.MultiLabelClassifier]:
        if name in _REGISTRY:
            raise ValueError(f"learner name {name!r} is registered twice")
        _REGISTRY[name] = LearnerSpec(name, factory, description, absent_is_missing)
        return factory

    return wrap


def _load_all() -> None:
    # Importing the modules that register learners fills the registry.
    from learners import baselines, ihomer, naive_bayes, reference, tree  # noqa: F401


def names() -> list[str]:
    """All registered short names, sorted."""
    _load_all()
    return sorted(_REGISTRY)


def describe() -> list[LearnerSpec]:
    """All registered learners with their one-line descriptions, sorted by name."""
    _load_all()
    return [_REGISTRY[n] for n in sorted(_REGISTRY)]


def make(name: str) -> base.MultiLabelClassifier:
    """A fresh learner for a short name.

    >>> make("no-change")
    NoChange ()
    >>> make("br-hx")
    Traceback (most recent call last):
    ...
    stream.errors.UnknownNameError: unknown learner 'br-hx' (did you mean 'br-ht'?); known: ...
    """
    _load_all()
    spec = _REGISTRY.get(name)
    if spec is None:
        raise UnknownNameError("learner", name, sorted(_REGISTRY))
    return spec.factory()


def reads_absent_as_missing(name: str) -> bool:
    """Whether the learner registered as `name` needs a sparse row's zeros spelled out.

    >>> reads_absent_as_missing("br-ht"), reads_absent_as_missing("mlhat")
    (True, False)
    """
    _load_all()
    spec = _REGISTRY.get(name)
    return spec is not None and spec.absent_is_missing
