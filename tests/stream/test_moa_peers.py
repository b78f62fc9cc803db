"""MOA's learners run inside the JVM: PEERS.md's numbers, whole streams, budgets, label order."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from stream.bench import moa
from stream.errors import UnknownNameError
from stream.metrics import METRIC_KEYS
from stream.sources.arff import ArffSource
from tests.stream.test_cli import CONTRACT_KEYS

pytestmark = pytest.mark.datasets


# PEERS.md's MOA column: (micro-F1, subset accuracy), measured per instance from Python with
# nominal features as category indices.
PEERS = {
    ("flags", "moa-br-ht"): (0.678, 0.088),
    ("flags", "moa-cc-ht"): (0.681, 0.088),
    ("flags", "moa-ps-ht"): (0.610, 0.119),
    ("flags", "moa-isoupt"): (0.682, 0.077),
    ("yeast", "moa-br-ht"): (0.610, 0.084),
    ("yeast", "moa-cc-ht"): (0.623, 0.129),
    ("yeast", "moa-ps-ht"): (0.576, 0.162),
    ("yeast", "moa-isoupt"): (0.533, 0.048),
    ("emotions", "moa-br-ht"): (0.577, 0.191),
    ("emotions", "moa-cc-ht"): (0.575, 0.196),
    ("emotions", "moa-ps-ht"): (0.274, 0.116),
    ("emotions", "moa-isoupt"): (0.330, 0.081),
    ("medical", "moa-ps-ht"): (0.240, 0.155),
    ("medical", "moa-isoupt"): (0.018, 0.008),
}
# where the loop in Java differs from PEERS.md (see the module docstring): (micro-F1, subset acc.)
DIFFERENT = {("yeast", "moa-cc-ht"): (0.630, 0.150)}


@pytest.fixture(scope="module")
def java() -> None:
    try:
        moa.check_available()
    except moa.PeerUnavailable as exc:
        pytest.skip(f"MOA cannot run here: {exc.reason}")


def arff(datasets_dir: Path, name: str) -> Path:
    path = datasets_dir / name / f"{name}.arff"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


def truth_rows(source: ArffSource) -> np.ndarray:
    labels = source.schema.label_names
    return np.array([[y[label] for label in labels] for _, y in source], dtype=bool)


def assert_close_to_peers(run: moa.MoaRun) -> None:
    metrics = run.metrics()
    micro_f1, subset = DIFFERENT.get((run.dataset, run.learner), PEERS[run.dataset, run.learner])
    assert metrics["micro_f1"] == pytest.approx(micro_f1, abs=0.0015)
    assert metrics["subset_accuracy"] == pytest.approx(subset, abs=0.0015)
    peers_f1, _ = PEERS[run.dataset, run.learner]
    assert metrics["micro_f1"] == pytest.approx(peers_f1, abs=0.01)


@pytest.fixture(scope="module")
def flags_br(java: None, datasets_dir: Path) -> moa.MoaRun:
    path = arff(datasets_dir, "flags")
    (run,) = list(
        moa.iter_runs("moa-br-ht", path, warmup=0, nominal_as_index=True, moa_evaluator=True)
    )
    return run


def test_br_on_flags_gives_peers_numbers_over_the_whole_stream(flags_br: moa.MoaRun) -> None:
    assert_close_to_peers(flags_br)
    result = flags_br.result()
    assert CONTRACT_KEYS <= result.keys()
    assert list(result["metrics"]) == list(METRIC_KEYS)
    assert (result["learner"], result["dataset"], result["n_labels"]) == ("moa-br-ht", "flags", 7)
    assert result["n"] == result["stream_length"] == 194 == len(flags_br.predicted)
    assert result["stopped_early"] is False
    assert result["seconds"] > 0
    assert result["instances_per_second"] == pytest.approx(194 / result["seconds"])
    assert result["peak_memory_mb"] >= 0
    # the windowed curve, as ours: every 194 // 100 instances, the last one included; the
    # window (500) holds the whole stream, so its last point is the full-stream value
    curve = result["curve"]
    assert curve["n"][:3] == [1, 2, 3] and curve["n"][-1] == 194 == len(curve["micro_f1"])
    assert curve["micro_f1"][-1] == result["metrics"]["micro_f1"]
    assert curve["subset_accuracy"][-1] == result["metrics"]["subset_accuracy"]


def test_br_on_yeast_gives_peers_numbers(java: None, datasets_dir: Path) -> None:
    (run,) = list(moa.iter_runs("moa-br-ht", arff(datasets_dir, "yeast"), warmup=0))
    assert run.n == run.stream_length == 2417
    assert not run.stopped_early
    assert_close_to_peers(run)


def test_nominal_features_stay_nominal_by_default(java: None, datasets_dir: Path) -> None:
    (run,) = list(moa.iter_runs("moa-br-ht", arff(datasets_dir, "flags"), warmup=0))
    metrics = run.metrics()
    assert metrics["micro_f1"] == pytest.approx(0.708, abs=0.0015)
    assert metrics["subset_accuracy"] == pytest.approx(0.124, abs=0.0015)


def test_sparse_stream_stays_sparse_and_gives_peers_numbers(
    java: None, datasets_dir: Path, tmp_path: Path
) -> None:
    path = arff(datasets_dir, "medical")
    source = ArffSource(path)
    rows = moa.write_labels_first_arff(source, tmp_path / "medical.arff")
    data = (tmp_path / "medical.arff").read_text().split("@data\n", 1)[1].splitlines()
    assert rows == len(data) == 978
    assert all(line.startswith("{") for line in data)
    (run,) = list(moa.iter_runs("moa-ps-ht", source, warmup=0, nominal_as_index=True))
    assert run.n == 978
    assert np.array_equal(run.truth, truth_rows(source))
    assert_close_to_peers(run)


def test_warmup_changes_no_prediction(flags_br: moa.MoaRun, datasets_dir: Path) -> None:
    path = arff(datasets_dir, "flags")
    (warm,) = list(moa.iter_runs("moa-br-ht", path, warmup=1.0, nominal_as_index=True))
    assert np.array_equal(warm.predicted, flags_br.predicted)


def test_labels_moved_first_come_back_under_their_names(
    flags_br: moa.MoaRun, datasets_dir: Path
) -> None:
    source = ArffSource(arff(datasets_dir, "flags"))  # labels are the last attributes
    assert flags_br.labels == source.schema.label_names
    assert np.array_equal(flags_br.truth, truth_rows(source))


def labels_in_the_middle(folder: Path, sparse: bool) -> Path:
    """A stream whose labels sit between the features, with names that need quoting."""
    rng = np.random.default_rng(7)
    header = [
        "@relation 'odd names'",
        "@attribute 'first feature' numeric",
        '@attribute "l, one" {0,1}',
        "@attribute colour {'dark red',blue}",
        "@attribute 'l%two' {0,1}",
        "@attribute größe numeric",
        "@attribute l3 {0,1}",
        "@data",
    ]
    lines = []
    for _ in range(300):
        a, size = rng.integers(0, 3), rng.integers(0, 4)
        colour = rng.integers(0, 2)
        ys = [int(a > 0), int(colour == 1), int(size > 1)]
        row = [a, ys[0], ["'dark red'", "blue"][colour], ys[1], size, ys[2]]
        if sparse:
            cells = [f"{j} {v}" for j, v in enumerate(row) if v not in (0, "'dark red'")]
            lines.append("{" + ",".join(cells) + "}")
        else:
            lines.append(",".join(map(str, row)))
    path = folder / "odd.arff"
    path.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_labels_anywhere_and_odd_names(java: None, tmp_path: Path, sparse: bool) -> None:
    source = ArffSource(labels_in_the_middle(tmp_path, sparse), labels=["l, one", "l%two", "l3"])
    assert source.schema.sparse is sparse
    (run,) = list(moa.iter_runs("moa-br-ht", source, warmup=0))
    assert run.n == run.stream_length == 300
    assert run.labels == ("l, one", "l%two", "l3")
    assert np.array_equal(run.truth, truth_rows(source))
    # each label is a function of one feature: the trees learn them
    assert run.metrics()["micro_f1"] > 0.8


def test_a_time_budget_stops_the_loop_early(java: None, datasets_dir: Path) -> None:
    (result,) = moa.run("moa-br-ht", arff(datasets_dir, "yeast"), budget=0.3, warmup=0)
    assert result["stopped_early"] is True
    assert 0 < result["n"] < result["stream_length"] == 2417
    assert 0.3 <= result["seconds"] < 3.0
    assert result["instances_per_second"] == pytest.approx(result["n"] / result["seconds"])
    assert all(0.0 <= value <= 1.0 for value in result["metrics"].values())


def test_our_metrics_on_moa_predictions_are_consistent(flags_br: moa.MoaRun) -> None:
    """Our metrics match a NumPy recount, and MOA's evaluator where its definitions agree."""
    truth, guess = flags_br.truth, flags_br.predicted
    ours = flags_br.metrics()
    tp = (truth & guess).sum(axis=0)
    fp = (~truth & guess).sum(axis=0)
    fn = (truth & ~guess).sum(axis=0)
    assert ours["micro_f1"] == pytest.approx(2 * tp.sum() / (2 * tp.sum() + fp.sum() + fn.sum()))
    assert ours["micro_precision"] == pytest.approx(tp.sum() / (tp.sum() + fp.sum()))
    per_label_f1 = np.where(tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 1.0)
    assert ours["macro_f1"] == pytest.approx(per_label_f1.mean())
    exact = (truth == guess).all(axis=1)
    assert ours["subset_accuracy"] == pytest.approx(exact.mean())
    assert ours["hamming_loss"] == pytest.approx((truth != guess).mean())
    sizes = truth.sum(axis=1) + guess.sum(axis=1)
    both_empty = sizes == 0
    f1 = np.where(both_empty, 1.0, 2 * (truth & guess).sum(axis=1) / np.maximum(sizes, 1))
    assert ours["example_f1"] == pytest.approx(f1.mean())

    measured = flags_br.moa_measurements
    assert measured is not None
    assert measured["Exact Match"] == pytest.approx(ours["subset_accuracy"])
    assert measured["Hamming Score"] == pytest.approx(1 - ours["hamming_loss"])
    # MOA scores 0 where no label is true or predicted (we score 1)
    assert measured["F-Measure"] == pytest.approx(ours["example_f1"] - both_empty.mean())
    # MOA's "Precision" is example-based recall (it divides by the true labels)
    hits, n_true = (truth & guess).sum(axis=1), truth.sum(axis=1)
    recall = np.where(n_true > 0, hits / np.maximum(n_true, 1), 0.0)
    assert measured["Precision"] == pytest.approx(recall.mean())
    # its "Recall" divides with integers: 1 where the predicted set is a non-empty subset
    n_guess = guess.sum(axis=1)
    assert measured["Recall"] == pytest.approx(((hits == n_guess) & (n_guess > 0)).mean())
    union = (truth | guess).sum(axis=1)
    jaccard = np.where(union > 0, hits / np.maximum(union, 1), 0.0)
    assert measured["Accuracy"] == pytest.approx(jaccard.mean())


