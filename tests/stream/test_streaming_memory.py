"""Streaming an ARFF file takes constant memory: 10x the rows, about the same peak."""

from __future__ import annotations

import itertools
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from stream.sources.arff import ArffSource

N_ROWS = 100_000
N_FEATURES = 8
N_LABELS = 3


def write_arff(path: Path, sparse: bool) -> None:
    rng = np.random.default_rng(7)
    values = np.round(rng.normal(size=(N_ROWS, N_FEATURES)), 4)
    values[rng.random(values.shape) < 0.6] = 0.0
    labels = rng.random((N_ROWS, N_LABELS)) < 0.3
    with path.open("w") as f:
        f.write("@relation 'big: -C -3'\n")
        f.writelines(f"@attribute f{j} numeric\n" for j in range(N_FEATURES))
        f.writelines(f"@attribute l{j} {{0,1}}\n" for j in range(N_LABELS))
        f.write("@data\n")
        for row, on in zip(values.tolist(), labels.tolist(), strict=True):
            cells = row + [int(v) for v in on]
            if sparse:
                f.write("{" + ",".join(f"{j} {v}" for j, v in enumerate(cells) if v) + "}\n")
            else:
                f.write(",".join(map(str, cells)) + "\n")


def peak_while_streaming(source: ArffSource, n_rows: int) -> tuple[int, int]:
    """Peak traced memory (bytes above the start) while reading `n_rows`, and the rows read."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        count = 0
        for _x, _y in itertools.islice(source, n_rows):
            count += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - start, count


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_memory_stays_flat(tmp_path: Path, sparse: bool) -> None:
    path = tmp_path / "big.arff"
    write_arff(path, sparse)
    source = ArffSource(path)
    assert source.schema.sparse is sparse
    assert source.schema.n_labels == N_LABELS

    small, n_small = peak_while_streaming(source, N_ROWS // 10)
    full, n_full = peak_while_streaming(source, N_ROWS)
    assert (n_small, n_full) == (N_ROWS // 10, N_ROWS)
    print(f"peak while streaming: {small} B for {n_small} rows, {full} B for {n_full} rows")
    assert full <= 1.5 * small + 64 * 1024, (small, full)
    assert full < path.stat().st_size / 20  # nowhere near holding the file
