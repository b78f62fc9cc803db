"""Scale curves (`stream.bench.scale`): the outputs and the numbers they hold, on tiny streams."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stream.bench.scale import REFERENCE, label_cardinality, scale_stream
from tests.stream.test_cli import CONTRACT_KEYS, METRIC_KEYS

ROOT = Path(__file__).resolve().parents[2]
LABELS = (5, 20)
N = 200


@pytest.fixture(scope="module")
def scale_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One run: ihomer, br-ht with a budget it cannot meet, and a MOA peer that cannot start
    (no Java on the PATH), on 5 and 20 labels."""
    out = tmp_path_factory.mktemp("scale")
    env = {**os.environ, "PATH": str(out / "no-java"), "PYTHONPATH": str(ROOT)}
    env.pop("JAVA_HOME", None)
    command = [sys.executable, "-m", "stream.bench.scale", "--labels", ",".join(map(str, LABELS))]
    command += ["--instances", str(N), "--learners", "ihomer", "--peers", "br-ht,moa-ps-ht"]
    command += ["--budget", "0.001", "--out", str(out), "-q"]
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    return out


def test_every_learner_runs_at_every_label_count(scale_run: Path) -> None:
    payload = json.loads((scale_run / "scale.json").read_text())
    results = payload["results"]
    assert [(r["n_labels"], r["learner"], r["role"]) for r in results] == [
        (size, name, role)
        for size in LABELS
        for name, role in (("ihomer", "ours"), ("br-ht", "peer"), (REFERENCE, "reference"))
    ]
    assert payload["machine"]["cores"] >= 1 and payload["command"].startswith("python -m")
    assert payload["notes"] == [
        "moa-ps-ht skipped: Java is not installed (MOA needs a Java 11+ runtime and javac)"
    ]
    for r in results:
        assert CONTRACT_KEYS <= set(r) and set(r["metrics"]) == METRIC_KEYS
        assert r["dataset"] == f"synth-{r['n_labels']}" and r["stream_length"] == N
        # ours and the floor run the whole stream; the peer stops after its first block
        assert r["stopped_early"] == (r["role"] == "peer")
        assert r["n"] == N if r["role"] != "peer" else 0 < r["n"] < N
        assert math.isclose(r["instances_per_second"], r["n"] / r["seconds"])
        # the process holds Python, NumPy and river: far more than the learner's structures
        assert 0 < r["rss_start_mb"] <= r["peak_rss_mb"] and r["peak_memory_mb"] < r["peak_rss_mb"]
        assert (r["clusters"] is not None) == (r["learner"] == "ihomer")
        stream = scale_stream(r["n_labels"], N)
        assert r["label_cardinality"] == label_cardinality(stream)


def test_summary_ratios_and_growth_follow_from_the_results(scale_run: Path) -> None:
    payload = json.loads((scale_run / "scale.json").read_text())
    cell = {(r["n_labels"], r["learner"]): r for r in payload["results"]}
    summary = payload["summary"]
    assert [s["n_labels"] for s in summary] == list(LABELS)
    for s in summary:
        size = s["n_labels"]
        rate = cell[size, "ihomer"]["instances_per_second"]
        peer = cell[size, "br-ht"]["instances_per_second"]
        assert s["fastest_peer"] == "br-ht" and s["fastest_peer_rate"] == peer
        assert math.isclose(s["ratio_to_fastest_peer"]["ihomer"], rate / peer)
        assert math.isclose(s["ratio_to_br_ht"]["ihomer"], rate / peer)
        for name in ("ihomer", "br-ht", REFERENCE):
            first, here = cell[LABELS[0], name], cell[size, name]
            growth = s["growth"][name]
            slower = first["instances_per_second"] / here["instances_per_second"]
            assert math.isclose(growth["time"], slower)
            assert math.isclose(growth["memory"], here["peak_rss_mb"] / first["peak_rss_mb"])
    assert summary[0]["growth"]["ihomer"] == {"time": 1.0, "memory": 1.0}


def test_report_and_plot(scale_run: Path) -> None:
    payload = json.loads((scale_run / "scale.json").read_text())
    report = (scale_run / "scale.md").read_text()
    header = "| labels | label cardinality | ihomer | br-ht | no-change | ihomer ÷ fastest peer |"
    assert header in report
    ratio = payload["summary"][1]["ratio_to_fastest_peer"]["ihomer"]
    assert f"| {ratio:,.1f}× (br-ht) |" in report
    assert "| 20 (4×) |" in report and "slow: " in report
    assert "Note: moa-ps-ht skipped: Java is not installed" in report
    assert (scale_run / "scale.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the report is made again from scale.json alone
    again = scale_run / "again"
    proc = subprocess.run(
        [sys.executable, "-m", "stream.bench.scale", "--from", str(scale_run / "scale.json")]
        + ["--out", str(again)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (again / "scale.md").read_text() == report


def test_unknown_learner_fails_before_any_run(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "stream.bench.scale", "--peers", "br-hx", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert proc.returncode == 2 and "br-hx" in proc.stderr
    assert not (tmp_path / "scale.json").exists()