def test_unknown_learner_is_named(datasets_dir: Path) -> None:
    with pytest.raises(UnknownNameError, match="moa-br-ht"):
        list(moa.iter_runs("moa-br-hx", arff(datasets_dir, "flags")))


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(moa, "_loop_class", None)
    yield


def test_missing_capymoa_is_a_reason_not_a_traceback(
    fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "capymoa", None)
    monkeypatch.setattr(moa, "_java_tool", lambda name: f"/usr/bin/{name}")
    with pytest.raises(moa.PeerUnavailable, match="capymoa is not installed") as caught:
        moa.check_available()
    assert "pip install 'ihomer[peers]'" in caught.value.reason


@pytest.mark.parametrize("missing", ["java", "javac"])
def test_missing_java_is_a_reason(
    fresh: None, monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.setattr(moa, "_java_tool", lambda name: None if name == missing else name)
    with pytest.raises(moa.PeerUnavailable, match=f"(?i){missing} is not installed"):
        moa.run("moa-br-ht", "flags")


def test_main_prints_one_json_result_a_line(
    java: None, datasets_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(arff(datasets_dir, "flags"))
    assert moa.main([path, "moa-ps-ht", "moa-isoupt", "--warmup", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split('"learner": ')[1].split(",")[0] for line in lines] == [
        '"moa-ps-ht"',
        '"moa-isoupt"',
    ]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["flags", "yeast", "emotions"])
def test_every_learner_gives_peers_numbers(java: None, datasets_dir: Path, name: str) -> None:
    learners = [learner for dataset, learner in PEERS if dataset == name]
    runs = list(
        moa.iter_runs(learners, arff(datasets_dir, name), warmup=1.0, nominal_as_index=True)
    )
    for run in runs:
        assert run.n == run.stream_length
        assert_close_to_peers(run)


@pytest.mark.slow
def test_mlht_runs_and_predicts_like_pruned_sets(java: None, datasets_dir: Path) -> None:
    runs = list(moa.iter_runs(["moa-mlht", "moa-ps-ht"], arff(datasets_dir, "yeast"), warmup=0))
    assert runs[0].n == 2417
    assert np.array_equal(runs[0].predicted, runs[1].predicted)


@pytest.mark.slow
def test_bibtex_within_a_budget(java: None, datasets_dir: Path) -> None:
    source = ArffSource(arff(datasets_dir, "bibtex"))
    (run,) = list(moa.iter_runs("moa-br-ht", source, budget=20.0, warmup=0))
    assert run.stopped_early
    assert 0 < run.n < run.stream_length == 7395
    assert len(run.labels) == 159
    assert np.array_equal(run.truth, truth_rows(source)[: run.n])
