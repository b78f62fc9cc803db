from __future__ import annotations

import itertools

import pytest
from river import evaluate as river_evaluate
from river import metrics as river_metrics
from river import multioutput, naive_bayes

from learners.registry import make
from stream.metrics import MultiLabelMetrics
from stream.prequential import EvaluationResult, evaluate, gain_over, iter_prequential
from stream.sources.base import Source
from stream.sources.yeast import YeastSource


class _ListSource(Source):
    def __init__(self, source: Source, n: int) -> None:
        self._schema = source.schema
        self._rows = list(itertools.islice(source, n))

    @property
    def schema(self):  # type: ignore[no-untyped-def]
        return self._schema

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._rows)


@pytest.fixture(scope="module")
def yeast_600() -> Source:
    return _ListSource(YeastSource(), 600)


def test_checkpoints_every_k_and_at_the_end(yeast_600: Source) -> None:
    cps = list(iter_prequential(yeast_600, {"nb": make("br-nb")}, every=250))
    assert [cp.n for cp in cps] == [250, 500, 600]
    seconds = [cp.learners["nb"].seconds for cp in cps]
    assert seconds == sorted(seconds) and seconds[0] > 0
    assert all(cp.learners["nb"].n_labels == 14 for cp in cps)


def test_limit_stops_the_stream(yeast_600: Source) -> None:
    cps = list(iter_prequential(yeast_600, {"nc": make("no-change")}, every=1000, limit=123))
    assert [cp.n for cp in cps] == [123]


def test_matches_river_metrics_on_every_instance(yeast_600: Source) -> None:
    """Test-then-train scored with river's metrics, every instance counted, gives our values.

    A label missing from a prediction (before any learning there is none) counts as False.
    """
    model = multioutput.PerOutputClassifier(naive_bayes.GaussianNB())
    ours = evaluate(yeast_600, {"nb": model.clone()})[0]
    micro = river_metrics.multioutput.MicroAverage(river_metrics.F1())
    exact = river_metrics.multioutput.ExactMatch()
    for x, y in yeast_600:
        predicted = model.predict_one(x)
        y_pred = {label: predicted.get(label, False) for label in y}
        micro.update(y, y_pred)
        exact.update(y, y_pred)
        model.learn_one(x, y)
    assert ours.metrics["micro_f1"] == pytest.approx(micro.get(), abs=1e-12)
    assert ours.metrics["subset_accuracy"] == pytest.approx(exact.get(), abs=1e-12)


def test_close_to_river_progressive_validation(yeast_600: Source) -> None:
    """river's own evaluation skips the first instance (no prediction yet); we count it."""
    model = multioutput.PerOutputClassifier(naive_bayes.GaussianNB())
    ours = evaluate(yeast_600, {"nb": model.clone()})[0]
    theirs = river_evaluate.progressive_val_score(
        iter(yeast_600), model, river_metrics.multioutput.MicroAverage(river_metrics.F1())
    )
    assert ours.metrics["micro_f1"] == pytest.approx(theirs.get(), abs=2 / 600)


def test_learners_side_by_side_do_not_interfere(yeast_600: Source) -> None:
    results = evaluate(yeast_600, {"a": make("br-ht"), "b": make("br-ht")})
    by_name = {r.learner: r for r in results}
    assert by_name["a"].metrics == by_name["b"].metrics
    alone = evaluate(yeast_600, {"a": make("br-ht")})[0]
    assert alone.metrics == by_name["a"].metrics


def test_results_carry_gain_over_no_change(yeast_600: Source) -> None:
    results = evaluate(yeast_600, {"ht": make("br-ht")})
    assert [r.learner for r in results] == ["ht", "no-change"]
    ht, ref = results
    assert ref.gain_over_no_change == {k: 0.0 for k in ref.metrics}
    assert ht.gain_over_no_change is not None
    assert ht.gain_over_no_change["micro_f1"] == pytest.approx(
        (ht.metrics["micro_f1"] - ref.metrics["micro_f1"]) / (1 - ref.metrics["micro_f1"])
    )
    assert ht.n == 600 and ht.n_labels == 14 and ht.dataset == "yeast"
    assert ht.peak_memory_mb > 0 and ht.instances_per_second > 0


def test_result_dict_has_the_contract_keys() -> None:
    result = EvaluationResult("x", "d", 1, 2, 0.5, 2.0, 1.0, {"micro_f1": 0.5})
    assert set(result.to_dict()) >= {
        "learner",
        "dataset",
        "n",
        "n_labels",
        "seconds",
        "instances_per_second",
        "peak_memory_mb",
        "metrics",
    }


