"""Online multi-label learners: reference learners, river baselines (and, later, iHOMER)."""

from __future__ import annotations

from learners.base import MultiLabelLearner, positive_labels

__all__ = ["MultiLabelLearner", "positive_labels"]
