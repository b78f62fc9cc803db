"""`ihomer evaluate --predictions`: the prequential predictions as a MEKA/MOA multi-label ARFF.

The file is checked against the run that wrote it with our own ARFF reader, and read back by
MOA's own reader in the JVM (skipped where capymoa or Java is missing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from river import datasets

from learners.registry import make
from stream.bench import moa
from stream.metrics import MultiLabelMetrics
from stream.predictions import PredictionsArffWriter
from stream.sources.arff import ArffSource
from tests.stream.test_cli import assert_one_line_error, ihomer

YEAST = list(datasets.Yeast())
LABELS = list(YEAST[0][1])


@dataclass(frozen=True)
class Evaluated:
    predictions: Path
    result: dict[str, Any]


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    """The README's command: iHOMER on river's Yeast, its predictions and its JSON result."""
    folder = tmp_path_factory.mktemp("predictions")
    preds, out = folder / "preds.arff", folder / "r.json"
    proc = ihomer(
        "evaluate", "-d", "yeast", "-l", "ihomer", "--predictions", str(preds),
        "--json", str(out), "-q",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert f"predictions of ihomer: {preds} (2417 rows)" in proc.stderr
    (result,) = [r for r in json.loads(out.read_text()) if r["learner"] == "ihomer"]
    return Evaluated(preds, result)


def rows(path: Path) -> tuple[ArffSource, np.ndarray, np.ndarray, np.ndarray]:
    """The file read by our own ARFF reader: truth (n, L), predicted (n, L), index (n,)."""
    source = ArffSource(path)
    labels = source.schema.label_names
    data = list(source)
    truth = np.array([[y[label] for label in labels] for _, y in data], dtype=bool)
    # a 0 of a nominal attribute is its first category, "0"
    predicted = np.array([[x[f"pred_{label}"] == "1" for label in labels] for x, _ in data])
    index = np.array([x["instance"] for x, _ in data], dtype=np.int64)
    return source, truth, predicted.reshape(len(data), len(labels)), index


def our_metrics(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    metrics = MultiLabelMetrics(LABELS)
    names = np.array(LABELS, dtype=object)
    for on, guess in zip(truth, predicted, strict=True):
        metrics.update(frozenset(names[on]), frozenset(names[guess]))
    return metrics.get()


def test_file_holds_the_runs_predictions(evaluated: Evaluated) -> None:
    source, truth, predicted, index = rows(evaluated.predictions)
    schema = source.schema
    assert schema.label_names == tuple(LABELS)  # the first L attributes, from MEKA's -C 14
    assert schema.feature_names == (*(f"pred_{label}" for label in LABELS), "instance")
    assert len(truth) == evaluated.result["n"] == 2417
    assert np.array_equal(index, np.arange(2417))
    assert np.array_equal(truth, [[y[label] for label in LABELS] for _, y in YEAST])
    # the learner, run again test-then-train, predicts what the file says it predicted
    model = make("ihomer")
    again = []
    for x, y in YEAST:
        guess = model.predict_one(x)
        again.append([guess.get(label, False) for label in LABELS])
        model.learn_one(x, y)
    assert np.array_equal(predicted, again)
    assert our_metrics(truth, predicted) == evaluated.result["metrics"]


def test_one_file_per_learner_named_by_it(tmp_path: Path) -> None:
    preds = tmp_path / "p.arff"
    proc = ihomer(
        "evaluate", "-l", "no-change", "-l", "br-nb", "--predictions", str(preds), "-n", "300",
        "-q",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    # majority runs as a reference learner but was not named: no file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p-br-nb.arff", "p-no-change.arff"]
    _, truth, predicted, _ = rows(tmp_path / "p-no-change.arff")
    assert len(truth) == 300
    assert not predicted[0].any() and np.array_equal(predicted[1:], truth[:-1])
    assert "'yeast predicted by br-nb: -C 14'" in (tmp_path / "p-br-nb.arff").read_text()


def test_label_names_are_quoted_and_kept_apart(tmp_path: Path) -> None:
    path = tmp_path / "odd.arff"
    labels = ["no music", "it's", "a", "pred_a", "instance"]
    with PredictionsArffWriter(path, labels, relation="odd: names") as out:
        out.write(0, [{"it's", "pred_a"}], [{"no music"}])
    source = ArffSource(path)
    assert source.schema.label_names == tuple(labels)
    assert source.schema.feature_names == (
        "pred_no music", "pred_it's", "pred_a_", "pred_pred_a", "pred_instance", "instance_",
    )  # fmt: skip
    ((x, y),) = list(source)
    assert [label for label in labels if y[label]] == ["it's", "pred_a"]
    assert [name for name, v in x.items() if v == "1"] == ["pred_no music"]
    assert "@relation 'odd_ names: -C 5'" in path.read_text()


def test_a_failed_run_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "p.arff"
    with pytest.raises(RuntimeError), PredictionsArffWriter(path, LABELS, relation="r"):
        raise RuntimeError("the evaluation failed")
    assert not path.exists()


def test_bad_predictions_path_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "p.arff"
    assert_one_line_error(
        ihomer("evaluate", "--predictions", str(missing)), "--predictions", "does not exist"
    )
    assert_one_line_error(
        ihomer("evaluate", "--predictions", str(tmp_path / "p.csv")), "must end in .arff"
    )
    folder = tmp_path / "taken.arff"
    folder.mkdir()
    proc = ihomer("evaluate", "-l", "no-change", "--predictions", str(folder), "-q")
    assert_one_line_error(proc, f"cannot write predictions to {folder}")


# ---- MOA reads the file ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def read_by_moa(evaluated: Evaluated) -> moa.MoaPredictions:
    try:
        return moa.read_predictions(evaluated.predictions)
    except moa.PeerUnavailable as exc:
        pytest.skip(f"MOA cannot run here: {exc.reason}")


def test_moa_reads_our_true_and_predicted_labels(
    evaluated: Evaluated, read_by_moa: moa.MoaPredictions
) -> None:
    _, truth, predicted, index = rows(evaluated.predictions)
    assert read_by_moa.relation == "yeast predicted by ihomer: -C 14"
    assert read_by_moa.output_names == tuple(LABELS)
    assert read_by_moa.input_names == (*(f"pred_{label}" for label in LABELS), "instance")
    assert read_by_moa.truth.shape == (2417, 14)
    assert np.array_equal(read_by_moa.truth, truth)
    assert np.array_equal(read_by_moa.predicted, predicted)
    assert np.array_equal(read_by_moa.index, index)


def test_moas_evaluator_on_the_file_agrees_with_our_metrics(
    evaluated: Evaluated, read_by_moa: moa.MoaPredictions
) -> None:
    ours = evaluated.result["metrics"]
    assert our_metrics(read_by_moa.truth, read_by_moa.predicted) == ours
    # MOA's own evaluator, fed the file's predictions: the two measures defined as ours are
    # (the module docstring of stream.bench.moa says how its other measures differ)
    measured = read_by_moa.measurements
    assert measured["Exact Match"] == pytest.approx(ours["subset_accuracy"], abs=1e-12)
    assert measured["Hamming Score"] == pytest.approx(1 - ours["hamming_loss"], abs=1e-12)


def test_moa_reads_quoted_names(tmp_path: Path) -> None:
    path = tmp_path / "odd.arff"
    labels = ["no music", "it's", "a"]
    with PredictionsArffWriter(path, labels, relation="odd") as out:
        out.write(7, [{"it's"}, {"a", "no music"}], [{"no music"}, set()])
    try:
        read = moa.read_predictions(path)
    except moa.PeerUnavailable as exc:
        pytest.skip(f"MOA cannot run here: {exc.reason}")
    assert read.output_names == tuple(labels)
    assert read.input_names == ("pred_no music", "pred_it's", "pred_a", "instance")
    assert read.truth.tolist() == [[False, True, False], [True, False, True]]
    assert read.predicted.tolist() == [[True, False, False], [False, False, False]]
    assert read.index.tolist() == [7, 8]


def test_meka_takes_the_first_l_attributes_as_the_labels(
    evaluated: Evaluated, read_by_moa: moa.MoaPredictions
) -> None:
    """MEKA (in MOA's jar) reads the label count from the relation name, as for its data sets."""
    jpype = moa._moa_jvm()
    data = jpype.JClass("weka.core.converters.ConverterUtils$DataSource").read(
        str(evaluated.predictions)
    )
    jpype.JClass("meka.core.MLUtils").prepareData(data)
    assert data.classIndex() == 14  # MEKA's way of saying: attributes 0..13 are the labels
    values = np.array([list(data.instance(i).toDoubleArray()) for i in range(data.numInstances())])
    assert np.array_equal(values[:, :14] == 1.0, read_by_moa.truth)
    assert np.array_equal(values[:, 14:28] == 1.0, read_by_moa.predicted)
    assert np.array_equal(values[:, 28], np.arange(2417))