def test_gain_is_zero_against_a_perfect_reference() -> None:
    assert gain_over(
        {"micro_f1": 0.9, "hamming_loss": 0.1}, {"micro_f1": 1.0, "hamming_loss": 0.0}
    ) == {
        "micro_f1": 0.0,
        "hamming_loss": 0.0,
    }


def test_river_trees_get_the_zeros_of_sparse_rows(tmp_path) -> None:
    """River's trees read an absent feature as missing: on a sparse stream they are given the
    zeros, or a label that is on exactly when a binary feature is 1 could never be split on."""
    import random

    from stream.sources.arff import ArffSource

    rng = random.Random(3)
    lines = ["@relation 'toy: -C 1'", "@attribute lab {0,1}", "@attribute a {0,1}"]
    lines += [f"@attribute n{i} numeric" for i in range(3)] + ["@data"]
    for _ in range(600):
        on = rng.random() < 0.5
        cells = ["0 1", "1 1"] if on else []
        cells += [f"{2 + i} {rng.random():.3f}" for i in range(3) if rng.random() < 0.5]
        lines.append("{" + ",".join(cells) + "}")
    path = tmp_path / "toy.arff"
    path.write_text("\n".join(lines) + "\n")
    source = ArffSource(path)
    assert source.schema.sparse

    ours = evaluate(source, {"br-ht": make("br-ht")})[0].metrics
    by_hand = {}
    for rows in ("sparse", "dense"):
        model, metrics = make("br-ht"), MultiLabelMetrics(source.schema.label_names)
        for x, y in source:
            x = source.schema.densify(x) if rows == "dense" else x
            guess = model.predict_one(x)
            metrics.update(
                frozenset(k for k, v in y.items() if v), frozenset(k for k, v in guess.items() if v)
            )
            model.learn_one(x, y)
        by_hand[rows] = metrics.get()
    assert ours == by_hand["dense"]
    assert ours["micro_f1"] > by_hand["sparse"]["micro_f1"] + 0.2


def test_the_garbage_collector_is_paused_while_a_learner_is_timed() -> None:
    import gc

    from learners.reference import NoChange

    class Watched(NoChange):
        def learn_one(self, x, y, **kwargs):  # type: ignore[no-untyped-def]
            seen.append((self, gc.isenabled()))
            super().learn_one(x, y)

    seen: list[tuple[NoChange, bool]] = []
    watched = Watched()
    assert gc.isenabled()
    evaluate(YeastSource(), {"watched": watched}, limit=100)
    assert [on for model, on in seen if model is watched] == [False] * 100 and gc.isenabled()


def test_throwaway_copies_warm_up_our_learners_and_leave_them_untouched(
    yeast_600: Source,
) -> None:
    """Copies of our learners (with their split-early parameter sets too) run over the synth
    stream before the clocks start; the evaluated learner scores as a plain loop over the
    stream scores it, and river's learners get no copy."""
    from river import tree

    from learners.ihomer import IHOMER

    runs: list[tuple[object, str]] = []  # (model, first label learned)

    class Traced(IHOMER):
        def learn_one(self, x, y, **kwargs):  # type: ignore[no-untyped-def]
            if not self._n:
                runs.append((self, next(iter(y))))
            super().learn_one(x, y)

    class RiverTraced(multioutput.ClassifierChain):
        def learn_one(self, x, y, **kwargs):  # type: ignore[no-untyped-def]
            runs.append((self, next(iter(y))))
            super().learn_one(x, y)

    model = Traced(seed=3)
    peer = RiverTraced(tree.HoeffdingTreeClassifier())
    result = evaluate(yeast_600, {"ihomer": model, "peer": peer})[0]
    copies = [label for who, label in runs if who is not model and isinstance(who, Traced)]
    assert copies == ["l0", "l0"]  # the synth stream's first label
    assert sum(who is peer for who, _ in runs) == 600  # river's learner: no warm-up copy

    plain = Traced(seed=3)
    scores = MultiLabelMetrics(yeast_600.schema.label_names)
    for x, y in yeast_600:
        predicted = plain.predict_one(x)
        scores.update(
            frozenset(k for k, v in y.items() if v),
            frozenset(k for k, v in predicted.items() if v),
        )
        plain.learn_one(x, y)
    assert result.metrics == scores.get()
