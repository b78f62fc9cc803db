"""The Kafka service (`ihomer serve`) and the pieces it is made of.

- `OnlineModel`: test-then-train on events, without Kafka; the way to embed a learner in
  another event processor (a callable: event in, prediction out).
- `MessageCodec`, `Event`, `InvalidMessage`: the message format of DESIGN.md §3.
- `ServiceSettings`: the configuration, from options and `IHOMER_*` environment variables.
- `Service`: the consumer loop, its checkpoints, dead letters, metrics and roles.
- `CheckpointStore`: the folder of checkpoints (model + offsets).
"""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use, so that `stream.service.local_broker` or the codec do not import
# kafka-python.
_HOMES = {
    "Service": "app",
    "ServiceError": "app",
    "CheckpointStore": "checkpoints",
    "Event": "messages",
    "InvalidMessage": "messages",
    "MessageCodec": "messages",
    "encode_prediction": "messages",
    "OnlineModel": "model",
    "Secret": "settings",
    "ServiceSettings": "settings",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'stream.service' has no attribute {name!r}")
    return getattr(importlib.import_module(f"stream.service.{home}"), name)


__all__ = [
    "CheckpointStore",
    "Event",
    "InvalidMessage",
    "MessageCodec",
    "OnlineModel",
    "Secret",
    "Service",
    "ServiceError",
    "ServiceSettings",
    "encode_prediction",
]
