"""Learners by short name, as the CLI and the benchmarks refer to them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from river import base

from stream.errors import UnknownNameError

__all__ = [
    "LearnerSpec",
    "canonical",
    "describe",
    "make",
    "names",
    "reads_absent_as_missing",
    "register",
]


@dataclass(frozen=True)
class LearnerSpec:
    name: str
    factory: Callable[[], base.MultiLabelClassifier]
    description: str
    absent_is_missing: bool = False
    aliases: tuple[str, ...] = ()


_REGISTRY: dict[str, LearnerSpec] = {}
_ALIASES: dict[str, str] = {}  # alias -> registered name


def register(
    name: str,
    description: str,
    *,
    absent_is_missing: bool = False,
    aliases: tuple[str, ...] = (),
) -> Callable[[Callable[[], base.MultiLabelClassifier]], Callable[[], base.MultiLabelClassifier]]:
    """Decorator that registers a zero-argument factory under a short name.

    `absent_is_missing` marks a learner that reads a feature absent from `x` as missing (river's
    trees), so it must be given a sparse stream's zeros explicitly (see `stream.prequential`).
    `aliases` are other names for the same learner (older names kept working): `make` and
    `reads_absent_as_missing` accept them, `names` lists only `name`.
    """

    def wrap(
        factory: Callable[[], base.MultiLabelClassifier],
    ) -> Callable[[], base.MultiLabelClassifier]:
        for new in (name, *aliases):
            if new in _REGISTRY or new in _ALIASES:
                raise ValueError(f"learner name {new!r} is registered twice")
        _REGISTRY[name] = LearnerSpec(name, factory, description, absent_is_missing, aliases)
        _ALIASES.update(dict.fromkeys(aliases, name))
        return factory

    return wrap


def _load_all() -> None:
    # Importing the modules that register learners fills the registry.
    from learners import baselines, ihomer, naive_bayes, reference, tree  # noqa: F401


def names() -> list[str]:
    """All registered short names, sorted (aliases left out: see `canonical`)."""
    _load_all()
    return sorted(_REGISTRY)


def canonical(name: str) -> str:
    """The registered name `name` stands for: itself, or the name it is an alias of.

    >>> canonical("br-ht"), canonical("river-br-ht"), canonical("nope")
    ('river-br-ht', 'river-br-ht', 'nope')
    """
    _load_all()
    return _ALIASES.get(name, name)


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
    spec = _REGISTRY.get(canonical(name))
    if spec is None:
        raise UnknownNameError("learner", name, sorted([*_REGISTRY, *_ALIASES]))
    return spec.factory()


def reads_absent_as_missing(name: str) -> bool:
    """Whether the learner registered as `name` needs a sparse row's zeros spelled out.

    >>> reads_absent_as_missing("br-ht"), reads_absent_as_missing("river-br-lr")
    (True, False)
    """
    spec = _REGISTRY.get(canonical(name))
    return spec is not None and spec.absent_is_missing
