"""The online label clustering: recovery of known groups, drift, new labels, split arithmetic,
counts against a brute-force reference, the minimum-size refinement, state and speed."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Hashable
from typing import Any

import numpy as np
import pytest
from river.checks.common import check_init_default_params_are_not_mutable

from learners.clustering import LabelClustering
from learners.clustering import _kernels as K
from learners.clustering.label_clustering import refine
from stream.sources.synth import Drift, MultiLabelSynth
from tests.learners.helpers import Partition, adjusted_rand_index


def as_sets(partition: Partition) -> set[frozenset[Hashable]]:
    return {frozenset(cluster) for cluster in partition}


def assert_every_label_once(model: LabelClustering) -> None:
    seen = model.labels
    for clusters in (model.partition, model.leaves):
        flat = [label for cluster in clusters for label in cluster]
        assert sorted(flat, key=str) == sorted(seen, key=str)
        assert all(clusters), "no empty cluster"


def test_adjusted_rand_index() -> None:
    truth = [("a", "b", "c"), ("d", "e", "f")]
    assert adjusted_rand_index(truth, [("d", "e", "f"), ("c", "b", "a")]) == 1.0
    # agreeing pairs 4, expected 6 * 4 / 15, best (6 + 4) / 2
    assert adjusted_rand_index(truth, [("a", "b"), ("c",), ("d", "e", "f")]) == pytest.approx(
        (4 - 1.6) / (5 - 1.6)
    )
    assert adjusted_rand_index(truth, [("a", "d"), ("b", "e"), ("c", "f")]) < 0


def test_usable_before_learning() -> None:
    model = LabelClustering()
    assert model.partition == [] and model.leaves == [] and model.labels == []
    assert model.version == 0 and model.events == [] and model.n_seen == 0
    assert model.hierarchy["labels"] == [] and model.hierarchy["active"]
    assert model.render().startswith("#0 leaf, 0 labels")
    model.learn_one({})
    model.learn_one(set())
    assert model.n_seen == 2 and model.partition == []


# -- recovery of known groups ------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_the_generator_groups(seed: int) -> None:
    gen = MultiLabelSynth(n_labels=12, n_groups=3, n_instances=20_000, seed=seed)
    model = LabelClustering()
    for _, Y in gen.iter_arrays(500):
        model.learn_many(Y, gen.schema.label_names)
    truth = gen.groups_at(19_999)
    assert adjusted_rand_index(model.partition, truth) == 1.0
    assert as_sets(model.partition) == as_sets(truth) == as_sets(model.leaves)
    assert model.min_size == 4  # a group of 4 labels on alone is the commonest label set
    assert [e["kind"] for e in model.events] == ["split", "split"]
    assert model.events[0]["t"] == 399  # the first check where eps < tau (n = 400)
    assert_every_label_once(model)


def test_learn_one_and_learn_many_agree() -> None:
    gen = MultiLabelSynth(n_labels=10, n_groups=3, n_instances=5000, seed=4)
    by_dict, by_batch = LabelClustering(n_min=150), LabelClustering(n_min=150)
    for _, y in gen:
        by_dict.learn_one(y)
    for _, Y in gen.iter_arrays(333):
        by_batch.learn_many(Y, gen.schema.label_names)
    assert by_dict.events == by_batch.events and by_dict.n_splits >= 2
    assert by_dict.partition == by_batch.partition
    assert by_dict.hierarchy == by_batch.hierarchy
    np.testing.assert_array_equal(by_dict._pool, by_batch._pool)
    np.testing.assert_array_equal(by_dict._mon, by_batch._mon)


def test_sets_of_positive_labels_equal_dicts() -> None:
    gen = MultiLabelSynth(n_labels=8, n_groups=2, n_instances=3000, seed=5)
    by_dict, by_set = LabelClustering(), LabelClustering()
    for _, y in gen:
        by_dict.learn_one(y)
        by_set.learn_one({label for label, on in y.items() if on})
    # labels join when first seen: as False keys at once, or one by one when first on
    assert by_dict.leaves == by_set.leaves or as_sets(by_dict.leaves) == as_sets(by_set.leaves)
    assert [e["kind"] for e in by_dict.events] == [e["kind"] for e in by_set.events]


# -- drift -------------------------------------------------------------------------------------


def _drift_run(seed: int, **params: float) -> tuple[float, float, int, float, list[dict[str, Any]]]:
    """ARI before the drift, ARI of the partition and of the leaves at the end, the delay of
    the first restructuring after the drift, while checking every label is in one cluster."""
    gen = MultiLabelSynth(
        n_labels=12,
        n_groups=3,
        n_instances=20_000,
        drifts=(Drift(10_000, "correlation"),),
        seed=seed,
    )
    model = LabelClustering(**params)  # type: ignore[arg-type]
    before = math.nan
    for _, Y in gen.iter_arrays(100):
        model.learn_many(Y, gen.schema.label_names)
        assert_every_label_once(model)
        if model.n_seen == 10_000:
            before = adjusted_rand_index(model.partition, gen.groups_at(9_999))
            assert as_sets(model.leaves) == as_sets(gen.groups_at(9_999))
    after = [e for e in model.events if e["t"] >= 10_000]
    truth = gen.groups_at(19_999)
    return (
        before,
        adjusted_rand_index(model.partition, truth),
        after[0]["t"] - 10_000 if after else -1,
        adjusted_rand_index(model.leaves, truth),
        after,
    )


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_follows_a_correlation_drift(seed: int) -> None:
    # the drift splits one group in two halves and merges the two others: the merge happens
    # across the hierarchy, which only the side monitor sees; the split then follows
    before, end, delay, end_leaves, after = _drift_run(seed)
    assert before == 1.0
    assert after[0]["kind"] == "merge" and after[0]["reason"] == "cohesion"
    assert set(after[0]) == {"t", "kind", "node", "before", "after", "reason", "detail"}
    assert after[0]["detail"]["strength"] > 0.1
    assert 0 <= delay <= 2_000  # measured: 1400, 1000, 200, 200 instances
    # the leaves are the new groups; the two halves (2 labels each) are below the modal
    # cardinality (4), so the partition joins them: ARI 0.88
    assert end_leaves == 1.0
    assert end >= 0.8


def test_the_diameter_rule_alone_cannot_see_groups_merging() -> None:
    # Without the side monitor only the split half is found (by the divisive step); the two
    # merged groups stay apart: the spec's merge rule reacts to a cluster that falls apart
    before, end, _, end_leaves, after = _drift_run(2, cohesion_check=False)
    assert before == 1.0
    assert all(e["kind"] == "split" for e in after)
    assert end_leaves < 0.8


def _falling_apart(n: int, drift_at: int, seed: int) -> np.ndarray:
    """A={a1, a2} and B={b1, b2} correlated, C={c1, c2} independent; a1 and a2 become
    independent of each other from `drift_at` on."""
    rng = np.random.default_rng(seed)
    z_a = rng.random(n) < 0.3
    z_b = np.where(rng.random(n) < 0.6, z_a, rng.random(n) < 0.3)
    z_c = rng.random(n) < 0.3

    def noisy(z: np.ndarray) -> np.ndarray:
        return z & (rng.random(n) < 0.95)

    a1, a2 = noisy(z_a), noisy(z_a)
    a2 = np.where(np.arange(n) >= drift_at, rng.random(n) < 0.3, a2)
    return np.stack([a1, a2, noisy(z_b), noisy(z_b), noisy(z_c), noisy(z_c)], axis=1)


@pytest.mark.parametrize("cohesion_check", [True, False])
def test_a_cluster_that_falls_apart_reactivates_its_parent(cohesion_check: bool) -> None:
    names = ["a1", "a2", "b1", "b2", "c1", "c2"]
    model = LabelClustering(cohesion_check=cohesion_check)
    model.learn_many(_falling_apart(16_000, 8_000, seed=0), names)
    kinds = [(e["kind"], e["after"]) for e in model.events]
    assert kinds[:2] == [
        ("split", [["a1", "a2", "b1", "b2"], ["c1", "c2"]]),
        ("split", [["a1", "a2"], ["b1", "b2"]]),
    ]
    merge = next(e for e in model.events if e["kind"] == "merge")
    assert merge["t"] > 8_000 and merge["reason"] == "diameter"
    assert merge["before"] == [["a1", "a2"], ["b1", "b2"]]
    detail = merge["detail"]
    assert detail["diameter"] - detail["parent_diameter"] > detail["bound"]
    # the parent is active again, then splits a2 (now independent) off
    assert ["a2"] in model.events[-1]["after"] or ["a2"] in [list(c) for c in model.leaves]


def test_no_restructuring_without_a_correlation_drift() -> None:
    # a change of cardinality moves the rates of every side, not their correlations
    for drifts in [(), (Drift(30_000, "cardinality", factor=2.0),)]:
        gen = MultiLabelSynth(n_labels=12, n_groups=3, n_instances=60_000, drifts=drifts, seed=7)
        model = LabelClustering()
        for _, Y in gen.iter_arrays(2_000):
            model.learn_many(Y, gen.schema.label_names)
        assert (model.n_splits, model.n_merges) == (2, 0)
        assert as_sets(model.partition) == as_sets(gen.groups_at(59_999))


# -- new labels --------------------------------------------------------------------------------


def test_a_label_appearing_mid_stream_joins_and_stays_in_the_partition() -> None:
    gen = MultiLabelSynth(n_labels=8, n_groups=2, n_instances=8_000, seed=11)
    groups = gen.groups_at(0)
    buddy = groups[1][0]  # "late" will always be on with this label, from instance 3000 on
    model = LabelClustering()
    joined_at = None
    for t, (_, y) in enumerate(gen):
        if t >= 3_000:
            y = {**y, "late": y[buddy]}
            if joined_at is None and "late" in model.labels:
                joined_at = t
        model.learn_one(y)
        if t % 250 == 0:
            assert_every_label_once(model)
    assert joined_at == 3_001  # seen (as a False key, or on) at instance 3000
    assert_every_label_once(model)
    cluster = next(c for c in model.partition if "late" in c)
    assert set(cluster) == {*groups[1], "late"}


def test_where_a_new_label_joins() -> None:
    model = LabelClustering(n_min=100)
    rng = np.random.default_rng(0)
    for _ in range(2_000):  # two groups {a, b, c} and {d, e}
        ys = set()
        if rng.random() < 0.4:
            ys |= {"a", "b", "c"}
        if rng.random() < 0.4:
            ys |= {"d", "e"}
        model.learn_one(ys)
    assert as_sets(model.leaves) == {frozenset("abc"), frozenset("de")}
    # on with d and e: it joins their cluster, however small
    model.learn_one({"d", "e", "x"})
    assert as_sets(model.leaves) == {frozenset("abc"), frozenset("dex")}
    # on with a and d: a tie, the smaller cluster wins (both have 3 labels: the higher id)
    model.learn_one({"a", "d", "y"})
    assert {"d", "e", "x", "y"} in as_sets(model.leaves) or {"a", "b", "c", "y"} in as_sets(
        model.leaves
    )
    # seen off, or alone: the cluster with the fewest labels
    sizes_before = sorted(len(c) for c in model.leaves)
    model.learn_one({"a": True, "z": False})
    assert min(len(c) for c in model.leaves if "z" in c) == sizes_before[0] + 1
    model.learn_one(["w"])
    assert_every_label_once(model)


def test_a_late_label_is_compared_over_the_instances_since_it_joined() -> None:
    model = LabelClustering(n_min=10**6)
    for _ in range(1_000):
        model.learn_one({"d"})
    for _ in range(100):
        model.learn_one({"d", "x"})
    block = model._block(0)[:2, :2]
    # the lower triangle keeps d's count when x joined
    assert block.tolist() == [[1_100, 100], [1_000, 100]]
    d, union = K.pair_distance(model._pool, 0, int(model._slot_cap[0]), 0, 1)
    assert (d, union) == (0.0, 100)  # not 1 - 100 / 1100


# -- the split rule on a hand-made stream ------------------------------------------------------


def _cycle(sets: list[set[str]], n: int) -> list[set[str]]:
    return [sets[i % len(sets)] for i in range(n)]


def test_split_arithmetic_on_a_hand_made_stream() -> None:
    # per cycle of 10: n_a = 5, n_b = n_c = n_d = n_e = 4; n11: ab 4, ac 1, cd 3, ce 3, de 4
    cycle = [{"a", "b"}] * 4 + [{"c", "d", "e"}] * 3 + [{"a", "c"}, {"d", "e"}, set()]
    distance = {
        ("a", "b"): 1 - 4 / 5,
        ("a", "c"): 1 - 1 / 8,
        ("c", "d"): 1 - 3 / 5,
        ("c", "e"): 1 - 3 / 5,
        ("d", "e"): 0.0,
    }
    pairs = list(itertools.combinations("abcde", 2))
    d = [distance.get(p, 1.0) for p in pairs]  # a-d, a-e, b-c, b-d, b-e never together
    mean = sum(d) / len(pairs)  # over the 10 pairs, not over the instances
    assert mean == pytest.approx(0.6875)

    model = LabelClustering(n_min=200, delta=1e-3, tau=0.1)
    for ys in _cycle(cycle, 200):
        model.learn_one({label: label in ys for label in "abcde"})
    # d1 = d2 = 1 (a tie) and eps(200) = 0.131 > tau: no split yet
    assert model.n_splits == 0 and math.sqrt(math.log(1e3) / 400) > 0.1
    for ys in _cycle(cycle, 200):
        model.learn_one({label: label in ys for label in "abcde"})
    # eps(400) = 0.093 < tau and (d1 - d0) |(d1 - mean) - (mean - d0)| = 0.375 > eps
    assert model.n_splits == 1
    split = model.hierarchy["split"]
    assert split["t"] == 399 and split["n"] == 400
    assert split["d1"] == split["d2"] == 1.0 and split["d0"] == 0.0
    assert split["mean"] == pytest.approx(mean, abs=1e-12)
    assert split["eps"] == pytest.approx(math.sqrt(math.log(1e3) / 800))
    # pivots: among the pairs at distance 1 the one with the largest union (a-d: 9)
    assert split["pivots"] == ["a", "d"]
    # b is nearer a (0.2 vs 1); c nearer d (0.4 vs 0.875); e nearer d (0 vs 1)
    assert model.events[0]["after"] == [["a", "b"], ["c", "d", "e"]]
    for child in model.hierarchy["children"]:
        assert child["parent_diameter"] == 1.0 and child["parent_eps"] == split["eps"]
        assert child["n"] == 0 and child["created"] == 400


def test_a_group_equidistant_from_both_pivots_stays_together() -> None:
    cycle = [{"a1", "a2"}] * 4 + [{"b1", "b2"}] * 4 + [{"c1", "c2"}] * 2
    model = LabelClustering(n_min=200)
    for ys in _cycle(cycle, 400):
        model.learn_one(ys)  # sets: the labels join in the order of their names
    split = model.hierarchy["split"]
    assert split["pivots"] == ["a1", "b1"] and split["mean"] == pytest.approx(12 / 15)
    # c1 and c2 never meet a or b (distance 1 to both pivots: no preference); they go
    # together, to the smaller child (the first on a tie)
    assert model.events[0]["after"] == [["a1", "a2", "c1", "c2"], ["b1", "b2"]]


def test_a_leaf_with_silent_labels_waits_before_splitting() -> None:
    cycle = [{"a1", "a2"}] * 4 + [{"b1", "b2"}] * 4 + [{"c1", "c2"}] * 2
    labels = ["a1", "a2", "b1", "b2", "c1", "c2", "never"]
    for patience, first_split in [(5_000, None), (600, 599), (1, 399)]:
        model = LabelClustering(n_min=200, silent_patience=patience)
        for ys in _cycle(cycle, 1_000):
            model.learn_one({label: label in ys for label in labels})
        assert (model.events[0]["t"] if model.events else None) == first_split


def test_waiting_for_silent_labels_keeps_sparse_groups_together() -> None:
    # 500 labels in 100 groups of 5, each label on in about 0.5% of the instances: splitting
    # as soon as the test allows tears the groups whose labels have not been seen yet
    Y = _sparse_label_sets(500, 20_000, seed=2)
    names = [f"l{j}" for j in range(500)]
    truth = [names[g * 5 : (g + 1) * 5] for g in range(100)]
    waiting, eager = LabelClustering(), LabelClustering(silent_patience=1)
    waiting.learn_many(Y, names)
    eager.learn_many(Y, names)
    assert adjusted_rand_index(waiting.leaves, truth) > 0.7  # measured 0.73
    assert adjusted_rand_index(eager.leaves, truth) < 0.3  # measured 0.27
    assert_every_label_once(waiting)


# -- counts against a brute-force reference ----------------------------------------------------


def _brute_force_block(
    sets: list[set[str]], joined: dict[str, int], created: int, members: list[str]
) -> np.ndarray:
    """The block a leaf created at `created` with labels `members` (in local order) holds."""
    k = len(members)
    block = np.zeros((k, k), dtype=np.int64)
    start = [max(created, joined[m]) for m in members]
    for t, ys in enumerate(sets):
        for a in range(k):
            if members[a] not in ys:
                continue
            if t >= start[a]:
                block[a, a] += 1
            for b in range(a + 1, k):
                if t >= start[b] and members[b] in ys:
                    block[a, b] += 1
                if start[a] <= t < start[b]:
                    block[b, a] += 1
    return block


@pytest.mark.parametrize("n_min", [10**9, 150])
def test_counts_match_a_brute_force_reference(n_min: int) -> None:
    rng = np.random.default_rng(3)
    labels = [f"l{j}" for j in range(9)]
    debut = {label: int(rng.integers(0, 1_500)) for label in labels}
    debut["l0"] = debut["l1"] = 0
    sets: list[set[str]] = []
    for t in range(3_000):
        group = rng.integers(0, 3)
        ys = {labels[j] for j in range(9) if (j % 3 == group and rng.random() < 0.8)}
        ys |= {labels[j] for j in range(9) if rng.random() < 0.05}
        sets.append({label for label in ys if t >= debut[label]})
    model = LabelClustering(n_min=n_min)
    joined: dict[str, int] = {}
    for t, ys in enumerate(sets):
        for label in ys:
            joined.setdefault(label, t)
        model.learn_one(ys)
    assert (model.n_splits > 0) == (n_min < 10**9)
    for row in model._leaf_rows(model._root):
        slot = int(model._node_i[row, K.N_SLOT])
        members = [model.labels[g] for g in model._members(slot).tolist()]
        created = int(model._node_i[row, K.N_CREATED])
        k, cap, off = len(members), int(model._slot_cap[slot]), int(model._slot_off[slot])
        block = model._pool[off : off + cap * cap].reshape(cap, cap)[:k, :k]
        expected = _brute_force_block(sets, joined, created, members)
        np.testing.assert_array_equal(block, expected)
        assert model._slot_n[slot] == len(sets) - created
        for a, b in itertools.combinations(range(k), 2):
            both = expected[a, b]
            n_a = expected[a, a] - expected[b, a]
            n_b = expected[b, b]
            d, union = K.pair_distance(model._pool, off, cap, a, b)
            assert union == (n_a + n_b - both if n_a > 0 and n_b > 0 else 0)
            if union:
                assert d == pytest.approx(1 - both / union)


# -- the minimum-size refinement ---------------------------------------------------------------


def _leaf(*labels: str) -> dict[str, Any]:
    return {"labels": list(labels), "children": []}


def _node(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    return {"labels": [], "children": [left, right]}


def test_refine_merges_small_clusters_with_their_nearest_relatives() -> None:
    big1, big2 = _leaf("a", "b", "c", "d"), _leaf("e", "f", "g", "h")
    tree = _node(_node(big1, _node(_leaf("i"), _leaf("j"))), _node(big2, _leaf("k")))
    # at or above the minimum: unchanged
    assert refine(tree, 1) == [list("abcd"), ["i"], ["j"], list("efgh"), ["k"]]
    # small siblings merge together first; a small cluster left alone under a node joins the
    # smallest final cluster under its lowest ancestor that has one (k: its sibling e-h)
    assert refine(tree, 2) == [list("abcd"), ["i", "j"], list("efghk")]
    # still too small: i, j and k meet at the root, and 3 is enough
    assert refine(tree, 3) == [list("abcd"), ["i", "j", "k"], list("efgh")]
    # still too small at the root: the leftover joins the smallest final cluster under the
    # lowest node that holds it (the root here; a tie goes to the first in tree order)
    assert refine(tree, 4) == [list("abcdijk"), list("efgh")]
    # a leftover from one side only stays on its side
    lopsided = _node(_node(big1, _leaf("i")), _node(big2, _leaf("e2", "f2", "g2", "h2", "x")))
    assert refine(lopsided, 4) == [list("abcdi"), list("efgh"), ["e2", "f2", "g2", "h2", "x"]]
    # everything small: one cluster
    assert refine(tree, 50) == [list("abcdijefghk")]
    assert refine(_leaf(), 3) == [] and refine(_leaf("z"), 3) == [["z"]]


def test_partition_applies_the_modal_cardinality() -> None:
    rng = np.random.default_rng(1)
    model = LabelClustering()
    groups = [("a", "b", "c"), ("d", "e", "f"), ("g",), ("h",)]
    for _ in range(6_000):
        ys: set[str] = set()
        for group, rate in zip(groups, (0.3, 0.3, 0.1, 0.1), strict=True):
            if rng.random() < rate:
                ys.update(group)
        model.learn_one(ys)
    # empty label sets are the commonest (0.41) but do not count; then 3 labels (0.33)
    assert model.min_size == 3
    assert_every_label_once(model)
    leaves, partition = as_sets(model.leaves), as_sets(model.partition)
    assert {frozenset("abc"), frozenset("def")} <= leaves
    assert all(len(c) >= 3 for c in model.partition)
    big = {c for c in leaves if len(c) >= 3}
    assert len(big - partition) <= 1  # at most one big cluster absorbs a leftover
    # an explicit minimum of 1 leaves the leaves as they are
    model_1 = LabelClustering(min_cluster_size=1)
    model_1.learn_many(np.array([[c in ys for c in "abc"] for ys in ({"a"}, {"a", "b"})]), "abc")
    assert model_1.partition == model_1.leaves


def test_min_size_changes_bump_the_version() -> None:
    model = LabelClustering(n_min=10**6)
    model.learn_many(np.eye(3, dtype=bool), ["a", "b", "c"])
    version = model.version
    assert model.min_size == 1 and model.partition == [("a", "b", "c")]
    for _ in range(4):
        model.learn_one({"a", "b"})
    assert model.min_size == 2 and model.version == version  # one cluster all along


# -- events, hierarchy, state ------------------------------------------------------------------


def test_events_version_hierarchy_and_render() -> None:
    gen = MultiLabelSynth(n_labels=9, n_groups=3, n_instances=3_000, seed=1)
    model = LabelClustering()
    versions = []
    for _, y in gen:
        model.learn_one(y)
        versions.append(model.version)
    # one change when the labels joined, one per split
    assert versions[0] == 1 and versions[-1] == 1 + model.n_splits == 3
    assert [versions[e["t"]] - versions[e["t"] - 1] for e in model.events] == [1, 1]
    for event in model.events:
        assert set(event) == {"t", "kind", "node", "before", "after"}
        assert sorted(event["before"]) == sorted(label for c in event["after"] for label in c)
    tree = json.loads(json.dumps(model.hierarchy))
    assert tree["id"] == 0 and not tree["active"] and len(tree["children"]) == 2
    text = model.render()
    assert text.splitlines()[0].startswith("#0 split at t=399, 9 labels")
    assert text.count("leaf,") == 3 and "diameter=" in text


def test_reopen_starts_again_from_one_cluster() -> None:
    gen = MultiLabelSynth(n_labels=12, n_groups=3, n_instances=6_000, seed=2)
    model = LabelClustering()
    Y = np.concatenate([Y for _, Y in gen.iter_arrays(1_000)])
    model.learn_many(Y[:3_000], gen.schema.label_names)
    assert len(model.leaves) == 3
    version = model.version
    model.reopen("error drift")
    assert model.leaves == [tuple(gen.schema.label_names)] and model.version == version + 1
    assert model.events[-1]["kind"] == "merge" and model.events[-1]["reason"] == "error drift"
    assert model.n_events == 3 and model.hierarchy["n"] == 0
    model.reopen()  # a leaf root: fresh statistics, no event
    assert model.n_events == 3 and model.version == version + 1
    model.learn_many(Y[3_000:], gen.schema.label_names)
    assert as_sets(model.partition) == as_sets(gen.groups_at(5_999))
    assert model.events[-1]["t"] - 3_000 < 2_000


def test_clone_is_fresh_and_params_are_stored_unchanged() -> None:
    model = LabelClustering(n_min=50, delta=0.01, tau=0.2, min_cluster_size=2)
    check_init_default_params_are_not_mutable(model)  # type: ignore[no-untyped-call]
    model.learn_many(np.eye(4, dtype=bool).repeat(30, axis=0), list("abcd"))
    twin = model.clone()
    assert twin._get_params() == model._get_params()
    assert twin.n_min == 50 and twin.min_cluster_size == 2
    assert twin.n_seen == 0 and twin.partition == [] and twin.version == 0
    twin.learn_one({"z"})
    assert "z" not in model.labels and model.n_seen == 120


def test_invalid_arguments() -> None:
    for params in [
        {"n_min": 0},
        {"delta": 1.0},
        {"tau": -1.0},
        {"min_cluster_size": 0},
        {"cohesion_delta": 0.0},
        {"silent_patience": 0},
    ]:
        with pytest.raises(ValueError):
            LabelClustering(**params)  # type: ignore[arg-type]
    model = LabelClustering()
    with pytest.raises(TypeError):
        model.learn_one("abc")
    with pytest.raises(ValueError):
        model.learn_many(np.zeros((2, 3), dtype=bool), ["a", "b"])
    with pytest.raises(ValueError):
        model.learn_many(np.zeros(3, dtype=bool))


def test_checkpoint_round_trip_as_data() -> None:
    state = pytest.importorskip("learners.state")
    gen = MultiLabelSynth(n_labels=12, n_groups=3, n_instances=24_000, seed=5)
    batches = [Y for _, Y in gen.iter_arrays(1_000)]
    names = gen.schema.label_names
    model = LabelClustering()
    for Y in batches[:10]:
        model.learn_many(Y, names)
    restored, _ = state.from_bytes(state.to_bytes(model))  # arrays copied, as from a file
    for Y in batches[10:]:
        model.learn_many(Y, names)
        restored.learn_many(Y, names)
    assert restored.events == model.events and restored.partition == model.partition
    np.testing.assert_array_equal(restored._pool, model._pool)


# -- speed -------------------------------------------------------------------------------------


def _sparse_label_sets(n_labels: int, n: int, seed: int = 0) -> np.ndarray:
    """About 3 positives per instance, drawn from one of n_labels / 5 groups of 5 labels."""
    rng = np.random.default_rng(seed)
    Y = np.zeros((n, n_labels), dtype=bool)
    group = rng.integers(0, n_labels // 5, n)
    for _ in range(3):
        Y[np.arange(n), group * 5 + rng.integers(0, 5, n)] = True
    return Y


@pytest.mark.parametrize("n_labels", [100, 1000])
def test_learn_many_matches_learn_one_on_wide_label_spaces(n_labels: int) -> None:
    """The batch path splits as the per-instance path does on 10,000 sparse label sets (how fast
    each is shows in `python -m stream.bench.scale`, not in a timed test)."""
    names = [f"l{j}" for j in range(n_labels)]
    Y = _sparse_label_sets(n_labels, 10_000)
    one = LabelClustering()
    one.learn_one(dict.fromkeys(names, False))
    for row in Y:
        one.learn_one([names[j] for j in np.flatnonzero(row)])
    many = LabelClustering()
    many.learn_one(dict.fromkeys(names, False))
    many.learn_many(Y, names)
    assert one.n_splits > 0 and as_sets(one.leaves) == as_sets(many.leaves)
