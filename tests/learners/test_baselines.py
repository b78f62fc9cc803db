from __future__ import annotations

import pickle
from typing import Any

import pytest
from river import base, datasets, linear_model, multioutput, tree

from learners import registry
from learners.baselines import (
    FirstSeenClassifierChain,
    LabelPowerset,
    PrunedSets,
    ThresholdedRegressor,
    encode_features,
)
from stream.errors import UnknownNameError

YEAST = list(datasets.Yeast())
COLOURS = ("red", "green", "blue")


def mixed_stream(n: int) -> list[tuple[dict[str, Any], dict[str, bool]]]:
    """The first `n` Yeast instances with a nominal feature, sparse rows and a late label.

    `colour` is a string feature (a new category, "purple", appears in the last quarter); odd
    rows lose their last 60 features; label "Late" exists only from instance n // 2 on.
    """
    out = []
    for i, (x, y) in enumerate(YEAST[:n]):
        x = dict(x)
        x["colour"] = "purple" if i >= 3 * n // 4 else COLOURS[int(abs(x["Att1"]) * 100) % 3]
        if i % 2:
            x = dict(list(x.items())[:-60]) | {"colour": x["colour"]}
        y = dict(y)
        if i >= n // 2:
            y["Late"] = x["Att2"] > 0.0
        out.append((x, y))
    return out


# Instances for the per-learner smoke tests; the forest and kNN are slow per instance.
SMOKE_N = {"br-arf": 60, "br-knn": 50}


def _n(name: str) -> int:
    return SMOKE_N.get(name, 150)


def _test_then_train(model, stream):
    preds = []
    for x, y in stream:
        preds.append(model.predict_one(x))
        model.learn_one(x, y)
    return preds


# ---- river equivalence ---------------------------------------------------------------------


def test_br_ht_is_rivers_binary_relevance_of_hoeffding_trees():
    ours = registry.make("river-br-ht")
    river_model = multioutput.PerOutputClassifier(tree.HoeffdingTreeClassifier())
    for i, (x, y) in enumerate(YEAST[:500]):
        assert ours.predict_one(x) == river_model.predict_one(x)
        if i % 10 == 0:
            assert ours.predict_proba_one(x) == river_model.predict_proba_one(x)
        ours.learn_one(x, y)
        river_model.learn_one(x, y)


@pytest.mark.parametrize("given_order", [True, False])
def test_chain_matches_rivers_chain_given_the_same_order(given_order):
    labels = list(YEAST[0][1])
    ours = FirstSeenClassifierChain(order=tuple(labels) if given_order else None)
    river_model = multioutput.ClassifierChain(tree.HoeffdingTreeClassifier(), order=labels)
    for i, (x, y) in enumerate(YEAST[:200]):
        expected = river_model.predict_proba_one(x)
        got = ours.predict_proba_one(x)
        if given_order or i > 0:  # without an order, ours knows no label before learning
            assert list(got) == list(expected)
            assert {k: p[True] for k, p in got.items()} == {
                k: p.get(True, 0.0) for k, p in expected.items()
            }
        ours.learn_one(x, y)
        river_model.learn_one(x, y)


def test_chain_learns_the_first_instance_and_a_new_labels_first_occurrence():
    model = FirstSeenClassifierChain(order=("b",))
    model.learn_one({"f": 1.0}, {"a": True})
    assert model.predict_one({"f": 1.0}) == {"b": False, "a": True}
    model.learn_one({"f": 1.0}, {"a": True, "z": True})
    assert model.predict_one({"f": 1.0}) == {"b": False, "a": True, "z": True}
    assert model.order == ("b",)  # the parameter is never mutated


# ---- label powerset and pruned sets ----------------------------------------------------------


class _Recorder(base.Classifier):
    """Records the classes it learns and predicts fixed class probabilities."""

    def __init__(self, probas: tuple[tuple[int, float], ...] | None = None) -> None:
        self.probas = probas  # (river's clone() fails on an empty tuple parameter)
        self.learned: list[Any] = []

    def learn_one(self, x, y, w=1.0):
        self.learned.append(y)

    def predict_proba_one(self, x):
        return {c: p for c, p in self.probas or () if c in self.learned}

    @property
    def _multiclass(self):
        return True


def _learned_sets(model: LabelPowerset) -> list[str]:
    return ["".join(sorted(model._sets[code])) for code in model._model.learned]


def _ys(sets: list[str], labels: str = "abcd") -> list[tuple[dict, dict]]:
    return [({"f": float(i)}, {lb: lb in s for lb in labels}) for i, s in enumerate(sets)]


def test_pruned_sets_learns_frequent_sets_and_the_best_frequent_subsets():
    model = PrunedSets(_Recorder(), min_count=2, max_subsets=2)
    stream = _ys(["ab", "a", "a", "ab", "abc", "", "", "c", "b", "b", "b", "abd"])
    _test_then_train(model, stream)
    assert _learned_sets(model) == [
        "a",  # third instance: {a} reaches two
        "ab",  # {a,b} reaches two
        "ab",  # {a,b,c} is infrequent: its frequent subsets, larger first
        "a",
        "",  # the empty set once it is itself frequent ({c} is never learned as it)
        "b",
        "b",
        "ab",  # {a,b,d}: size first, then count: {b} (3) before {a} (2)
        "b",
    ]


