"""Shared helpers of the learner tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stream.metrics import MultiLabelMetrics


def prequential(
    model: Any, stream: Iterable[tuple[dict[Any, Any], dict[Any, bool]]]
) -> dict[str, float]:
    """Test-then-train `model` over `stream`; the full-stream metrics."""
    metrics = MultiLabelMetrics()
    for x, y in stream:
        predicted = model.predict_one(x)
        model.learn_one(x, y)
        metrics.update({k for k, v in y.items() if v}, {k for k, v in predicted.items() if v})
    return metrics.get()
