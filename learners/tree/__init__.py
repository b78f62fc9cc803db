"""Multi-label Hoeffding trees whose statistics live in NumPy arrays updated by Numba kernels."""

from __future__ import annotations

from pathlib import Path

import drift
from drift._jit_cache import drop_stale_cache

_HERE = Path(__file__).parent
drop_stale_cache(
    [_HERE / "_kernels.py", _HERE / "_adaptive.py", _HERE / "_batch.py"],
    [
        _HERE / "_kernels.py",
        _HERE / "_adaptive.py",
        _HERE / "_batch.py",
        _HERE / "_layout.py",  # (its constants are compiled into the kernels)
        Path(drift.__file__).parent / "_adwin_kernels.py",
    ],
)

from learners.tree.adaptive_tree import MultiLabelHoeffdingAdaptiveTree  # noqa: E402
from learners.tree.hoeffding_tree import MultiLabelHoeffdingTree  # noqa: E402

__all__ = ["MultiLabelHoeffdingAdaptiveTree", "MultiLabelHoeffdingTree"]
