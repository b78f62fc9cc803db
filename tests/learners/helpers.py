"""Shared helpers of the learner tests."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np

from stream.metrics import MultiLabelMetrics

Partition = Sequence[Sequence[Hashable]]


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


def adjusted_rand_index(a: Partition, b: Partition) -> float:
    """Hubert and Arabie's adjusted Rand index of two partitions of the same labels."""
    where_a = {label: i for i, cluster in enumerate(a) for label in cluster}
    where_b = {label: j for j, cluster in enumerate(b) for label in cluster}
    assert sorted(map(str, where_a)) == sorted(map(str, where_b))
    table = np.zeros((len(a), len(b)))
    for label, i in where_a.items():
        table[i, where_b[label]] += 1

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    index, rows, cols = pairs(table), pairs(table.sum(1)), pairs(table.sum(0))
    expected = rows * cols / pairs(np.array([len(where_a)]))
    best = (rows + cols) / 2
    return 1.0 if best == expected else (index - expected) / (best - expected)
