from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from river import datasets, multioutput, tree
from river import evaluate as river_evaluate
from river import metrics as river_metrics

CONTRACT_KEYS = {
    "learner",
    "dataset",
    "n",
    "n_labels",
    "seconds",
    "instances_per_second",
    "peak_memory_mb",
    "metrics",
}
METRIC_KEYS = {
    "subset_accuracy",
    "hamming_loss",
    "example_f1",
    "micro_f1",
    "macro_f1",
    "micro_precision",
    "micro_recall",
    "macro_precision",
    "macro_recall",
}


def ihomer(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stream", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        check=False,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_default_stream_br_ht_equals_river(tmp_path: Path) -> None:
    """`ihomer evaluate --learner br-ht --json r.json`: n 2417, 14 labels, river's micro-F1."""
    out = tmp_path / "r.json"
    proc = ihomer("evaluate", "--learner", "br-ht", "--json", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    results = json.loads(out.read_text())
    assert [r["learner"] for r in results] == ["br-ht", "no-change", "majority"]
    for r in results:
        assert set(r) >= CONTRACT_KEYS and set(r["metrics"]) == METRIC_KEYS
        assert (r["n"], r["n_labels"], r["dataset"]) == (2417, 14, "yeast")
        assert all(0.0 <= v <= 1.0 for v in r["metrics"].values())
    river_f1 = river_evaluate.progressive_val_score(
        datasets.Yeast(),
        multioutput.PerOutputClassifier(tree.HoeffdingTreeClassifier()),
        river_metrics.multioutput.MicroAverage(river_metrics.F1()),
    ).get()
    assert results[0]["metrics"]["micro_f1"] == pytest.approx(river_f1, abs=0.01)
    assert "br-ht" in proc.stdout and "micro-F1" in proc.stdout


def test_outputs_json_csv_plot(tmp_path: Path) -> None:
    proc = ihomer(
        "evaluate",
        "-d",
        "synth",
        "-l",
        "br-nb",
        "-n",
        "3000",
        "--every",
        "500",
        "--window",
        "300",
        "--json",
        str(tmp_path / "r.json"),
        "--csv",
        str(tmp_path / "c.csv"),
        "--plot",
        str(tmp_path / "p.png"),
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads((tmp_path / "r.json").read_text())
    assert [r["n"] for r in results] == [3000, 3000, 3000]
    rows = list(csv.DictReader((tmp_path / "c.csv").open()))
    assert len(rows) == 6 * 3
    assert {row["learner"] for row in rows} == {"br-nb", "no-change", "majority"}
    assert [int(row["n"]) for row in rows if row["learner"] == "br-nb"] == [
        500,
        1000,
        1500,
        2000,
        2500,
        3000,
    ]
    assert "window_micro_f1" in rows[0] and "micro_f1" in rows[0]
    png = (tmp_path / "p.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


def test_unknown_learner_is_one_line() -> None:
    assert_one_line_error(ihomer("evaluate", "-l", "br-hx"), "unknown learner 'br-hx'", "br-ht")


def test_unknown_dataset_is_one_line() -> None:
    assert_one_line_error(ihomer("evaluate", "-d", "yaest"), "unknown data set 'yaest'", "yeast")


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.arff"
    assert_one_line_error(ihomer("evaluate", "-d", str(missing)), "no such file", str(missing))


def test_malformed_row_reports_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.arff"
    rows = "\n".join(f"{i % 7}.5,{i % 3}.0,{i % 2},{(i + 1) % 2}" for i in range(40))
    header = (
        "@relation 'bad: -C 2'\n@attribute l1 {0,1}\n@attribute l2 {0,1}\n"
        "@attribute a numeric\n@attribute b numeric\n@data\n"
    )
    path.write_text(header + "1,0,0.5,1.5\n" * 20 + "1,0,oops,1.5\n" + rows + "\n")
    proc = ihomer("evaluate", "-d", str(path), "-l", "br-nb", "--quiet")
    assert_one_line_error(proc, f"{path}:27", "oops")


def test_missing_output_folder_fails_before_running(tmp_path: Path) -> None:
    proc = ihomer("evaluate", "--json", str(tmp_path / "no" / "r.json"))
    assert_one_line_error(proc, "does not exist")


def test_csv_needs_labels(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b,l1\n1,2,0\n")
    assert_one_line_error(ihomer("evaluate", "-d", str(path)), "--labels")


def test_listings() -> None:
    learners = ihomer("learners")
    assert learners.returncode == 0
    names = {line.split()[0] for line in learners.stdout.splitlines()}
    assert {"river-br-ht", "river-cc-lr", "ps-ht", "isoupt", "no-change", "majority"} <= names
    # older names are aliases, shown beside the name they stand for
    assert "(also: br-ht)" in next(
        line for line in learners.stdout.splitlines() if line.startswith("river-br-ht ")
    )
    ds = ihomer("datasets")
    assert ds.returncode == 0 and {"yeast", "synth"} <= set(ds.stdout.split())


def test_partitions_and_hierarchy_of_ihomer(tmp_path: Path) -> None:
    out = tmp_path / "p.json"
    proc = ihomer(
        "evaluate", "-l", "ihomer", "-l", "br-nb", "--partitions", str(out), "--hierarchy", "-q"
    )
    assert proc.returncode == 0, proc.stderr
    events = json.loads(out.read_text())
    assert set(events) == {"ihomer"}  # only learners that restructure have events
    assert any(e["kind"] == "split" for e in events["ihomer"])
    assert all({"t", "kind", "before", "after"} <= set(e) for e in events["ihomer"])
    assert "ihomer: label clusters" in proc.stdout and "split at t=" in proc.stdout


def test_the_progress_bar_says_why_a_first_run_waits(capsys: pytest.CaptureFixture[str]) -> None:
    from stream.cli.progress import progress_bar

    with progress_bar(False, "yeast × 1 learners", 128) as advance:
        assert advance is not None
    assert "starting (a first run compiles kernels)" in capsys.readouterr().err
    with progress_bar(False, "yeast × 1 learners", 128) as advance:
        assert advance is not None
        advance(128)
    err = capsys.readouterr().err
    assert "128/128" in err and "starting" not in err
