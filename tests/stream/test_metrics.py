from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Hashable, Sequence
from collections.abc import Set as AbstractSet

import numpy as np
import pytest
from river import compose, datasets, linear_model, metrics, multioutput, naive_bayes, preprocessing

from stream.metrics import METRIC_KEYS, MultiLabelMetrics, WindowedMultiLabelMetrics

Pair = tuple[frozenset[Hashable], frozenset[Hashable]]


# --- brute-force reference over full confusion matrices -------------------------------------


def scoring_sizes(
    pairs: Sequence[Pair], upfront: Sequence[Hashable] = ()
) -> tuple[list[Hashable], list[int]]:
    """The labels known after `pairs`, and L when each pair was scored."""
    known = list(dict.fromkeys(upfront))
    sizes = []
    for y_true, y_pred in pairs:
        known.extend(label for label in sorted(y_true | y_pred, key=repr) if label not in known)
        sizes.append(len(known))
    return known, sizes


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros(a.shape), where=b > 0)


def reference(
    pairs: Sequence[Pair], sizes: Sequence[int], labels: Sequence[Hashable]
) -> dict[str, float]:
    """Every metric recomputed from scratch with NumPy, following the module's conventions."""
    if not pairs:
        return dict.fromkeys(METRIC_KEYS, 0.0)
    truth = np.array([[label in y for label in labels] for y, _ in pairs], bool)
    guess = np.array([[label in z for label in labels] for _, z in pairs], bool)
    truth, guess = truth.reshape(len(pairs), -1), guess.reshape(len(pairs), -1)
    size = np.asarray(sizes, float)
    wrong = (truth ^ guess).sum(1)
    hits = (truth & guess).sum(1)
    both = truth.sum(1) + guess.sum(1)
    tp = (truth & guess).sum(0)
    fp = (~truth & guess).sum(0)
    fn = (truth & ~guess).sum(0)
    untouched = (tp + fp + fn) == 0
    per_p = np.where(untouched, 1.0, _div(tp, tp + fp))
    per_r = np.where(untouched, 1.0, _div(tp, tp + fn))
    per_f = np.where(untouched, 1.0, _div(2 * tp, 2 * tp + fp + fn))
    t, f_p, f_n = int(tp.sum()), int(fp.sum()), int(fn.sum())
    micro = _div(np.array([t, t, 2 * t]), np.array([t + f_p, t + f_n, 2 * t + f_p + f_n]))
    has_labels = len(labels) > 0
    return {
        "subset_accuracy": float((wrong == 0).mean()),
        "hamming_loss": float(_div(wrong.astype(float), size).mean()),
        "example_f1": float(np.where(both == 0, 1.0, _div(2.0 * hits, both)).mean()),
        "micro_f1": float(micro[2]),
        "macro_f1": float(per_f.mean()) if has_labels else 0.0,
        "micro_precision": float(micro[0]),
        "micro_recall": float(micro[1]),
        "macro_precision": float(per_p.mean()) if has_labels else 0.0,
        "macro_recall": float(per_r.mean()) if has_labels else 0.0,
    }


def assert_metrics(got: dict[str, float], want: dict[str, float]) -> None:
    assert list(got) == list(METRIC_KEYS)
    for key in METRIC_KEYS:
        assert got[key] == pytest.approx(want[key], rel=1e-12, abs=1e-12), key
        assert 0.0 <= got[key] <= 1.0


