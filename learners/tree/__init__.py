"""Multi-label Hoeffding trees whose statistics live in NumPy arrays updated by Numba kernels."""

from __future__ import annotations

from learners.tree.adaptive_tree import MultiLabelHoeffdingAdaptiveTree
from learners.tree.hoeffding_tree import MultiLabelHoeffdingTree

__all__ = ["MultiLabelHoeffdingAdaptiveTree", "MultiLabelHoeffdingTree"]
