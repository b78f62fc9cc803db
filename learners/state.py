"""Learner checkpoints as data: JSON plus NumPy arrays, never pickle.

`dump_state` walks a learner's object graph (river estimators and ours are plain Python
objects) and returns a JSON-able description plus the NumPy arrays it holds; `load_state`
rebuilds it. Loading cannot run code: objects are made with `cls.__new__(cls)` and their
attributes assigned directly (no `__init__`, `__setstate__`, `eval` or import of an arbitrary
module), and a class or function can be named only if it lives in an allowed module (see
`is_allowed`). Anything else is refused with `ForbiddenNameError`.

What the walk knows: None, bool, int, float (inf and nan too), complex, str, bytes; list,
tuple (named tuples too), dict (keys of any kind below, `OrderedDict`, `defaultdict`,
`Counter`), set, frozenset, deque; NumPy arrays (stored as arrays, never element by element),
scalars, dtypes, `Generator` and `RandomState`; `random.Random`; enums; `functools.partial`;
references to allowed classes and functions; objects with a `__dict__` and/or `__slots__`;
river's Rust helpers (ADWIN's window, some statistics), whose own byte format is kept.
Shared references and cycles survive the round trip.

Files hold one checkpoint each: an uncompressed `.npz` (read with `allow_pickle=False`) with
the arrays and a JSON header carrying a format version and a SHA-256 over the whole content.
`save_file` writes it atomically (temporary file, fsync, rename); `load_file` refuses a file
that is truncated, tampered with or of an unknown version.

Examples
--------
>>> from river import datasets
>>> from learners.registry import make
>>> model = make("br-nb")
>>> for x, y in datasets.Yeast().take(50):
...     model.learn_one(x, y)
>>> meta, arrays = dump_state(model)
>>> copy = load_state(meta, arrays)
>>> x, _ = next(iter(datasets.Yeast()))
>>> copy.predict_proba_one(x) == model.predict_proba_one(x)
True
>>> load_state({"format": FORMAT, "version": VERSION,
...             "root": {"t": "ref", "c": "os:system"}}, {})
Traceback (most recent call last):
...
learners.state.ForbiddenNameError: os:system: module 'os' is not allowed in a checkpoint
"""

from __future__ import annotations

import base64
import collections
import enum
import functools
import hashlib
import importlib
import io
import json
import logging
import math
import os
import random
import tempfile
import types
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from stream.errors import IhomerError

__all__ = [
    "ALLOWED_MODULES",
    "DENIED_MODULES",
    "FORMAT",
    "VERSION",
    "ForbiddenNameError",
    "StateError",
    "dump_state",
    "from_bytes",
    "is_allowed",
    "load_file",
    "load_state",
    "read",
    "read_info",
    "save_file",
    "to_bytes",
    "write",
]

logger = logging.getLogger(__name__)

FORMAT = "ihomer-state"
VERSION = 1

ALLOWED_MODULES: tuple[str, ...] = (
    "river",
    "learners",
    "drift",
    "stream",
    "collections",
    "math",
    "numbers",
)
"""Modules (and their submodules) whose classes and functions a checkpoint may name."""

DENIED_MODULES: tuple[str, ...] = (
    "river.api",
    "river.datasets",
    "river.stream",
    "learners.state",
    "stream.cli",
    "stream.datasets",
    "stream.plot",
    "stream.report",
    "stream.service",
    "stream.sources",
)
"""Allowed modules' parts that do I/O: never named, even though their parents are allowed."""

_BUILTINS = frozenset(
    {"bool", "bytes", "complex", "dict", "float", "frozenset", "int", "list", "object"}
    | {"set", "str", "tuple"}
)
_NUMPY_BIT_GENERATORS = frozenset({"MT19937", "PCG64", "PCG64DXSM", "Philox", "SFC64"})
_RUST_MODULE = "river._river_rust"
# Classes whose random.Random attribute is unseeded when their seed parameter is None: such an
# RNG is stored as "a fresh unseeded RNG" (as the class itself would make), not as its 2.5 kB
# state. River's Gaussian keeps one per feature and class, only for `sample()`.
_UNSEEDED_RNGS: dict[str, tuple[str, str]] = {"river.proba.gaussian:Gaussian": ("_rng", "seed")}
_HEAPTYPE = 1 << 9
_FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType)
_RNG = "random_states"  # the array of every random.Random state, one row each
_META = "__meta__"
_CHECK = "__check__"