def random_stream(seed: int, n: int, n_labels: int, *, grow: bool = True) -> list[Pair]:
    """Sparse label sets with noisy predictions; with `grow`, labels become available over time
    and some instances are empty on both sides."""
    rng = np.random.default_rng(seed)
    pairs: list[Pair] = []
    for i in range(n):
        available = max(1, n_labels * (i + 1) // n) if grow else n_labels
        if rng.random() < 0.1:
            pairs.append((frozenset(), frozenset()))
            continue
        y = {int(j) for j in rng.choice(available, size=min(available, rng.poisson(2.0)))}
        z = {label for label in y if rng.random() < 0.6}
        z |= {int(j) for j in rng.choice(available, size=rng.poisson(1.0))}
        pairs.append((frozenset(y), frozenset(z)))
    return pairs


def feed(metric: MultiLabelMetrics, pairs: Sequence[Pair]) -> MultiLabelMetrics:
    for y, z in pairs:
        metric.update(y, z)
    return metric


# --- against the brute-force reference ------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("upfront", [(), (-1, -2)], ids=["none", "unseen"])
def test_full_stream_matches_reference(seed: int, upfront: tuple[int, ...]) -> None:
    pairs = random_stream(seed, 400, 60)
    metric = MultiLabelMetrics(upfront)
    for t in (1, 7, 100, 400):
        feed(metric, pairs[metric.n : t])  # metric.n counts what was fed so far
        labels, sizes = scoring_sizes(pairs[:t], upfront)
        assert metric.n == t
        assert set(metric.labels) == set(labels)
        assert_metrics(metric.get(), reference(pairs[:t], sizes, labels))


def test_labels_given_up_front_fix_hamming_denominator() -> None:
    pairs = random_stream(11, 300, 40, grow=False)
    metric = feed(MultiLabelMetrics(range(40)), pairs)
    assert metric.n_labels == 40
    assert_metrics(metric.get(), reference(pairs, [40] * len(pairs), list(range(40))))


# --- against river's metrics ----------------------------------------------------------------


def river_metrics() -> dict[str, metrics.base.Metric]:
    return {
        "subset_accuracy": metrics.multioutput.ExactMatch(),
        "micro_precision": metrics.multioutput.MicroAverage(metrics.Precision()),
        "micro_recall": metrics.multioutput.MicroAverage(metrics.Recall()),
        "micro_f1": metrics.multioutput.MicroAverage(metrics.F1()),
        "macro_precision": metrics.multioutput.MacroAverage(metrics.Precision()),
        "macro_recall": metrics.multioutput.MacroAverage(metrics.Recall()),
        "macro_f1": metrics.multioutput.MacroAverage(metrics.F1()),
        "example_f1": metrics.multioutput.SampleAverage(metrics.F1()),
    }


def compare_with_river(
    dict_pairs: Sequence[tuple[dict[Hashable, bool], dict[Hashable, bool]]],
) -> int:
    """Feed river's metrics and ours the same dict predictions and check they agree up to the
    documented conventions; return the number of labels where the conventions differ."""
    labels = list(dict_pairs[0][0])
    ours = MultiLabelMetrics(labels)
    theirs = river_metrics()
    untouched = set(labels)
    both_empty = 0
    for y, p in dict_pairs:
        truth = frozenset(label for label, on in y.items() if on)
        guess = frozenset(label for label, on in p.items() if on)
        ours.update(truth, guess)
        for metric in theirs.values():
            metric.update(y, p)
        untouched -= truth | guess
        both_empty += not (truth or guess)
    got = ours.get()
    n, n_labels = len(dict_pairs), len(labels)
    for key, metric in theirs.items():
        # River scores 0 where our conventions score 1 (module docstring).
        offset = len(untouched) / n_labels if key.startswith("macro") else 0.0
        if key == "example_f1":
            offset = both_empty / n
        assert got[key] == pytest.approx(metric.get() + offset, rel=1e-12, abs=1e-12), key
    return len(untouched)


ModelFactory = Callable[[], object]


@pytest.mark.parametrize(
    "make_model",
    [
        lambda: compose.Pipeline(
            preprocessing.StandardScaler(),
            multioutput.ClassifierChain(linear_model.LogisticRegression()),
        ),
        lambda: multioutput.PerOutputClassifier(naive_bayes.GaussianNB()),
    ],
    ids=["chain", "per-output-gnb"],
)
def test_matches_river_on_yeast_predictions(make_model: ModelFactory) -> None:
    model = make_model()
    dict_pairs = []
    for x, y in itertools.islice(datasets.Yeast(), 300):
        predicted = model.predict_one(x)  # type: ignore[attr-defined]
        dict_pairs.append((y, {label: bool(predicted.get(label, False)) for label in y}))
        model.learn_one(x, y)  # type: ignore[attr-defined]
    compare_with_river(dict_pairs)


@pytest.mark.parametrize("seed", range(3))
def test_matches_river_on_random_predictions(seed: int) -> None:
    labels = list(range(80))
    pairs = random_stream(seed, 400, len(labels), grow=False)

    def as_dicts(pair: Pair) -> tuple[dict[Hashable, bool], dict[Hashable, bool]]:
        return ({j: j in pair[0] for j in labels}, {j: j in pair[1] for j in labels})

    compare_with_river([as_dicts(pair) for pair in pairs])
    # Where every label has a positive or a prediction, the macro conventions coincide.
    covered = pairs + [(frozenset(labels), frozenset())]
    assert compare_with_river([as_dicts(pair) for pair in covered]) == 0


# --- the sliding window ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(3))
def test_window_matches_reference_on_last_instances(seed: int) -> None:
    window = 50
    pairs = random_stream(seed, 500, 60)
    metric = WindowedMultiLabelMetrics(window, labels=("never",))
    fed = 0
    for t in (1, 10, 49, 50, 51, 137, 300, 500):
        feed(metric, pairs[fed:t])
        fed = t
        labels, sizes = scoring_sizes(pairs[:t], ("never",))
        start = max(0, t - window)
        assert metric.n == t - start
        assert_metrics(metric.get(), reference(pairs[start:t], sizes[start:t], labels))


def counting_state(metric: MultiLabelMetrics) -> dict[str, object]:
    state = {key: value for key, value in vars(metric).items() if key not in ("_records", "window")}
    # Labels keep their order of arrival; the integer keyed sums may differ only in order.
    return {
        key: dict(sorted(v.items())) if key in ("_overlap", "_errors") else v
        for key, v in state.items()
    }


def test_window_state_equals_full_stream_state_on_last_instances() -> None:
    labels = list(range(30))
    pairs = random_stream(3, 400, len(labels), grow=False)
    window = 64
    metric = WindowedMultiLabelMetrics(window, labels)
    for t, (y, z) in enumerate(pairs, start=1):
        metric.update(y, z)
        if t % 37 == 0 or t == len(pairs):
            recomputed = feed(MultiLabelMetrics(labels), pairs[max(0, t - window) : t])
            assert counting_state(metric) == counting_state(recomputed)
            assert metric.get() == pytest.approx(recomputed.get(), rel=1e-12)


def test_window_forgets_everything_it_evicts() -> None:
    metric = WindowedMultiLabelMetrics(3, labels="ab")
    feed(metric, [(frozenset("a"), frozenset("b"))] * 5)
    feed(metric, [(frozenset(), frozenset())] * 3)
    assert counting_state(metric) == counting_state(
        feed(MultiLabelMetrics("ab"), [(frozenset(), frozenset())] * 3)
    )
    assert metric.get()["macro_f1"] == 1.0


def test_window_must_hold_an_instance() -> None:
    with pytest.raises(ValueError, match="window"):
        WindowedMultiLabelMetrics(0)


# --- edge cases -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "metric", [MultiLabelMetrics(), MultiLabelMetrics("ab"), WindowedMultiLabelMetrics(5)]
)
def test_before_any_update_everything_is_zero(metric: MultiLabelMetrics) -> None:
    assert metric.n == 0
    assert metric.get() == dict.fromkeys(METRIC_KEYS, 0.0)


