"""`ihomer serve`: the Kafka service (see `stream.service.app`)."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

import click

__all__ = ["configure_service_logging", "serve_command"]


class JsonFormatter(logging.Formatter):
    """One JSON object per log line: time, level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc)


def configure_service_logging(level: str, fmt: str) -> None:
    """Timestamped service logs on standard error, as text or JSON lines."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    formatter: logging.Formatter = (
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    for handler in root.handlers:
        handler.setFormatter(formatter)
    logging.getLogger("stream.service").setLevel(level.upper())
    logging.getLogger("learners.state").setLevel(level.upper())


@click.command("serve")
@click.option("-b", "--bootstrap-servers", help="Kafka brokers, HOST:PORT[,HOST:PORT...].")
@click.option("-t", "--topic", help="The input topic.")
@click.option("-g", "--group", help="Consumer group (default: ihomer-ROLE).")
@click.option("--predictions-topic", help="Where predictions go (default: TOPIC-predictions).")
@click.option("--dlq-topic", help="Where bad messages go (default: TOPIC-dlq).")
@click.option("--model-topic", help="Compacted topic of model versions (default: TOPIC-model).")
@click.option("-c", "--checkpoint-dir", type=click.Path(file_okay=False), help="Checkpoint folder.")
@click.option("-l", "--learner", help="Learner short name (`ihomer learners`; default mlhat).")
@click.option(
    "--checkpoint-every", type=click.IntRange(min=1), help="Messages between checkpoints."
)
@click.option(
    "--checkpoint-seconds", type=click.FloatRange(min=0.01), help="Seconds between checkpoints."
)
@click.option("--keep-checkpoints", type=click.IntRange(min=1), help="Checkpoints kept.")
@click.option(
    "--metrics-port", type=click.IntRange(0, 65535), help="Serve /metrics and /healthz here."
)
@click.option("--metrics-host", help="Address of the metrics server (default 127.0.0.1).")
@click.option(
    "--role",
    type=click.Choice(["learner", "scorer"]),
    help="learner: learn and checkpoint; scorer: predict with the newest published model.",
)
@click.option(
    "--features", help="Fixed feature set (comma-separated): other features are dead-lettered."
)
@click.option(
    "--max-message-bytes", type=click.IntRange(min=1), help="Larger messages are refused."
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@click.option(
    "--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--show-settings", is_flag=True, help="Print the settings (secrets masked) and exit.")
def serve_command(log_level: str, log_format: str, show_settings: bool, **options: Any) -> None:
    """Consume TOPIC, predict every message, learn the labelled ones, checkpoint as it goes.

    Every option can also be set by an environment variable IHOMER_<OPTION> (for example
    IHOMER_BOOTSTRAP_SERVERS, IHOMER_CHECKPOINT_DIR, IHOMER_SASL_PASSWORD); options win.
    SIGTERM or Ctrl+C stop it cleanly after the batch in hand (a second one forces).
    """
    from stream.service.app import Service
    from stream.service.settings import ServiceSettings

    settings = ServiceSettings.load(**options)
    if show_settings:
        click.echo(json.dumps(settings.as_dict(), indent=2))
        return
    configure_service_logging(log_level, log_format)
    sys.exit(Service(settings).run())
