"""`ihomer bench`: the results file, the Markdown report, the README section it rewrites."""

from __future__ import annotations

import json
import re
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
        (d, learner) for d in ("yeast", "synth") for learner in ("mlhat", "majority", "no-change")
    ]
    for r in results:
        assert CONTRACT_KEYS <= set(r) and set(r["metrics"]) == METRIC_KEYS
        assert r["n"] == 300 and not r["stopped_early"]
    # the mlhat tree learns: it beats the majority label set on both streams, so it ranks first
    ranks = average_ranks(results, "micro_f1")
    assert ranks["mlhat"] == 1.0
    assert (out / "quality_vs_speed.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "results.md").read_text()
    assert "| data set | mlhat | majority | no-change |" in report  # the references last
    assert "| average rank |" in report and "| yeast |" in report and "| synth |" in report
    text = readme.read_text()
    assert "old table" not in text and report in text
    assert text.startswith("# title\n") and text.endswith("\nafter\n")
    # the report is made again from the results file alone
    readme.write_text(f"{START}\n{END}\n")
    again = ihomer("bench", "--from", str(out / "results.json"), "--readme", str(readme))
    assert again.returncode == 0, again.stderr
    assert readme.read_text() == f"{START}\n{report}{END}\n"
    # ... into another section of the same file, leaving the first one alone
    readme.write_text(f"{START}\nkept\n{END}\n<!-- peers:start -->\n<!-- peers:end -->\n")
    peers = ihomer(
        "bench", "--from", str(out / "results.json"), "--readme", str(readme), "--section", "peers"
    )  # fmt: skip
    assert peers.returncode == 0, peers.stderr
    assert readme.read_text() == (
        f"{START}\nkept\n{END}\n<!-- peers:start -->\n{report}<!-- peers:end -->\n"
    )
    missing = ihomer("bench", "--from", str(out / "results.json"), "--readme", str(readme),
                     "--section", "scale")  # fmt: skip
    assert_one_line_error(missing, "<!-- scale:start -->")


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
    assert learners == ["mlhat", "moa-ps-ht", "no-change"]  # the references last
    moa = payload["results"][1]
    assert moa["dataset"] == "flags" and moa["n"] == 194
    assert moa["metrics"]["subset_accuracy"] == pytest.approx(0.119, abs=0.001)  # as PEERS.md
    assert "| flags |" in (tmp_path / "results.md").read_text()


def test_bench_refuses_an_unknown_moa_learner(tmp_path: Path) -> None:
    proc = ihomer("bench", "--datasets", "yeast", "--learners", "moa-nope", "--out", str(tmp_path))
    assert_one_line_error(proc, "moa-nope", "moa-br-ht")


# ---- the suite CI runs: ours and two fast river peers on 2000 Yeast instances ---------------

SMALL_SUITE = ("ihomer", "mlhat", "mlht", "river-br-lr", "river-cc-lr")
PNG = b"\x89PNG\r\n\x1a\n"


def _table(report: str, first_header: str) -> list[list[str]]:
    """The rows (cells split) of the Markdown table whose header starts with `first_header`."""
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header}"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return [rows[0], *rows[2:]]  # the header, then the rows after the |---| line


def _ratio(cell: str) -> float:
    match = re.search(r"\((\*\*)?([\d,.]+)×(\*\*)?\)", cell)
    assert match, cell
    return float(match.group(2).replace(",", ""))


def _assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 5000, path