def test_empty_true_and_predicted_sets() -> None:
    metric = MultiLabelMetrics("ab")
    metric.update(set(), set())
    assert metric.get() == {
        "subset_accuracy": 1.0,
        "hamming_loss": 0.0,
        "example_f1": 1.0,
        "micro_f1": 0.0,
        "macro_f1": 1.0,
        "micro_precision": 0.0,
        "micro_recall": 0.0,
        "macro_precision": 1.0,
        "macro_recall": 1.0,
    }


def test_empty_sets_with_no_known_label() -> None:
    metric = MultiLabelMetrics()
    metric.update(frozenset(), frozenset())
    got = metric.get()
    assert metric.n_labels == 0
    assert (got["subset_accuracy"], got["example_f1"], got["hamming_loss"]) == (1.0, 1.0, 0.0)
    assert got["macro_f1"] == got["micro_f1"] == 0.0


def test_label_never_seen_scores_one_in_macro_averages() -> None:
    metric = MultiLabelMetrics("abc")
    metric.update({"a"}, {"b"})  # a: fn, b: fp, c: never seen
    got = metric.get()
    for key in ("macro_precision", "macro_recall", "macro_f1"):
        assert got[key] == pytest.approx(1 / 3)
    assert got["micro_f1"] == 0.0
    assert got["hamming_loss"] == pytest.approx(2 / 3)


def test_new_label_grows_the_hamming_denominator() -> None:
    metric = MultiLabelMetrics(["a"])
    metric.update({"a"}, {"a"})
    metric.update({"b"}, set())  # scored with L = 2
    assert metric.labels == ("a", "b")
    assert metric.get()["hamming_loss"] == pytest.approx((0 / 1 + 1 / 2) / 2)
    metric.add_labels(["c", "a"])
    assert metric.n_labels == 3


def test_accepts_any_set_and_does_not_keep_the_callers_sets() -> None:
    metric = WindowedMultiLabelMetrics(10)
    truth, guess = {"a": True, "b": True}.keys(), {"a", "c"}
    metric.update(truth, guess)
    guess.add("b")  # mutating the caller's set after the update changes nothing
    want = reference([(frozenset("ab"), frozenset("ac"))], [3], ["a", "b", "c"])
    assert_metrics(metric.get(), want)
    assert "n=1" in repr(metric)
    assert math.isclose(metric.get()["example_f1"], 0.5)


def test_state_is_plain_data() -> None:
    metric = feed(MultiLabelMetrics(), random_stream(0, 50, 10))
    for value in vars(metric).values():
        assert isinstance(value, int | dict)
        if isinstance(value, dict):
            assert all(isinstance(count, int) for count in value.values())


def test_positive_sets_are_abstract_sets() -> None:
    # The signature takes AbstractSet, so frozenset and set both work and give the same result.
    pairs = random_stream(5, 100, 20)
    a = feed(MultiLabelMetrics(), pairs)
    b = MultiLabelMetrics()
    for y, z in pairs:
        y_set: AbstractSet[Hashable] = set(y)
        b.update(y_set, set(z))
    assert a.get() == b.get()
