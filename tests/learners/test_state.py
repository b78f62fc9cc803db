"""Checkpoints as data: every learner round-trips; tampered or hostile files are refused."""

from __future__ import annotations

import collections
import functools
import json
import math
import random
import zipfile
from pathlib import Path

import numpy as np
import pytest
from river import datasets, stats, tree

from learners import registry, state
from learners.tree import MultiLabelHoeffdingTree

SLOW = {"br-knn", "br-arf"}  # 15 s and 10 s for these 500 instances alone


@pytest.fixture(scope="module")
def yeast() -> list[tuple[dict, dict]]:
    return list(datasets.Yeast().take(500))


def _same_predictions(a, b, xs) -> bool:
    return all(
        a.predict_proba_one(x) == b.predict_proba_one(x) and a.predict_one(x) == b.predict_one(x)
        for x in xs
    )


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in registry.names()],
)
def test_every_learner_round_trips_through_a_file(name: str, yeast, tmp_path: Path) -> None:
    model = registry.make(name)
    for x, y in yeast[:300]:
        model.learn_one(x, y)
    path = tmp_path / "model.npz"
    state.save_file(path, model, info={"learner": name})
    restored, info = state.load_file(path)
    assert info == {"learner": name}
    assert type(restored) is type(model)
    xs = [x for x, _ in yeast[300:400]]
    assert _same_predictions(model, restored, xs)
    for x, y in yeast[300:400]:
        model.learn_one(x, y)
        restored.learn_one(x, y)
    assert _same_predictions(model, restored, [x for x, _ in yeast[400:500]])


def test_numpy_state_is_stored_as_arrays(yeast) -> None:
    model = MultiLabelHoeffdingTree(grace_period=50)
    for x, y in yeast[:300]:
        model.learn_one(x, y)
    meta, arrays = state.dump_state(model)
    tree_arrays = model._arrays
    assert tree_arrays is not None
    shapes = sorted(a.shape for a in arrays.values())
    for field in tree_arrays:
        assert field.shape in shapes
    # the JSON holds names, parameters and small dicts, not array elements
    assert len(json.dumps(meta)) < 20_000 < sum(a.nbytes for a in arrays.values())


def test_shared_references_cycles_and_special_values() -> None:
    shared = stats.Mean()
    shared.update(3.0)
    loop: list = [1]
    loop.append(loop)
    counts = collections.defaultdict(functools.partial(float, 0.5))
    counts[("a", 1)] += 1.0
    graph = {
        "means": [shared, shared],
        "loop": loop,
        "floats": [math.inf, -math.inf, math.nan, -0.0, 1e-310, np.float32(0.1), np.int64(2**40)],
        "keys": {frozenset({"x", "y"}): 1, (1, "b"): 2, 3.5: 3, True: 4, None: 5, b"k": 6},
        "containers": (collections.Counter("abca"), collections.OrderedDict(b=1, a=2)),
        "deque": collections.deque([1, 2, 3], maxlen=3),
        "counts": counts,
        "functions": [math.sqrt, functools.partial(math.pow, 2.0), tree.HoeffdingTreeClassifier],
        "rng": random.Random(7),
        "np_rng": np.random.default_rng(7),
        "array": np.arange(6, dtype=np.int16).reshape(2, 3),
        "misc": [complex(1, -2), range(2, 9, 3), {1, 2}, bytearray(b"\x00\xff"), np.dtype("<f4")],
    }
    meta, arrays = state.dump_state(graph)
    back = state.load_state(json.loads(json.dumps(meta, allow_nan=False)), arrays)
    assert back["means"][0] is back["means"][1]
    assert back["means"][0].get() == 3.0
    assert back["loop"][1] is back["loop"]
    f = back["floats"]
    assert f[0] == math.inf and f[1] == -math.inf and math.isnan(f[2])
    assert math.copysign(1.0, f[3]) == -1.0 and f[4] == 1e-310
    assert type(f[5]) is np.float32 and f[5] == np.float32(0.1) and type(f[6]) is np.int64
    assert back["keys"] == graph["keys"]
    counter, ordered = back["containers"]
    assert type(counter) is collections.Counter and counter == collections.Counter("abca")
    assert type(ordered) is collections.OrderedDict and list(ordered) == ["b", "a"]
    assert back["deque"].maxlen == 3 and list(back["deque"]) == [1, 2, 3]
    assert back["counts"]["new"] == 0.5 and back["counts"][("a", 1)] == 1.5
    sqrt, power, cls = back["functions"]
    assert sqrt is math.sqrt and power(3.0) == 8.0 and cls is tree.HoeffdingTreeClassifier
    assert back["rng"].random() == graph["rng"].random()
    assert back["np_rng"].random() == graph["np_rng"].random()
    assert np.array_equal(back["array"], graph["array"]) and back["array"].dtype == np.int16
    assert back["misc"] == graph["misc"]