def test_pruned_sets_with_min_count_one_is_the_label_powerset():
    ps, lp = PrunedSets(min_count=1), LabelPowerset()
    for x, y in YEAST[:120]:
        assert ps.predict_proba_one(x) == lp.predict_proba_one(x)
        assert ps.predict_one(x) == lp.predict_one(x)
        ps.learn_one(x, y)
        lp.learn_one(x, y)


def test_pruned_sets_rejects_bad_parameters():
    with pytest.raises(ValueError, match="min_count"):
        PrunedSets(min_count=0)
    with pytest.raises(ValueError, match="max_subsets"):
        PrunedSets(max_subsets=-1)


def test_label_powerset_predicts_the_most_probable_set_even_below_one_half():
    model = LabelPowerset(_Recorder(probas=((0, 0.4), (1, 0.35), (2, 0.25))))
    _test_then_train(model, _ys(["a", "bc", "c"], labels="abc"))
    assert model.predict_one({}) == {"a": True, "b": False, "c": False}
    probas = model.predict_proba_one({})
    assert {k: p[True] for k, p in probas.items()} == pytest.approx({"a": 0.4, "b": 0.35, "c": 0.6})
    assert all(p[False] == pytest.approx(1.0 - p[True]) for p in probas.values())


# ---- thresholded iSOUP-Tree ---------------------------------------------------------------


class _FixedRegressor(base.MultiTargetRegressor):
    def __init__(self, outputs: tuple[tuple[str, float], ...] | None = None) -> None:
        self.outputs = outputs
        self.learned: list[Any] = []

    def learn_one(self, x, y, w=1.0):
        self.learned.append(y)

    def predict_one(self, x):
        return dict(self.outputs or ())


def test_thresholded_regressor_targets_thresholds_and_clips():
    model = ThresholdedRegressor(_FixedRegressor((("a", 1.3), ("b", 0.5), ("c", -0.2))))
    model.learn_one({}, {"a": True, "b": False, "c": False, "d": True})
    assert model._model.learned == [{"a": 1.0, "b": 0.0, "c": 0.0, "d": 1.0}]
    assert model.predict_one({}) == {"a": True, "b": True, "c": False, "d": False}
    assert {k: p[True] for k, p in model.predict_proba_one({}).items()} == {
        "a": 1.0,
        "b": 0.5,
        "c": 0.0,
        "d": 0.0,
    }
    assert model.clone({"threshold": 0.6}).predict_one({}) == {}


def test_encode_features_one_hot_encodes_strings_and_scales_numbers():
    enc = encode_features()
    for x, _ in mixed_stream(30):
        enc.learn_one(x)
    out = enc.transform_one({"Att1": 0.1, "colour": "red"})
    assert set(out) >= {"Att1", "colour_red"} and out["colour_red"] == 1
    assert all(isinstance(v, int | float) for v in out.values())
    assert encode_features(scale=False).transform_one({"Att1": 0.1}) == {"Att1": 0.1}


def test_sparse_one_hot_gives_the_same_linear_model():
    def model(keep_zeros):
        return encode_features(keep_zeros=keep_zeros) | multioutput.PerOutputClassifier(
            linear_model.LogisticRegression()
        )

    sparse, dense = model(False), model(True)
    for x, y in mixed_stream(150):
        got, expected = sparse.predict_proba_one(x), dense.predict_proba_one(x)
        assert got.keys() == expected.keys()
        for label, p in expected.items():
            assert got[label][True] == pytest.approx(p[True], abs=1e-12)
        sparse.learn_one(x, y)
        dense.learn_one(x, y)


# ---- every registered learner -------------------------------------------------------------

NAMES = registry.names()


def test_registry_has_the_baselines():
    assert set(NAMES) >= {
        "no-change",
        "majority",
        "river-br-ht",
        "river-cc-ht",
        "river-lc-ht",
        "river-br-lr",
        "river-cc-lr",
        "river-lc-lr",
        "br-hat",
        "br-efdt",
        "br-arf",
        "br-knn",
        "br-nb",
        "br-abalr",
        "br-abolr",
        "ps-ht",
        "isoupt",
    }


# the river peers' older names, kept as aliases; whether each reads absent features as missing
RIVER_PEERS = {
    "river-br-ht": ("br-ht", True),
    "river-cc-ht": ("cc-ht", True),
    "river-lc-ht": ("lc-ht", True),
    "river-br-lr": ("br-lr", False),
    "river-cc-lr": (None, False),
    "river-lc-lr": (None, False),
}


