from __future__ import annotations

import itertools
import pickle
from collections import Counter

import pytest
from river import datasets

from learners import registry
from learners.reference import MajorityLabelSet, NoChange

YEAST = list(datasets.Yeast())


def _y(on: str, labels: str = "abc") -> dict[str, bool]:
    return {label: label in on for label in labels}


# A hand-built stream: label "c" appears only from the fourth instance on.
HAND = [
    ({"f": 1.0}, _y("a", "ab")),
    ({"f": 2.0}, _y("b", "ab")),
    ({"f": 3.0}, _y("b", "ab")),
    ({"f": 4.0}, _y("ac")),
    ({"f": 5.0}, _y("ac")),
    ({"f": 6.0}, _y("ac")),
    ({"f": 7.0}, _y("")),
]


def _on(pred: dict[str, bool]) -> str:
    return "".join(sorted(label for label, on in pred.items() if on))


def _run(model, stream):
    preds = []
    for x, y in stream:
        preds.append(model.predict_one(x))
        model.learn_one(x, y)
    return preds


@pytest.mark.parametrize("cls", [NoChange, MajorityLabelSet])
def test_usable_before_learning(cls):
    model = cls()
    assert model.predict_one({"f": 1.0}) == {}
    assert model.predict_proba_one({"f": 1.0}) == {}


def test_no_change_on_hand_stream():
    preds = _run(NoChange(), HAND)
    assert [_on(p) for p in preds] == ["", "a", "b", "b", "ac", "ac", "ac"]
    # every label seen so far is predicted, the new label "c" from the instance after it appears
    assert [sorted(p) for p in preds] == [[], *[["a", "b"]] * 3, *[["a", "b", "c"]] * 3]


def test_majority_on_hand_stream():
    model = MajorityLabelSet()
    preds = _run(model, HAND)
    # {b} leads from its second occurrence; {a,c} ties it at two and takes over at three
    assert [_on(p) for p in preds] == ["", "a", "a", "b", "b", "b", "ac"]
    assert sorted(preds[-1]) == ["a", "b", "c"]
    assert model.predict_proba_one({}) == {
        "a": {False: 0.0, True: 1.0},
        "b": {False: 1.0, True: 0.0},
        "c": {False: 0.0, True: 1.0},
    }


def test_majority_tie_goes_to_the_earliest_to_reach_the_count():
    model = MajorityLabelSet()
    preds = _run(model, [({}, _y(on)) for on in ["a", "b", "b", "a", "c"]])
    # after "a","b","b","a": {a}:2 and {b}:2, and {b} reached 2 first
    assert [_on(p) for p in preds] == ["", "a", "a", "b", "b"]


def test_majority_counts_sample_weights():
    model = MajorityLabelSet()
    model.learn_one({}, _y("a"))
    model.learn_one({}, _y("a"))
    model.learn_one({}, _y("b"), w=3.0)
    assert _on(model.predict_one({})) == "b"


def _subset_accuracy(preds, stream) -> float:
    hits = 0
    for p, (_, y) in zip(preds, stream, strict=True):
        hits += all(p.get(label, False) == on for label, on in y.items())
    return hits / len(stream)


def _brute_force_majority_accuracy(stream) -> float:
    """Recount from scratch before each instance; ties go to the earliest to reach the count."""
    hits = 0
    for i, (_, y) in enumerate(stream):
        history = [frozenset(k for k, v in yy.items() if v) for _, yy in stream[:i]]
        counts = Counter(history)
        if counts:
            top = max(counts.values())
            reached = {}
            running: Counter[frozenset[str]] = Counter()
            for j, s in enumerate(history):
                running[s] += 1
                if running[s] == top:
                    reached.setdefault(s, j)
            best = min(reached, key=reached.__getitem__)
        else:
            best = frozenset()
        hits += best == frozenset(k for k, v in y.items() if v)
    return hits / len(stream)


def test_majority_subset_accuracy_on_yeast_matches_brute_force():
    stream = YEAST[:600]
    preds = _run(MajorityLabelSet(), stream)
    assert _subset_accuracy(preds, stream) == pytest.approx(_brute_force_majority_accuracy(stream))


def test_no_change_subset_accuracy_on_yeast():
    preds = _run(NoChange(), YEAST)
    repeats = sum(a[1] == b[1] for a, b in itertools.pairwise(YEAST))
    assert _subset_accuracy(preds, YEAST) == pytest.approx(repeats / len(YEAST))
    assert repeats == 91  # 3.8% of Yeast, as in PEERS.md


@pytest.mark.parametrize("name", ["no-change", "majority"])
def test_registered_and_clone_is_fresh(name):
    model = registry.make(name)
    _run(model, YEAST[:50])
    clone = model.clone()
    assert type(clone) is type(model)
    assert clone.predict_one(YEAST[0][0]) == {}
    snapshot = pickle.dumps(clone)
    _run(model, YEAST[50:60])
    assert pickle.dumps(clone) == snapshot