def test_unnameable_content_is_refused_when_saving() -> None:
    with pytest.raises(state.StateError, match=r"\[0\].*lambda"):
        state.dump_state([lambda: 0])
    with pytest.raises(state.StateError, match="objects"):
        state.dump_state(np.array([object()]))


def _saved(tmp_path: Path) -> Path:
    model = registry.make("majority")
    model.learn_one({"a": 1.0}, {"l": True})
    path = tmp_path / "ok.npz"
    state.save_file(path, model, info={"n": 1})
    return path


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    data = bytearray(path.read_bytes())
    at = data.find(b'"n":1')
    data[at : at + 5] = b'"n":2'
    # keep the zip's own CRC right, so that only our checksum can notice
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    meta = members["__meta__.npy"]
    members["__meta__.npy"] = meta.replace(b'"n":1', b'"n":2')
    bad = tmp_path / "tampered.npz"
    with zipfile.ZipFile(bad, "w") as z:
        for name, content in members.items():
            z.writestr(name, content)
    with pytest.raises(state.StateError, match="checksum"):
        state.load_file(bad)


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    data = path.read_bytes()
    for cut in (0, 10, len(data) // 2, len(data) - 1):
        short = tmp_path / f"short{cut}.npz"
        short.write_bytes(data[:cut])
        with pytest.raises(state.StateError):
            state.load_file(short)


def test_pickle_file_is_refused(tmp_path: Path) -> None:
    import pickle

    path = tmp_path / "p.npz"
    path.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(state.StateError):
        state.load_file(path)


def _forge(tmp_path: Path, root: dict) -> Path:
    """A well-formed checkpoint (valid checksum) whose state is `root`."""
    body = {
        "format": state.FORMAT,
        "version": state.VERSION,
        "info": {},
        "state": {"format": state.FORMAT, "version": state.VERSION, "root": root},
    }
    meta = np.frombuffer(json.dumps(body).encode(), dtype=np.uint8)
    check = {
        "format": state.FORMAT,
        "version": state.VERSION,
        "sha256": state._digest(meta.tobytes(), {}),
        "arrays": [],
    }
    path = tmp_path / "forged.npz"
    np.savez(path, __meta__=meta, __check__=np.frombuffer(json.dumps(check).encode(), np.uint8))
    return path


@pytest.mark.parametrize(
    "root",
    [
        {"t": "ref", "c": "os:system"},
        {"t": "ref", "c": "builtins:eval"},
        {"t": "o", "c": "subprocess:Popen", "d": {"args": "true"}},
        {"t": "partial", "f": {"t": "ref", "c": "posix:system"}, "a": ["true"], "k": {"t": "dict"}},
        {"t": "ext", "c": "subprocess:Popen", "n": [["true"]], "s": None},
        {"t": "o", "c": "river.datasets.base:RemoteDataset"},
        {"t": "ref", "c": "learners.state:save_file"},
        {"t": "ref", "c": "river.utils:__builtins__"},
        {"t": "ref", "c": "learners.tree.hoeffding_tree:np.load"},
        {"t": "enum", "c": "builtins:object", "v": "x"},
    ],
    ids=lambda root: root.get("c") or root["f"]["c"],
)
def test_disallowed_names_are_refused(tmp_path: Path, root: dict) -> None:
    path = _forge(tmp_path, {"t": "list", "v": [root]})
    with pytest.raises(state.ForbiddenNameError):
        state.load_file(path)


def test_forbidden_name_error_is_specific(tmp_path: Path) -> None:
    path = _forge(tmp_path, {"t": "o", "c": "subprocess:Popen"})
    with pytest.raises(state.ForbiddenNameError, match="subprocess"):
        state.load_file(path)


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    state.save_file(path, [1, 2, 3])
    assert state.load_file(path)[0] == [1, 2, 3]
    assert [p.name for p in tmp_path.iterdir()] == ["ok.npz"]
    with pytest.raises(state.StateError):
        state.save_file(path, [lambda: 0])
    assert [p.name for p in tmp_path.iterdir()] == ["ok.npz"]
    assert state.load_file(path)[0] == [1, 2, 3]


def test_bytes_round_trip_and_info() -> None:
    data = state.to_bytes({"x": np.ones(3)}, info={"version": 7})
    obj, info = state.from_bytes(data)
    assert info == {"version": 7} and np.array_equal(obj["x"], np.ones(3))