@pytest.mark.parametrize("name", sorted(RIVER_PEERS))
def test_river_peers_and_their_old_names_are_the_same_learners(name):
    alias, absent_is_missing = RIVER_PEERS[name]
    assert registry.reads_absent_as_missing(name) is absent_is_missing
    assert registry.canonical(name) == name
    if alias is None:
        return
    assert alias not in NAMES  # listed once, under the new name
    assert registry.canonical(alias) == name
    assert registry.reads_absent_as_missing(alias) is absent_is_missing
    model, old = registry.make(name), registry.make(alias)
    assert type(model) is type(old) and repr(model) == repr(old)
    assert _test_then_train(model, YEAST[:40]) == _test_then_train(old, YEAST[:40])


def test_a_name_or_alias_cannot_be_registered_twice():
    def factory():
        return registry.make("no-change")

    with pytest.raises(ValueError, match="'br-ht' is registered twice"):
        registry.register("brand-new", "a test learner", aliases=("br-ht",))(factory)
    with pytest.raises(ValueError, match="'cc-ht' is registered twice"):
        registry.register("cc-ht", "a test learner")(factory)
    assert "brand-new" not in registry.names()


def test_unknown_names_suggest_aliases_too():
    with pytest.raises(UnknownNameError, match="did you mean 'cc-ht'"):
        registry.make("cc-hx")


def test_softmax_regression_of_river_lc_lr_is_rivers():
    from learners.baselines import _SoftmaxRegression

    ours = LabelPowerset(_SoftmaxRegression())
    river_model = LabelPowerset(linear_model.SoftmaxRegression())
    for x, y in YEAST[:200]:
        assert ours.predict_proba_one(x) == river_model.predict_proba_one(x)
        ours.learn_one(x, y)
        river_model.learn_one(x, y)


def test_river_logistic_regression_peers_are_sensible_on_yeast():
    """river-br-lr gives PEERS.md's numbers (the whole stream); the chain and the label
    powerset of logistic regression beat no-change by a wide margin (the powerset on the first
    600 instances: river's softmax regression over ~100 label sets runs at ~40/s)."""
    from stream.prequential import evaluate
    from stream.sources.yeast import YeastSource

    peers = {name: registry.make(name) for name in ("river-br-lr", "river-cc-lr")}
    scores = {r.learner: r.metrics for r in evaluate(YeastSource(), peers)}
    assert scores["river-br-lr"]["micro_f1"] == pytest.approx(0.593, abs=0.001)
    assert scores["river-br-lr"]["subset_accuracy"] == pytest.approx(0.112, abs=0.001)
    assert scores["river-cc-lr"]["micro_f1"] == pytest.approx(0.606, abs=0.005)
    assert scores["river-cc-lr"]["subset_accuracy"] > scores["river-br-lr"]["subset_accuracy"]
    assert scores["no-change"]["micro_f1"] < 0.46
    powerset = {"river-lc-lr": registry.make("river-lc-lr")}
    early = {r.learner: r.metrics for r in evaluate(YeastSource(), powerset, limit=600)}
    assert early["river-lc-lr"]["micro_f1"] > early["no-change"]["micro_f1"] + 0.1
    assert early["river-lc-lr"]["subset_accuracy"] > 2 * early["no-change"]["subset_accuracy"]


def _check_predictions(preds, stream):
    seen: set = set()
    for pred, (_, y) in zip(preds, stream, strict=True):
        assert isinstance(pred, dict)
        assert all(type(v) is bool for v in pred.values()), pred
        assert set(pred) <= seen  # only labels seen so far
        seen |= set(y)


@pytest.mark.parametrize("name", NAMES)
def test_smoke_on_yeast(name):
    model = registry.make(name)
    assert isinstance(model, base.MultiLabelClassifier)
    stream = YEAST[: _n(name)]
    assert model.predict_one(stream[0][0]) == {}
    assert model.predict_proba_one(stream[0][0]) == {}
    preds = _test_then_train(model, stream)
    _check_predictions(preds, stream)
    assert set(preds[-1]) == set(stream[0][1])


@pytest.mark.parametrize("name", NAMES)
def test_smoke_on_nominal_sparse_stream_with_a_late_label(name):
    model = registry.make(name)
    stream = mixed_stream(_n(name))
    preds = _test_then_train(model, stream)
    _check_predictions(preds, stream)
    assert "Late" in model.predict_one(stream[-1][0])
    for p in model.predict_proba_one(stream[-1][0]).values():
        assert 0.0 <= p.get(True, 0.0) <= 1.0


@pytest.mark.parametrize("name", NAMES)
def test_clone_is_fresh_independent_and_equal(name):
    model = registry.make(name)
    stream = YEAST[:40]
    _test_then_train(model, stream)
    clone = model.clone()
    fresh = registry.make(name)
    assert repr(clone) == repr(fresh) == repr(model)
    snapshot = pickle.dumps(clone)
    _test_then_train(model, stream[:10])
    assert pickle.dumps(clone) == snapshot
    # the clone learns exactly like a fresh learner (stochastic ones are seeded)
    assert _test_then_train(clone, stream) == _test_then_train(fresh, stream)