def test_small_suite_writes_consistent_results_tables_and_plots(tmp_path: Path) -> None:
    """What CI runs so the suite cannot rot: results.json, both tables against it, the plots,
    and the same report and plots again from results.json alone."""
    out = tmp_path / "bench"
    proc = ihomer(
        "bench", "--datasets", "yeast", "--limit", "2000", "--learners", ",".join(SMALL_SUITE),
        "--budget", "300", "--out", str(out), "-q",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    payload = json.loads((out / "results.json").read_text())
    assert payload["window"] == 500
    results = {r["learner"]: r for r in payload["results"]}
    assert list(results) == [*SMALL_SUITE, "no-change"]
    for r in results.values():
        assert CONTRACT_KEYS <= set(r) and set(r["metrics"]) == METRIC_KEYS
        assert r["dataset"] == "yeast" and r["n"] == 2000 and not r["stopped_early"]
        assert all(0.0 <= v <= 1.0 for v in r["metrics"].values()), r["metrics"]
        curve = r["curve"]
        assert curve["n"][-1] == 2000 and len(curve["n"]) == len(curve["micro_f1"]) == 100
        assert all(0.0 <= v <= 1.0 for v in curve["micro_f1"] + curve["subset_accuracy"])
    # iHOMER's restructuring events travel with its result (the clustering splits on Yeast)
    assert results["ihomer"]["events"] and all(
        0 <= t < 2000 and kind in ("split", "merge", "global-drift", "subtree-swap")
        for t, kind in results["ihomer"]["events"]
    )
    assert "events" not in results["river-br-lr"]

    report = (out / "results.md").read_text()
    # the speed table: the fastest peer of the row, each learner's rate ÷ its rate
    header, row = _table(report, "data set | fastest peer")
    rates = {name: r["instances_per_second"] for name, r in results.items()}
    fastest = max(("river-br-lr", "river-cc-lr"), key=rates.__getitem__)
    assert header[:2] == ["data set", "fastest peer"] and header[2:] == list(results)
    assert row[0] == "yeast" and row[1].startswith(f"{fastest} (")
    for name, cell in zip(header[2:], row[2:], strict=True):
        expected = rates[name] / rates[fastest]
        assert _ratio(cell) == pytest.approx(expected, rel=0.05, abs=0.051), (name, cell)
        ours_slower = name in ("ihomer", "mlhat", "mlht") and expected < 1
        assert ("**" in cell) is ours_slower, cell
    faster = [p for p in ("river-br-lr", "river-cc-lr") if rates[p] > rates["ihomer"]]
    if faster:
        sentence = next(line for line in report.splitlines() if line.startswith("Peers faster"))
        assert sentence.startswith("Peers faster than ihomer: yeast: ")
        assert all(name in sentence for name in faster)
    else:
        assert "No peer ran faster than ihomer on any data set." in report
    # the quality table and ihomer against the best peer on average
    header, row, average, ranks = _table(report, "data set | ihomer")
    assert row[0] == "yeast" and average[0] == "average" and ranks[0] == "average rank"
    f1 = {name: r["metrics"]["micro_f1"] for name, r in results.items()}
    best = max(("river-br-lr", "river-cc-lr"), key=f1.__getitem__)
    assert (
        f"ihomer against the best peer on average (1 data set): micro-F1 {f1['ihomer']:.3f} "
        f"against {f1[best]:.3f} ({best}, {f1['ihomer'] - f1[best]:+.3f})"
    ) in report
    for name in ("quality_vs_speed.png", "over_time-yeast.png"):
        _assert_png(out / name)

    # everything is drawn again from results.json alone
    again = tmp_path / "again"
    proc = ihomer("bench", "--from", str(out / "results.json"), "--out", str(again))
    assert proc.returncode == 0, proc.stderr
    assert (again / "results.md").read_text() == report
    for name in ("quality_vs_speed.png", "over_time-yeast.png"):
        _assert_png(again / name)


def test_peers_preset_runs_ours_and_rivers_peers_and_names_moas(tmp_path: Path) -> None:
    from stream.bench.suite import MOA_PEERS, PEER_SUITE, RIVER_PEERS

    proc = ihomer(
        "bench", "--datasets", "yeast", "-n", "64", "--learners", "peers,br-nb",
        "--out", str(tmp_path), "-q",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    payload = json.loads((tmp_path / "results.json").read_text())
    learners = [r["learner"] for r in payload["results"]]
    assert learners == ["ihomer", "mlhat", "mlht", *RIVER_PEERS, "br-nb", "no-change"]
    assert payload["notes"] == ["MOA's learners run whole streams only: not run with a limit"]
    assert set(PEER_SUITE) == {"ihomer", "mlhat", "mlht", *RIVER_PEERS, *MOA_PEERS}
    # the preset is documented in --help with every learner it holds
    text = "".join(ihomer("bench", "--help").stdout.split())  # (help wraps at hyphens)
    assert all(name in text for name in PEER_SUITE)


def test_report_says_where_a_moa_peer_is_faster_than_ihomer() -> None:
    from stream.bench.report import markdown_report

    def row(learner: str, dataset: str, rate: float, f1: float, *, slow: bool = False) -> dict:
        return {
            "learner": learner,
            "dataset": dataset,
            "n": 100,
            "metrics": {"micro_f1": f1, "subset_accuracy": f1 / 4},
            "instances_per_second": rate,
            "peak_memory_mb": 1.0,
            "stopped_early": slow,
        }

    results = [
        row("ihomer", "yeast", 400.0, 0.60),
        row("river-br-ht", "yeast", 200.0, 0.61),
        row("moa-ps-ht", "yeast", 900.0, 0.58),
        row("no-change", "yeast", 9e4, 0.45),
        row("ihomer", "flags", 8000.0, 0.67),
        row("river-br-ht", "flags", 3000.0, 0.72),
        row("moa-ps-ht", "flags", 800.0, 0.61),
        row("no-change", "flags", 9e4, 0.57),
        row("ihomer", "bibtex", 700.0, 0.35),
        row("river-br-ht", "bibtex", 1.8, 0.05, slow=True),
        row("moa-ps-ht", "bibtex", 575.0, 0.04),
        row("no-change", "bibtex", 9e4, 0.03),
    ]
    report = markdown_report(results, {}, "ihomer bench")
    assert "| yeast | moa-ps-ht (900/s) | 400/s, 1.0 MB (**0.44×**) |" in report
    assert "| flags | river-br-ht (3,000/s) | 8,000/s, 1.0 MB (2.7×) |" in report
    assert "| bibtex | moa-ps-ht (575/s) | 700/s, 1.0 MB (1.2×) | slow: 1.8/s" in report
    assert "Peers faster than ihomer: yeast: moa-ps-ht (900/s, 2.2× ihomer's rate)." in report
    assert "MOA's rates are its Java loop's alone" in report
    # averages over the three published data sets: river-br-ht did not finish bibtex
    assert (
        "ihomer against the best peer on average (3 data sets): micro-F1 0.540 against 0.410 "
        "(moa-ps-ht, +0.130), subset accuracy 0.135 against 0.102 (moa-ps-ht, +0.033)."
    ) in report