class StateError(IhomerError):
    """A state that cannot be written or read back: unknown content, corruption, bad version."""


class ForbiddenNameError(StateError):
    """A checkpoint names a class or function outside the allowed modules."""


# ---- names ---------------------------------------------------------------------------------


def _in(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def is_allowed(module: str, qualname: str) -> bool:
    """Whether a checkpoint may name `module:qualname`.

    Allowed: anything in `ALLOWED_MODULES` except `DENIED_MODULES`, `functools.partial`, the
    builtin container and number types, and NumPy's scalar types and dtypes. No name part may
    be a dunder.

    >>> is_allowed("river.tree.hoeffding_tree_classifier", "HoeffdingTreeClassifier")
    True
    >>> is_allowed("builtins", "eval"), is_allowed("subprocess", "Popen")
    (False, False)
    """
    parts = qualname.split(".")
    if not all(p.isidentifier() and not (p.startswith("__") and p.endswith("__")) for p in parts):
        return False
    if not all(p.isidentifier() for p in module.split(".")):
        return False
    if module == "builtins":
        return qualname in _BUILTINS
    if module == "functools":
        return qualname == "partial"
    if module == "numpy" or module.startswith("numpy."):
        return True  # checked once resolved: only scalar types and dtypes
    return _in(module, ALLOWED_MODULES) and not _in(module, DENIED_MODULES)


def _name_of(obj: Any) -> str | None:
    """`module:qualname` when that name resolves back to `obj`, else None."""
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return None
    try:
        found = _resolve(module, qualname)
    except (ImportError, AttributeError):
        return None
    return f"{module}:{qualname}" if found is obj else None


def _resolve(module: str, qualname: str) -> Any:
    try:
        target: Any = importlib.import_module(module)
    except ImportError:  # a submodule of an extension module (river._river_rust.drift)
        head, _, tail = module.rpartition(".")
        if not head:
            raise
        target = getattr(importlib.import_module(head), tail)
    for part in qualname.split("."):
        target = getattr(target, part)
    return target


@functools.lru_cache(maxsize=4096)
def _lookup(name: str) -> Any:
    """The allowed class or function named `module:qualname`, or ForbiddenNameError."""
    module, sep, qualname = name.partition(":")
    if not sep or not module or not qualname:
        raise ForbiddenNameError(f"{name!r} is not a module:qualname name")
    if not is_allowed(module, qualname):
        if _in(module, ALLOWED_MODULES + ("builtins", "functools", "numpy")):
            raise ForbiddenNameError(f"{name}: not allowed in a checkpoint")
        raise ForbiddenNameError(f"{name}: module {module!r} is not allowed in a checkpoint")
    try:
        obj = _resolve(module, qualname)
    except (ImportError, AttributeError) as exc:
        raise StateError(f"{name}: no such class or function ({exc})") from None
    if getattr(obj, "__module__", None) != module or getattr(obj, "__qualname__", None) != qualname:
        raise ForbiddenNameError(f"{name}: resolves to something defined elsewhere")
    if module == "numpy" or module.startswith("numpy."):
        if not (isinstance(obj, type) and issubclass(obj, np.generic | np.dtype)):
            raise ForbiddenNameError(f"{name}: only NumPy scalar types and dtypes are allowed")
    if isinstance(obj, type(os)):
        raise ForbiddenNameError(f"{name}: a module is not a class or function")
    return obj


def _lookup_class(name: str) -> type:
    cls = _lookup(name)
    if not isinstance(cls, type):
        raise ForbiddenNameError(f"{name}: not a class")
    return cls


# Static (C) base types a rebuilt object's class may derive from; its other bases must be
# Python classes, whose instances are fully described by their __dict__ and __slots__.
_STATIC_BASES: tuple[type, ...] = (
    object,
    dict,
    list,
    tuple,
    set,
    frozenset,
    collections.OrderedDict,
    collections.defaultdict,
    collections.deque,
)


def _plain_class(cls: type) -> bool:
    return all(base.__flags__ & _HEAPTYPE or base in _STATIC_BASES for base in cls.__mro__)


def _slot_names(cls: type) -> list[str]:
    names: list[str] = []
    for base in cls.__mro__:
        slots = vars(base).get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot in ("__dict__", "__weakref__"):
                continue
            if slot.startswith("__") and not slot.endswith("__"):
                slot = f"_{base.__name__.lstrip('_')}{slot}"
            if slot not in names:
                names.append(slot)
    return names


# ---- encoding ------------------------------------------------------------------------------


def _float(v: float) -> Any:
    if math.isfinite(v):
        return v
    return {"t": "f", "v": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}


class _Encoder:
    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.rng_rows: list[np.ndarray] = []  # random.Random states, stored as one array
        self.nodes: dict[int, dict[str, Any]] = {}  # id(obj) -> its node, for shared refs
        self.alive: list[Any] = []  # keeps every memoised object alive, so ids stay unique
        self.building: set[int] = set()  # immutable containers being encoded (cycle guard)
        self.next_id = 0
        self.path: list[str] = []

    def fail(self, message: str) -> StateError:
        where = "".join(self.path) or "<root>"
        return StateError(f"cannot save {where}: {message}")

    def array(self, a: np.ndarray) -> str:
        name = f"a{len(self.arrays)}"
        self.arrays[name] = a
        return name

    def enc(self, v: Any) -> Any:
        t = type(v)
        if t is str or t is int or t is bool or v is None:
            return v
        if t is float:
            return _float(v)
        key = id(v)
        node = self.nodes.get(key)
        if node is not None:
            if key in self.building:
                raise self.fail("a cycle through an immutable container (tuple, frozenset)")
            if "id" not in node:
                node["id"] = self.next_id
                self.next_id += 1
            return {"t": "R", "id": node["id"]}
        return self.new(v, t, key)

    def remember(self, v: Any, node: dict[str, Any]) -> dict[str, Any]:
        self.nodes[id(v)] = node
        self.alive.append(v)
        return node

    def items(self, values: Any) -> list[Any]:
        out = []
        for i, item in enumerate(values):
            self.path.append(f"[{i}]")
            out.append(self.enc(item))
            self.path.pop()
        return out

    def immutable(self, v: Any, node: dict[str, Any], values: Any) -> dict[str, Any]:
        self.remember(v, node)
        self.building.add(id(v))
        node["v"] = self.items(values)
        self.building.discard(id(v))
        return node

    def new(self, v: Any, t: type, key: int) -> Any:
        if t is list:
            node = self.remember(v, {"t": "list"})
            node["v"] = self.items(v)
            return node
        if t is dict:
            return self.mapping(v, self.remember(v, {"t": "dict"}))
        if t is tuple:
            return self.immutable(v, {"t": "tuple"}, v)
        if t is np.ndarray:
            if v.dtype.hasobject:
                raise self.fail("a NumPy array of Python objects")
            return self.remember(v, {"t": "nd", "k": self.array(v)})
        if isinstance(v, np.generic):
            return self.numpy_scalar(v)
        if t is set:
            node = self.remember(v, {"t": "set"})
            node["v"] = self.items(v)
            return node
        if t is frozenset:
            return self.immutable(v, {"t": "frozenset"}, v)
        if t is collections.deque:
            node = self.remember(v, {"t": "deque", "m": v.maxlen})
            node["v"] = self.items(v)
            return node
        if t is complex:
            return {"t": "c", "v": [_float(v.real), _float(v.imag)]}
        if t is bytes or t is bytearray:
            return {"t": "b" if t is bytes else "ba", "v": base64.b64encode(v).decode("ascii")}
        if t is range:
            return {"t": "range", "v": [v.start, v.stop, v.step]}
        if t is np.dtype or isinstance(v, np.dtype):
            return {"t": "dtype", "v": v.str if v.fields is None else v.descr}
        if isinstance(v, enum.Enum):
            return {"t": "enum", "c": self.name(t), "v": v.name}
        if isinstance(v, (type, *_FUNCTION_TYPES)):
            return {"t": "ref", "c": self.name(v)}
        if t is functools.partial:
            node = self.remember(v, {"t": "partial"})
            node["f"] = self.enc(v.func)
            node["a"] = self.items(v.args)
            node["k"] = self.mapping(v.keywords, {"t": "dict"})
            return node
        if t is random.Random:
            version, internal, gauss = v.getstate()
            self.rng_rows.append(np.array(internal, dtype=np.uint32))
            row = len(self.rng_rows) - 1
            gauss = None if gauss is None else _float(gauss)
            return self.remember(v, {"t": "random", "v": [version, row, gauss]})
        if t is np.random.Generator:
            bitgen = v.bit_generator
            name = type(bitgen).__name__
            if name not in _NUMPY_BIT_GENERATORS:
                raise self.fail(f"unsupported NumPy bit generator {name}")
            return self.remember(v, {"t": "npgen", "bg": name, "s": self.enc(bitgen.state)})
        if t is np.random.RandomState:
            return self.remember(v, {"t": "nprs", "s": self.enc(v.get_state(legacy=False))})
        if t.__module__.startswith(_RUST_MODULE):
            return self.rust(v, t)
        if not isinstance(v, type) and callable(v) and _name_of(v) is not None:
            return {"t": "ref", "c": self.name(v)}  # a function, or a Numba dispatcher
        return self.obj(v, t)

    def name(self, v: Any) -> str:
        name = _name_of(v)
        if name is None:
            raise self.fail(f"{v!r} cannot be named (a lambda, a local or a dynamic object)")
        module, _, qualname = name.partition(":")
        if not is_allowed(module, qualname):
            raise self.fail(f"{name} is outside the modules a checkpoint may name")
        return name

    def numpy_scalar(self, v: np.generic) -> Any:
        if v.dtype.kind not in "biufc":
            raise self.fail(f"a NumPy scalar of dtype {v.dtype}")
        item = v.item()
        if isinstance(item, float):
            item = _float(item)
        elif isinstance(item, complex):
            item = [_float(item.real), _float(item.imag)]
        return {"t": "np", "d": v.dtype.str, "v": item}

    def mapping(self, v: Mapping[Any, Any], node: dict[str, Any]) -> dict[str, Any]:
        if all(type(k) is str for k in v):
            out: dict[str, Any] = {}
            for k, item in v.items():
                self.path.append(f"[{k!r}]")
                out[k] = self.enc(item)
                self.path.pop()
            node["s"] = out
        else:
            pairs = []
            for k, item in v.items():
                self.path.append(f"[{k!r}]")
                pairs.append([self.enc(k), self.enc(item)])
                self.path.pop()
            node["p"] = pairs
        return node

    def rust(self, v: Any, t: type) -> dict[str, Any]:
        """River's Rust helpers: constructor arguments plus their own byte state, if any."""
        try:
            if hasattr(v, "__getnewargs__"):
                args, state = v.__getnewargs__(), v.__getstate__()
            else:
                reduced = v.__reduce__()
                if not isinstance(reduced, tuple) or reduced[0] is not t:
                    raise TypeError("unexpected __reduce__ result")
                args, state = reduced[1], reduced[2] if len(reduced) > 2 else None
        except Exception as exc:  # noqa: BLE001 - report what failed, whatever it was
            raise self.fail(f"{t.__qualname__} cannot be described ({exc})") from None
        if state is not None and not isinstance(state, bytes):
            raise self.fail(f"{t.__qualname__} state is not bytes")
        node = self.remember(v, {"t": "ext", "c": self.name(t), "new": "getnewargs" in dir(v)})
        node["n"] = self.items(args)
        node["s"] = None if state is None else base64.b64encode(state).decode("ascii")
        return node

    def obj(self, v: Any, t: type) -> dict[str, Any]:
        if not _plain_class(t):
            raise self.fail(f"{t.__module__}.{t.__qualname__} keeps state outside Python")
        node = self.remember(v, {"t": "o", "c": self.name(t)})
        if isinstance(v, dict):
            if isinstance(v, collections.defaultdict):
                node["f"] = self.enc(v.default_factory)
            self.mapping(v, node)
        elif isinstance(v, list | tuple | set | frozenset | collections.deque):
            if isinstance(v, tuple | frozenset):
                self.building.add(id(v))
            node["v"] = self.items(v)
            self.building.discard(id(v))
            if isinstance(v, collections.deque):
                node["m"] = v.maxlen
        attrs = getattr(v, "__dict__", None)
        if attrs:
            if not all(type(k) is str for k in attrs):
                raise self.fail("an attribute whose name is not a string")
            fresh = _UNSEEDED_RNGS.get(node["c"])
            out = {}
            for k, item in attrs.items():
                unseeded = fresh and k == fresh[0] and attrs.get(fresh[1]) is None
                if unseeded and type(item) is random.Random:
                    out[k] = {"t": "random", "fresh": True}
                    continue
                self.path.append(f".{k}")
                out[k] = self.enc(item)
                self.path.pop()
            node["d"] = out
        slots = {}
        for slot in _slot_names(t):
            if hasattr(v, slot):
                self.path.append(f".{slot}")
                slots[slot] = self.enc(getattr(v, slot))
                self.path.pop()
        if slots:
            node["sl"] = slots
        return node


def dump_state(obj: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Describe `obj` as a JSON-able dict plus the NumPy arrays it holds.

    Raises `StateError` (naming the attribute path) for content the format cannot hold.
    """
    encoder = _Encoder()
    try:
        root = encoder.enc(obj)
    except RecursionError:
        raise StateError("cannot save: the object graph is too deep") from None
    arrays = encoder.arrays
    if encoder.rng_rows:
        arrays[_RNG] = np.stack(encoder.rng_rows)
    return {"format": FORMAT, "version": VERSION, "root": root}, arrays


# ---- decoding ------------------------------------------------------------------------------


def _unfloat(v: Any) -> float:
    if isinstance(v, dict):
        special = v.get("v")
        if v.get("t") != "f" or special not in ("nan", "inf", "-inf"):
            raise StateError(f"bad float {v!r}")
        return float(special)
    if type(v) not in (int, float):
        raise StateError(f"expected a number, got {type(v).__name__}")
    return float(v)


def _safe_dtype(spec: Any) -> np.dtype[Any]:
    try:
        dtype = np.dtype(spec if isinstance(spec, str) else [tuple(f) for f in spec])
    except (TypeError, ValueError) as exc:
        raise StateError(f"bad dtype {spec!r}: {exc}") from None
    if dtype.hasobject:
        raise StateError(f"dtype {spec!r} holds Python objects")
    return dtype


class _Decoder:
    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.arrays = arrays
        self.by_id: dict[int, Any] = {}

    def keep(self, node: dict[str, Any], value: Any) -> Any:
        ref = node.get("id")
        if ref is not None:
            self.by_id[ref] = value
        return value

    def array(self, name: Any) -> np.ndarray:
        if not isinstance(name, str) or name not in self.arrays:
            raise StateError(f"missing array {name!r}")
        # a copy: the rebuilt object must not share memory with the dumped one's arrays
        return np.array(self.arrays[name], copy=True)

    def seq(self, values: Any) -> list[Any]:
        if not isinstance(values, list):
            raise StateError("expected a list")
        return [self.dec(v) for v in values]

    def fill_mapping(self, node: dict[str, Any], put: Callable[[Any, Any], None]) -> None:
        if "s" in node:
            items = node["s"]
            if not isinstance(items, dict):
                raise StateError("expected a JSON object of items")
            for k, v in items.items():
                put(k, self.dec(v))
        else:
            pairs = node.get("p", [])
            if not isinstance(pairs, list):
                raise StateError("expected a list of pairs")
            for pair in pairs:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise StateError("expected a [key, value] pair")
                put(self.dec(pair[0]), self.dec(pair[1]))

    def dec(self, node: Any) -> Any:
        if node is None or type(node) in (str, int, bool, float):
            return node
        if type(node) is not dict:
            raise StateError(f"unexpected JSON value of type {type(node).__name__}")
        kind = node.get("t")
        method = getattr(self, f"d_{kind}", None) if isinstance(kind, str) else None
        if method is None:
            raise StateError(f"unknown node type {kind!r}")
        return method(node)

    def d_R(self, node: dict[str, Any]) -> Any:  # noqa: N802 - node type "R"
        ref = node.get("id")
        if ref not in self.by_id:
            raise StateError(f"reference to unknown object {ref!r}")
        return self.by_id[ref]

    def d_f(self, node: dict[str, Any]) -> float:
        return _unfloat(node)

    def d_c(self, node: dict[str, Any]) -> complex:
        re, im = node["v"]
        return complex(_unfloat(re), _unfloat(im))

    def d_b(self, node: dict[str, Any]) -> bytes:
        return base64.b64decode(node["v"], validate=True)

    def d_ba(self, node: dict[str, Any]) -> bytearray:
        return bytearray(self.d_b(node))

    def d_range(self, node: dict[str, Any]) -> range:
        start, stop, step = node["v"]
        if not all(type(i) is int for i in (start, stop, step)):
            raise StateError("bad range")
        return range(start, stop, step)

    def d_list(self, node: dict[str, Any]) -> list[Any]:
        out: list[Any] = self.keep(node, [])
        out.extend(self.dec(v) for v in node["v"])
        return out

    def d_tuple(self, node: dict[str, Any]) -> tuple[Any, ...]:
        return self.keep(node, tuple(self.seq(node["v"])))  # type: ignore[no-any-return]

    def d_set(self, node: dict[str, Any]) -> set[Any]:
        out: set[Any] = self.keep(node, set())
        out.update(self.dec(v) for v in node["v"])
        return out

    def d_frozenset(self, node: dict[str, Any]) -> frozenset[Any]:
        return self.keep(node, frozenset(self.seq(node["v"])))  # type: ignore[no-any-return]

    def d_deque(self, node: dict[str, Any]) -> collections.deque[Any]:
        maxlen = node.get("m")
        if maxlen is not None and type(maxlen) is not int:
            raise StateError("bad deque maxlen")
        out: collections.deque[Any] = self.keep(node, collections.deque(maxlen=maxlen))
        out.extend(self.dec(v) for v in node["v"])
        return out

    def d_dict(self, node: dict[str, Any]) -> dict[Any, Any]:
        out: dict[Any, Any] = self.keep(node, {})
        self.fill_mapping(node, out.__setitem__)
        return out

    def d_nd(self, node: dict[str, Any]) -> np.ndarray:
        return self.keep(node, self.array(node["k"]))  # type: ignore[no-any-return]

    def d_np(self, node: dict[str, Any]) -> np.generic:
        dtype = _safe_dtype(node["d"])
        if dtype.kind not in "biufc":
            raise StateError(f"NumPy scalar of dtype {dtype}")
        v = node["v"]
        if dtype.kind == "c":
            value: Any = complex(_unfloat(v[0]), _unfloat(v[1]))
        elif dtype.kind == "f":
            value = _unfloat(v)
        elif type(v) not in (int, bool):
            raise StateError(f"bad value for a NumPy {dtype} scalar")
        else:
            value = v
        out: np.generic = dtype.type(value)
        return out

    def d_dtype(self, node: dict[str, Any]) -> np.dtype[Any]:
        return _safe_dtype(node["v"])

    def d_enum(self, node: dict[str, Any]) -> enum.Enum:
        cls = _lookup_class(node["c"])
        if not issubclass(cls, enum.Enum):
            raise ForbiddenNameError(f"{node['c']}: not an enum")
        try:
            return cls[node["v"]]
        except KeyError:
            raise StateError(f"{node['c']} has no member {node['v']!r}") from None

    def d_ref(self, node: dict[str, Any]) -> Any:
        return _lookup(node["c"])

    def d_partial(self, node: dict[str, Any]) -> functools.partial[Any]:
        func = self.dec(node["f"])
        if not callable(func):
            raise StateError("partial of something that is not callable")
        args = self.seq(node["a"])
        kwargs: dict[str, Any] = {}
        self.fill_mapping(node["k"], kwargs.__setitem__)
        if not all(type(k) is str for k in kwargs):
            raise StateError("partial keywords must be strings")
        return self.keep(node, functools.partial(func, *args, **kwargs))  # type: ignore[no-any-return]

    def d_random(self, node: dict[str, Any]) -> random.Random:
        if node.get("fresh") is True:
            return random.Random()  # noqa: S311 - unseeded, as its owner made it
        version, row, gauss = node["v"]
        states = self.array(_RNG)
        if type(row) is not int or not 0 <= row < states.shape[0]:
            raise StateError(f"bad random state row {row!r}")
        internal = tuple(int(i) for i in states[row].tolist())
        rng = random.Random(0)  # noqa: S311 - a simulation RNG, restored from its state
        try:
            rng.setstate((version, internal, None if gauss is None else _unfloat(gauss)))
        except (TypeError, ValueError, OverflowError) as exc:
            raise StateError(f"bad random.Random state: {exc}") from None
        return self.keep(node, rng)  # type: ignore[no-any-return]

    def d_npgen(self, node: dict[str, Any]) -> np.random.Generator:
        name = node["bg"]
        if name not in _NUMPY_BIT_GENERATORS:
            raise ForbiddenNameError(f"NumPy bit generator {name!r} is not allowed")
        bitgen = getattr(np.random, name)()
        try:
            bitgen.state = self.dec(node["s"])
        except (TypeError, ValueError, KeyError) as exc:
            raise StateError(f"bad {name} state: {exc}") from None
        return self.keep(node, np.random.Generator(bitgen))  # type: ignore[no-any-return]

    def d_nprs(self, node: dict[str, Any]) -> np.random.RandomState:
        rs = np.random.RandomState(0)
        try:
            rs.set_state(self.dec(node["s"]))
        except (TypeError, ValueError, KeyError) as exc:
            raise StateError(f"bad RandomState state: {exc}") from None
        return self.keep(node, rs)  # type: ignore[no-any-return]

    def d_ext(self, node: dict[str, Any]) -> Any:
        cls = _lookup_class(node["c"])
        if not cls.__module__.startswith(_RUST_MODULE):
            raise ForbiddenNameError(f"{node['c']}: byte state is only for river's Rust helpers")
        args = self.seq(node["n"])
        try:
            if node.get("new"):
                obj = cls.__new__(cls, *args)
            else:
                obj = cls(*args)
            if node.get("s") is not None:
                obj.__setstate__(base64.b64decode(node["s"], validate=True))
        except (TypeError, ValueError) as exc:
            raise StateError(f"bad {node['c']} state: {exc}") from None
        return self.keep(node, obj)

    def d_o(self, node: dict[str, Any]) -> Any:
        cls = _lookup_class(node["c"])
        if not _plain_class(cls) or issubclass(cls, enum.Enum):
            raise ForbiddenNameError(f"{node['c']}: instances cannot be rebuilt from attributes")
        obj: Any
        if issubclass(cls, tuple | frozenset):
            base: Any = tuple if issubclass(cls, tuple) else frozenset
            obj = self.keep(node, base.__new__(cls, self.seq(node.get("v", []))))
        else:
            base_new: Any = next(b for b in cls.__mro__ if b in _STATIC_BASES)
            try:
                obj = self.keep(node, base_new.__new__(cls))
            except TypeError as exc:
                raise StateError(f"{node['c']}: {exc}") from None
            if isinstance(obj, dict):
                if isinstance(obj, collections.defaultdict):
                    factory = self.dec(node.get("f"))
                    if factory is not None and not callable(factory):
                        raise StateError("defaultdict factory is not callable")
                    object.__setattr__(obj, "default_factory", factory)
                setitem = (
                    collections.OrderedDict.__setitem__
                    if isinstance(obj, collections.OrderedDict)
                    else dict.__setitem__
                )
                self.fill_mapping(node, functools.partial(setitem, obj))
            elif isinstance(obj, list):
                list.extend(obj, self.seq(node.get("v", [])))
            elif isinstance(obj, set):
                set.update(obj, self.seq(node.get("v", [])))
            elif isinstance(obj, collections.deque):
                raise StateError(f"{node['c']}: deque subclasses are not supported")
        attrs = node.get("d", {})
        if attrs:
            if not isinstance(attrs, dict):
                raise StateError("attributes must be a JSON object")
            target = getattr(obj, "__dict__", None)
            if target is None:
                raise StateError(f"{node['c']} instances have no __dict__")
            for k, v in attrs.items():
                if k.startswith("__") and k.endswith("__"):
                    raise StateError(f"attribute {k!r} is not allowed")
                target[k] = self.dec(v)
        slots = node.get("sl", {})
        if slots:
            allowed = set(_slot_names(cls))
            for k, v in slots.items():
                if k not in allowed:
                    raise StateError(f"{node['c']} has no slot {k!r}")
                object.__setattr__(obj, k, self.dec(v))
        return obj


def load_state(meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Any:
    """Rebuild the object described by `dump_state`'s `(meta, arrays)`.

    Raises `ForbiddenNameError` for a class or function outside the allowed modules and
    `StateError` for anything else that is wrong.
    """
    if meta.get("format") != FORMAT:
        raise StateError(f"not an {FORMAT} description (format {meta.get('format')!r})")
    if meta.get("version") != VERSION:
        raise StateError(f"unsupported {FORMAT} version {meta.get('version')!r} (want {VERSION})")
    try:
        return _Decoder(arrays).dec(meta.get("root"))
    except StateError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise StateError(f"malformed state: {type(exc).__name__}: {exc}") from None
    except RecursionError:
        raise StateError("malformed state: nested too deeply") from None


# ---- files ---------------------------------------------------------------------------------


def _digest(meta_bytes: bytes, arrays: Mapping[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    h.update(len(meta_bytes).to_bytes(8, "little"))
    h.update(meta_bytes)
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"\n{name}:{a.dtype.str}:{a.shape}\n".encode())
        h.update(a.data.cast("B") if a.size else b"")
    return h.hexdigest()


def _json_bytes(value: Any) -> np.ndarray:
    text = json.dumps(value, allow_nan=False, separators=(",", ":"))
    return np.frombuffer(text.encode(), dtype=np.uint8)


def write(
    file: IO[bytes], obj: Any, *, info: Mapping[str, Any] | None = None, compress: bool = False
) -> None:
    """Write `obj` (and the JSON-able `info`) as one checkpoint to an open binary file."""
    meta, arrays = dump_state(obj)
    body = {"format": FORMAT, "version": VERSION, "info": dict(info or {}), "state": meta}
    try:
        meta_array = _json_bytes(body)
    except (TypeError, ValueError) as exc:
        raise StateError(f"info is not JSON-able: {exc}") from None
    check = {
        "format": FORMAT,
        "version": VERSION,
        "sha256": _digest(meta_array.tobytes(), arrays),
        "arrays": sorted(arrays),
    }
    members = {_META: meta_array, _CHECK: _json_bytes(check), **arrays}
    save: Any = np.savez_compressed if compress else np.savez
    save(file, **members)


def read(file: IO[bytes] | str | os.PathLike[str]) -> tuple[Any, dict[str, Any]]:
    """Read and verify a checkpoint written by `write`: `(obj, info)`."""
    body, arrays = _read_verified(file)
    return load_state(body["state"], arrays), body["info"]


def _reject_constant(name: str) -> Any:
    raise StateError(f"non-standard JSON constant {name}")


def _read_verified(
    file: IO[bytes] | str | os.PathLike[str],
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    try:
        with np.load(file, allow_pickle=False) as npz:
            if not isinstance(npz, np.lib.npyio.NpzFile):
                raise StateError("not a checkpoint (not an .npz archive)")
            names = set(npz.files)
            if _META not in names or _CHECK not in names:
                raise StateError("not a checkpoint (no header)")
            check = json.loads(npz[_CHECK].tobytes(), parse_constant=_reject_constant)
            if not isinstance(check, dict) or check.get("format") != FORMAT:
                raise StateError("not a checkpoint (bad header)")
            if check.get("version") != VERSION:
                raise StateError(f"unsupported checkpoint version {check.get('version')!r}")
            if sorted(names - {_META, _CHECK}) != check.get("arrays"):
                raise StateError("the arrays do not match the header")
            meta_bytes = npz[_META].tobytes()
            arrays = {name: npz[name] for name in check["arrays"]}
    except StateError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise StateError(f"unreadable checkpoint: {type(exc).__name__}: {exc}") from None
    if _digest(meta_bytes, arrays) != check.get("sha256"):
        raise StateError("checksum mismatch: the checkpoint is corrupt or was altered")
    try:
        body = json.loads(meta_bytes, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise StateError(f"unreadable checkpoint header: {exc}") from None
    if not isinstance(body, dict) or not isinstance(body.get("info"), dict):
        raise StateError("not a checkpoint (bad body)")
    if body.get("version") != VERSION:
        raise StateError(f"unsupported checkpoint version {body.get('version')!r}")
    return body, arrays


def save_file(
    path: str | os.PathLike[str],
    obj: Any,
    *,
    info: Mapping[str, Any] | None = None,
    compress: bool = False,
) -> int:
    """Write `obj` to `path` atomically (temporary file, fsync, rename); the size in bytes.

    A reader sees the old file or the new one, never a partial one, even after a crash.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f, obj, info=info, compress=compress)
            f.flush()
            os.fsync(f.fileno())
            size = f.tell()
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return size


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_file(path: str | os.PathLike[str]) -> tuple[Any, dict[str, Any]]:
    """Read, verify and rebuild the checkpoint at `path`: `(obj, info)`."""
    return read(path)


def read_info(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The verified `info` of the checkpoint at `path`, without rebuilding the object."""
    body, _ = _read_verified(path)
    info: dict[str, Any] = body["info"]
    return info


def to_bytes(obj: Any, *, info: Mapping[str, Any] | None = None, compress: bool = True) -> bytes:
    """One checkpoint as bytes (compressed by default), e.g. for a Kafka message."""
    buffer = io.BytesIO()
    write(buffer, obj, info=info, compress=compress)
    return buffer.getvalue()


def from_bytes(data: bytes) -> tuple[Any, dict[str, Any]]:
    """Verify and rebuild a checkpoint made by `to_bytes`: `(obj, info)`."""
    return read(io.BytesIO(data))
