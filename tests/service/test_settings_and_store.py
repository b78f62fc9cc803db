"""Settings from options and the environment; the checkpoint folder (no broker needed)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from stream.errors import IhomerError
from stream.service.checkpoints import CheckpointStore
from stream.service.settings import Secret, ServiceSettings


def test_options_win_over_the_environment_which_wins_over_defaults() -> None:
    env = {
        "IHOMER_TOPIC": "from-env",
        "IHOMER_BOOTSTRAP_SERVERS": "127.0.0.1:1,127.0.0.1:2",
        "IHOMER_CHECKPOINT_EVERY": "7",
        "IHOMER_CHECKPOINT_SECONDS": "2.5",
        "IHOMER_FEATURES": "a, b,c",
        "IHOMER_PUBLISH_MODEL": "false",
        "IHOMER_ROLE": "scorer",
        "IHOMER_METRICS_PORT": "",
    }
    s = ServiceSettings.load(env, topic="from-option", checkpoint_every=None)
    assert s.topic == "from-option" and s.checkpoint_every == 7 and s.checkpoint_seconds == 2.5
    assert s.features == ("a", "b", "c") and s.publish_model is False and s.role == "scorer"
    assert s.metrics_port is None and s.group == "ihomer-scorer"
    assert s.kafka_options()["bootstrap_servers"] == ["127.0.0.1:1", "127.0.0.1:2"]
    assert (s.predictions_topic, s.dlq_topic, s.model_topic) == (
        "from-option-predictions",
        "from-option-dlq",
        "from-option-model",
    )


def test_secrets_are_never_shown(capsys, caplog) -> None:
    s = ServiceSettings.load({"IHOMER_SASL_PASSWORD": "hunter2", "IHOMER_TOPIC": "t"})
    assert isinstance(s.sasl_password, Secret)
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.as_dict())
    assert s.kafka_options()["sasl_plain_password"] == "hunter2"
    from click.testing import CliRunner

    from stream.cli import cli

    result = CliRunner().invoke(
        cli, ["serve", "--show-settings", "-t", "t"], env={"IHOMER_SASL_PASSWORD": "hunter2"}
    )
    assert result.exit_code == 0 and "hunter2" not in result.output and "*****" in result.output


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"IHOMER_CHECKPOINT_EVERY": "ten"}, "IHOMER_CHECKPOINT_EVERY"),
        ({"IHOMER_CHECKPOINT_EVERY": "0"}, "at least 1"),
        ({"IHOMER_ROLE": "boss"}, "IHOMER_ROLE"),
        ({"IHOMER_PUBLISH_MODEL": "maybe"}, "true/false"),
    ],
)
def test_bad_values_are_user_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(IhomerError, match=message):
        ServiceSettings.load(env)


def test_required_settings() -> None:
    with pytest.raises(IhomerError, match="topic"):
        ServiceSettings.load({}).require()
    with pytest.raises(IhomerError, match="checkpoint-dir"):
        ServiceSettings.load({}, topic="t").require()
    ServiceSettings.load({}, topic="t", role="scorer").require()
    with pytest.raises(IhomerError, match="differ"):
        ServiceSettings.load({}, topic="t", role="scorer", dlq_topic="t").require()


def test_store_keeps_the_newest_and_skips_damaged_ones(tmp_path: Path, caplog) -> None:
    store = CheckpointStore(tmp_path, keep=3)
    for n in range(5):
        store.save({"n": n}, {"offsets": {"t:0": n}})
    paths = store.paths()
    assert [p.name for p in paths] == [f"ckpt-{i:012d}.npz" for i in (3, 4, 5)]
    paths[-1].write_bytes(paths[-1].read_bytes()[:200])  # torn
    data = bytearray(paths[-2].read_bytes())
    data[-300] ^= 0xFF  # one flipped byte
    paths[-2].write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        restored = CheckpointStore(tmp_path).restore()
    assert restored is not None and restored.state == {"n": 2} and restored.path == paths[0]
    assert caplog.text.count("skipping a damaged checkpoint") == 2
    # new checkpoints continue the sequence past the damaged ones
    assert CheckpointStore(tmp_path).save({"n": 9}, {}).name == "ckpt-000000000006.npz"


def test_store_with_nothing_readable(tmp_path: Path) -> None:
    (tmp_path / "ckpt-000000000001.npz").write_bytes(b"not a checkpoint")
    assert CheckpointStore(tmp_path).restore() is None
