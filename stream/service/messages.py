"""The service's messages (DESIGN.md §3): decode and validate inputs, encode predictions.

An input message is UTF-8 JSON, `{"id": str | int (optional), "x": {feature: value},
"y": [label, ...] | null (optional)}`:

- `x` maps feature names to numbers. A string is a nominal category (river's convention, also
  what `ihomer produce` sends for nominal attributes); `null` means missing, like an absent key.
  Booleans, lists, objects and non-finite numbers are refused.
- `y` lists the labels that are on (strings or integers; duplicates count once). A message
  without `y`, or with `"y": null`, is only predicted; `"y": []` is labelled with no label on.
- Other top-level fields are ignored, so producers may add their own (timestamps, sources).
- With a fixed feature set (`features`), a feature outside it is refused (`unknown-feature`):
  the learner would otherwise grow silently on a producer's typo. Without one (the default),
  new features are welcome, as in river.

Every refusal is an `InvalidMessage` with a short `reason` code (for the dead-letter headers
and the metrics' labels) and a human `detail`.

A prediction is `{"id", "labels": [...], "scores": {label: p}, "model_version"}`: `labels` are
the labels predicted on, `scores` the probability of every label the model knows (JSON object
keys are strings, so an integer label is a string there) and `model_version` the number of
labelled instances the model had learned when it predicted.

Examples
--------
>>> codec = MessageCodec()
>>> codec.decode(b'{"id": 7, "x": {"a": 1.5, "b": null}, "y": ["l1", "l1", 3]}')
Event(id=7, x={'a': 1.5}, y=('l1', 3))
>>> codec.decode(b'{"x": {"a": true}}')
Traceback (most recent call last):
...
stream.service.messages.InvalidMessage: bad-feature-value: x['a'] is a bool, not a number
>>> encode_prediction(7, ["l1"], {"l1": 0.75, 3: 0.25}, 120)
b'{"id":7,"labels":["l1"],"scores":{"l1":0.75,"3":0.25},"model_version":120}'
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

__all__ = [
    "REASONS",
    "Event",
    "InvalidMessage",
    "MessageCodec",
    "PredictionEncoder",
    "encode_prediction",
]

REASONS: dict[str, str] = {
    "empty": "a message without a value (a tombstone)",
    "too-large": "larger than the maximum message size",
    "not-utf8": "bytes that are not UTF-8",
    "invalid-json": "not valid JSON (NaN and Infinity are not JSON)",
    "not-an-object": "the JSON value is not an object",
    "bad-id": "id is not a string or an integer",
    "bad-x": "x is missing or not an object",
    "bad-feature-value": "a feature value is not a number (or a nominal string)",
    "unknown-feature": "a feature outside the fixed feature set",
    "bad-y": "y is not a list (or null)",
    "bad-label": "a label is not a string or an integer",
}
"""Every refusal reason, with what it means."""

DEFAULT_MAX_BYTES = 1_048_576


class InvalidMessage(ValueError):
    """A message that cannot be decoded or validated.

    Parameters
    ----------
    reason
        A short code, one of `REASONS`.
    detail
        What exactly is wrong, for people.
    """

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


@dataclass(frozen=True, slots=True)
class Event:
    """One decoded message: its id, features and (when labelled) the labels that are on."""

    id: str | int | None
    x: dict[str, float | str]
    y: tuple[str | int, ...] | None = None

    @property
    def labelled(self) -> bool:
        return self.y is not None


_NUMBERS = frozenset({float, int})


def _finite_sum(values: Iterable[float]) -> bool:
    """Whether the numbers' sum is finite, which they then all are (an inf or a NaN among them
    makes it inf or NaN). False also when the sum overflows: the caller then looks at each.

    >>> _finite_sum([1.0, 2]), _finite_sum([1.0, float("inf")]), _finite_sum([1e308, 1e308])
    (True, False, False)
    """
    try:
        total = sum(values)
    except OverflowError:  # an int too large for a float
        return False
    return math.isfinite(total)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODE = json.JSONDecoder(parse_constant=_reject_constant).decode  # made once, not per message
_FAST_DECODE = orjson.loads
_FAST_ENCODE = orjson.dumps


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


class MessageCodec:
    """Decode and validate input messages.

    Parameters
    ----------
    max_bytes
        Larger messages are refused (`too-large`) before they are decoded.
    features
        The fixed feature set, if any: other feature names are refused (`unknown-feature`).
    nominal
        Accept strings as nominal feature values. When False, only numbers are.
    """

    def __init__(
        self,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        features: Collection[str] | None = None,
        nominal: bool = True,
    ) -> None:
        self.max_bytes = max_bytes
        self.features = None if features is None else frozenset(features)
        self.nominal = nominal

    def decode(self, value: bytes | None) -> Event:
        """The event in a message's value, or `InvalidMessage`.

        orjson parses the message (2-3 times faster than the standard library); a message it
        refuses, or whose content the validation refuses, is decoded again by the standard
        library's parser, whose verdict is final. So the refusals and their reasons are the
        standard library's; the only difference on accepted messages is that an integer
        feature value beyond 64 bits is read as the nearest float (learners read it so).
        """
        if value is None:
            raise InvalidMessage("empty", "the message has no value")
        if len(value) > self.max_bytes:
            raise InvalidMessage("too-large", f"{len(value)} bytes > {self.max_bytes}")
        try:
            return self._validate(_FAST_DECODE(value), finite=True)  # orjson has no NaN, inf
        except (ValueError, RecursionError):  # orjson's JSONDecodeError or an InvalidMessage
            pass
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidMessage("not-utf8", str(exc)) from None
        try:
            doc = _DECODE(text)
        except (ValueError, RecursionError) as exc:
            raise InvalidMessage("invalid-json", str(exc)[:200]) from None
        return self.validate(doc)

    def validate(self, doc: Any) -> Event:
        """The event in an already parsed JSON document, or `InvalidMessage`."""
        return self._validate(doc, finite=False)

    def _validate(self, doc: Any, *, finite: bool) -> Event:
        """`validate`; `finite`: the document's floats are known to be finite."""
        if type(doc) is not dict:
            raise InvalidMessage("not-an-object", f"the message is a JSON {_kind(doc)}")
        ident = doc.get("id")
        if ident is not None and type(ident) not in (str, int):
            raise InvalidMessage("bad-id", f"id is a {_kind(ident)}")
        return Event(ident, self._features(doc.get("x"), finite), self._labels(doc.get("y")))

    def _features(self, x: Any, finite: bool) -> dict[str, float | str]:
        if type(x) is not dict:
            raise InvalidMessage("bad-x", "x is missing" if x is None else f"x is a {_kind(x)}")
        kinds = set(map(type, x.values()))
        if kinds <= _NUMBERS and (finite or float not in kinds or _finite_sum(x.values())):
            kinds.clear()  # the common case, checked at C speed: finite numbers only
        clean = True
        for name, v in x.items() if kinds else ():
            t = type(v)
            if t is float:
                if not math.isfinite(v):  # only reachable through validate(), not decode()
                    raise InvalidMessage("bad-feature-value", f"x[{name!r}] is {v}")
            elif t is not int and not (t is str and self.nominal):
                if v is None:
                    clean = False
                    continue
                raise InvalidMessage(
                    "bad-feature-value", f"x[{name!r}] is a {_kind(v)}, not a number"
                )
        if self.features is not None and not self.features.issuperset(x):
            unknown = sorted(set(x) - self.features)
            shown = ", ".join(repr(n) for n in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
            raise InvalidMessage("unknown-feature", f"unknown feature(s) {shown}")
        if clean:
            return x
        return {name: v for name, v in x.items() if v is not None}

    @staticmethod
    def _labels(y: Any) -> tuple[str | int, ...] | None:
        if y is None:
            return None
        if type(y) is not list:
            raise InvalidMessage("bad-y", f"y is a {_kind(y)}, not a list")
        for label in y:
            if type(label) not in (str, int):
                raise InvalidMessage("bad-label", f"label {label!r} is a {_kind(label)}")
        return tuple(dict.fromkeys(y))


def encode_prediction(
    ident: str | int | None,
    labels: Iterable[Hashable],
    scores: Mapping[Hashable, float],
    model_version: int,
) -> bytes:
    """The prediction message for one event (see the module docstring).

    A non-finite score (which JSON cannot hold) is written as null. orjson writes the message
    (10 times faster than the standard library, whose float formatting dominates); what it
    cannot write (an integer beyond 64 bits, a string with a lone surrogate) the standard
    library does. Either way the JSON holds the same values.
    """
    named = {label if type(label) is str else str(label): p for label, p in scores.items()}
    doc: dict[str, Any] = {
        "id": ident,
        "labels": list(labels),
        "scores": named,
        "model_version": model_version,
    }
    try:
        return _FAST_ENCODE(doc)  # NaN and infinities become null
    except TypeError:  # orjson.JSONEncodeError
        pass
    try:
        return json.dumps(doc, separators=(",", ":"), allow_nan=False).encode()
    except ValueError:  # a learner gave a non-finite score: JSON has no NaN, send null
        doc["scores"] = {k: p if math.isfinite(p) else None for k, p in named.items()}
        return json.dumps(doc, separators=(",", ":"), allow_nan=False).encode()


class PredictionEncoder:
    """`encode_prediction` for the rows of a probability matrix.

    Row `i` gives the bytes `encode_prediction(idents[i], ...)` would, with the labels whose
    probability is not NaN (NaN: the model did not know the label then) as its scores and those
    `on` as its labels.

    >>> import numpy as np
    >>> enc = PredictionEncoder()
    >>> enc.encode_many([7, "a"], ["l1", 3], np.array([[0.75, np.nan], [0.5, 0.25]]),
    ...                 np.array([[True, False], [False, True]]), [120, 121])
    [b'{"id":7,"labels":["l1"],"scores":{"l1":0.75},"model_version":120}', \
b'{"id":"a","labels":[3],"scores":{"l1":0.5,"3":0.25},"model_version":121}']
    """

    def encode_many(
        self,
        idents: Sequence[str | int | None],
        labels: Sequence[Hashable],
        proba: np.ndarray,
        on: np.ndarray,
        model_versions: Sequence[int],
    ) -> list[bytes]:
        names: list[Hashable] = [label if type(label) is str else str(label) for label in labels]
        unknown = np.isnan(proba).any(axis=1).tolist()
        dumps = _FAST_ENCODE
        compress = itertools.compress
        out = []
        rows = zip(idents, proba.tolist(), on.tolist(), model_versions, unknown, strict=True)
        for ident, scores, flags, version, partial in rows:
            named: dict[Hashable, float]
            if partial:
                named = {k: p for k, p in zip(names, scores, strict=True) if p == p}
            else:
                named = dict(zip(names, scores, strict=True))
            chosen = list(compress(labels, flags))
            doc = {"id": ident, "labels": chosen, "scores": named, "model_version": version}
            try:
                out.append(dumps(doc))
            except TypeError:  # what orjson cannot write: encode_prediction's way
                out.append(encode_prediction(ident, chosen, named, version))
        return out
