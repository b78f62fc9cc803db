"""The service's configuration: one frozen settings class, from options and the environment.

Every field can be set by an environment variable `IHOMER_<FIELD>` (for example
`IHOMER_BOOTSTRAP_SERVERS`, `IHOMER_CHECKPOINT_EVERY`, `IHOMER_SASL_PASSWORD`); an explicit
value (a command-line option) wins over the environment, which wins over the default. This is
the only place that reads the environment. Secrets are `Secret`s, printed as `**********`.

Examples
--------
>>> s = ServiceSettings.load({"IHOMER_TOPIC": "in", "IHOMER_SASL_PASSWORD": "hunter2"},
...                          checkpoint_every=50)
>>> s.topic, s.checkpoint_every, s.predictions_topic
('in', 50, 'in-predictions')
>>> s.sasl_password
Secret('**********')
>>> s.as_dict()["sasl_password"]
'**********'
>>> s.sasl_password.get()
'hunter2'
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from stream.errors import IhomerError

__all__ = ["ENV_PREFIX", "Secret", "ServiceSettings"]

ENV_PREFIX = "IHOMER_"
Role = Literal["learner", "scorer"]


class Secret:
    """A string that never shows itself in a repr, a log line or a settings dump.

    >>> token = Secret("s3cr3t")
    >>> print(token, repr(token), f"{token}")
    ********** Secret('**********') **********
    >>> token.get()
    's3cr3t'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        """The secret itself, for the one place that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __str__(self) -> str:
        return "**********"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclasses.dataclass(frozen=True)
class ServiceSettings:
    """Everything `ihomer serve` can be told.

    Topics default to names derived from `topic`: `TOPIC-predictions`, `TOPIC-dlq` and (for
    scale-out) `TOPIC-model`. The consumer group defaults to `ihomer-ROLE`.
    """

    topic: str = ""
    bootstrap_servers: str = "127.0.0.1:9092"
    group: str = ""
    predictions_topic: str = ""
    dlq_topic: str = ""
    model_topic: str = ""
    publish_model: bool = True
    role: Role = "learner"
    learner: str = ""
    checkpoint_dir: Path | None = None
    checkpoint_every: int = 10_000
    checkpoint_seconds: float = 30.0
    keep_checkpoints: int = 3
    features: tuple[str, ...] | None = None
    max_message_bytes: int = 1_048_576
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    metrics_window: int = 1_000
    health_timeout_seconds: float = 60.0
    poll_timeout_ms: int = 200
    max_poll_records: int = 500
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    auto_offset_reset: Literal["earliest", "latest"] = "earliest"
    client_id: str = "ihomer"
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: Secret | None = None
    ssl_cafile: Path | None = None
    max_request_bytes: int = 16 * 1_048_576
    linger_ms: int = 20
    batch_bytes: int = 1_048_576

    def __post_init__(self) -> None:
        if self.topic:
            for name, suffix in (
                ("predictions_topic", "predictions"),
                ("dlq_topic", "dlq"),
                ("model_topic", "model"),
            ):
                if not getattr(self, name):
                    object.__setattr__(self, name, f"{self.topic}-{suffix}")
        if not self.group:
            object.__setattr__(self, "group", f"ihomer-{self.role}")
        self._check()

    def _check(self) -> None:
        if self.role not in ("learner", "scorer"):
            raise IhomerError(f"role must be learner or scorer, not {self.role!r}")
        if self.auto_offset_reset not in ("earliest", "latest"):
            raise IhomerError("auto_offset_reset must be earliest or latest")
        for name in ("checkpoint_every", "keep_checkpoints", "max_message_bytes", "batch_bytes"):
            if getattr(self, name) < 1:
                raise IhomerError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.linger_ms < 0:
            raise IhomerError(f"linger_ms must not be negative, got {self.linger_ms}")
        if self.checkpoint_seconds <= 0:
            raise IhomerError(f"checkpoint_seconds must be positive, got {self.checkpoint_seconds}")
        if self.metrics_port is not None and not 0 <= self.metrics_port < 65536:
            raise IhomerError(f"metrics_port must be a port number, got {self.metrics_port}")

    def require(self) -> None:
        """Check the settings `ihomer serve` cannot run without."""
        if not self.topic:
            raise IhomerError("no input topic: --topic or IHOMER_TOPIC")
        if self.role == "learner" and self.checkpoint_dir is None:
            raise IhomerError("a learner needs --checkpoint-dir (or IHOMER_CHECKPOINT_DIR)")
        if len({self.topic, self.predictions_topic, self.dlq_topic, self.model_topic}) < 4:
            raise IhomerError("the input, predictions, dead-letter and model topics must differ")

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **explicit: Any) -> ServiceSettings:
        """Settings from `explicit` values, then `IHOMER_*` variables of `env`, then defaults.

        `env` is `os.environ` when None. Explicit values that are None count as not given.
        """
        env = os.environ if env is None else env
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(explicit) - known
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        for name in known:
            if explicit.get(name) is not None:
                values[name] = _coerce(name, hints[name], explicit[name])
            elif (raw := env.get(ENV_PREFIX + name.upper())) is not None and raw != "":
                values[name] = _parse(ENV_PREFIX + name.upper(), hints[name], raw)
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """The settings as JSON-able values, secrets masked."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Secret):
                value = str(value)
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def kafka_options(self) -> dict[str, Any]:
        """Connection options shared by kafka-python's consumers, producers and admin client."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "client_id": self.client_id,
            "security_protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            options["sasl_mechanism"] = self.sasl_mechanism
        if self.sasl_username is not None:
            options["sasl_plain_username"] = self.sasl_username
        if self.sasl_password is not None:
            options["sasl_plain_password"] = self.sasl_password.get()
        if self.ssl_cafile is not None:
            options["ssl_cafile"] = str(self.ssl_cafile)
        return options


def _strip_optional(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _coerce(name: str, hint: Any, value: Any) -> Any:
    """An explicit value, converted where the CLI hands over a related type."""
    target = _strip_optional(hint)
    if target is Path and not isinstance(value, Path):
        return Path(value)
    if target is Secret and not isinstance(value, Secret):
        return Secret(str(value))
    if typing.get_origin(target) is tuple and isinstance(value, str):
        return _parse(name, hint, value)
    return value


def _parse(var: str, hint: Any, raw: str) -> Any:
    """An environment variable's text as the field's type."""
    target = _strip_optional(hint)
    try:
        if target is bool:
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise ValueError("expected true/false, yes/no, on/off or 1/0")
        if target is int:
            return int(raw)
        if target is float:
            return float(raw)
        if target is Path:
            return Path(raw)
        if target is Secret:
            return Secret(raw)
        if typing.get_origin(target) is tuple:
            return tuple(p.strip() for p in raw.split(",") if p.strip())
        if typing.get_origin(target) is Literal:
            choices = typing.get_args(target)
            if raw not in choices:
                raise ValueError(f"expected one of {', '.join(choices)}")
            return raw
        return raw
    except ValueError as exc:
        raise IhomerError(f"{var}={raw!r}: {exc}") from None
