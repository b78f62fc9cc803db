from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_datasets_dir() -> Path | None:
    """`$IHOMER_DATA` or `../shared/datasets` beside the project, if it exists."""
    env = os.environ.get("IHOMER_DATA")
    for candidate in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "datasets"]:
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """The shared benchmark data sets; skips the test when they are absent."""
    path = shared_datasets_dir()
    if path is None:
        pytest.skip("../shared/datasets is absent (set IHOMER_DATA to the data sets' folder)")
    return path
