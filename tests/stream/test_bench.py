"""`ihomer bench`: the results file, the Markdown report, the README section it rewrites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stream.bench.report import END, START
from stream.bench.table import average_ranks
from tests.stream.test_cli import CONTRACT_KEYS, METRIC_KEYS, assert_one_line_error, ihomer


def test_bench_writes_results_report_and_readme(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\n{START}\nold table\n{END}\n\nafter\n")
    out = tmp_path / "bench"
    proc = ihomer(
        "bench", "--datasets", "yeast,synth", "--learners", "majority,mlhat", "-n", "300",
        "--out", str(out), "--readme", str(readme), "-q",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    payload = json.loads((out / "results.json").read_text())
    assert payload["machine"]["cores"] >= 1 and payload["command"].startswith("ihomer bench")
    results = payload["results"]
    assert [(r["dataset"], r["learner"]) for r in results] == [
        (d, learner) for d in ("yeast", "synth") for learner in ("majority", "mlhat", "no-change")
    ]
    for r in results:
        assert CONTRACT_KEYS <= set(r) and set(r["metrics"]) == METRIC_KEYS
        assert r["n"] == 300 and not r["stopped_early"]
    # the mlhat tree learns: it beats the majority label set on both streams, so it ranks first
    ranks = average_ranks(results, "micro_f1")
    assert ranks["mlhat"] == 1.0
    assert (out / "quality_vs_speed.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "results.md").read_text()
    assert "| data set | majority | mlhat | no-change |" in report
    assert "| average rank |" in report and "| yeast |" in report and "| synth |" in report
    text = readme.read_text()
    assert "old table" not in text and report in text
    assert text.startswith("# title\n") and text.endswith("\nafter\n")
    # the report is made again from the results file alone
    readme.write_text(f"{START}\n{END}\n")
    again = ihomer("bench", "--from", str(out / "results.json"), "--readme", str(readme))
    assert again.returncode == 0, again.stderr
    assert readme.read_text() == f"{START}\n{report}{END}\n"


def test_bench_reports_a_learner_stopped_by_the_budget(tmp_path: Path) -> None:
    proc = ihomer(
        "bench", "--datasets", "yeast", "--learners", "br-ht", "-n", "640", "--budget", "0",
        "--out", str(tmp_path), "-q",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    results = json.loads((tmp_path / "results.json").read_text())["results"]
    slow = results[0]
    assert slow["learner"] == "br-ht" and slow["stopped_early"] and slow["n"] < 640
    assert "slow (" in (tmp_path / "results.md").read_text()


def test_bench_user_errors_are_one_line(tmp_path: Path) -> None:
    unknown = ihomer("bench", "--datasets", "yeast", "--learners", "nope", "--out", str(tmp_path))
    assert_one_line_error(unknown, "nope")
    readme = tmp_path / "README.md"
    readme.write_text("no markers here\n")
    proc = ihomer(
        "bench", "--datasets", "yeast", "--learners", "majority", "-n", "50",
        "--out", str(tmp_path / "o"), "--readme", str(readme), "-q",
    )  # fmt: skip
    assert_one_line_error(proc, "results:start")
    assert readme.read_text() == "no markers here\n"


def test_bench_runs_moa_learners_beside_ours(tmp_path: Path) -> None:
    """MOA's learners join the table when Java and capymoa are here, else a note says why."""
    proc = ihomer(
        "bench", "--datasets", "flags", "--learners", "mlhat,moa-ps-ht", "--out", str(tmp_path),
        "-q",
    )  # fmt: skip
    if "data set" in proc.stderr and proc.returncode == 2:
        pytest.skip(f"the flags data set is not here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    payload = json.loads((tmp_path / "results.json").read_text())
    learners = [r["learner"] for r in payload["results"]]
    if payload["notes"]:
        assert "skipped" in payload["notes"][0] and learners == ["mlhat", "no-change"]
        return
    assert learners == ["mlhat", "no-change", "moa-ps-ht"]
    moa = payload["results"][2]
    assert moa["dataset"] == "flags" and moa["n"] == 194
    assert moa["metrics"]["subset_accuracy"] == pytest.approx(0.119, abs=0.001)  # as PEERS.md
    assert "| flags |" in (tmp_path / "results.md").read_text()


def test_bench_refuses_an_unknown_moa_learner(tmp_path: Path) -> None:
    proc = ihomer("bench", "--datasets", "yeast", "--learners", "moa-nope", "--out", str(tmp_path))
    assert_one_line_error(proc, "moa-nope", "moa-br-ht")
