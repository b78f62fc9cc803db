"""Online multi-label learners: reference learners, river baselines (and, later, iHOMER)."""

from __future__ import annotations

from learners.base import MultiLabelLearner, positive_labels
from learners.baselines import (
    FirstSeenClassifierChain,
    LabelPowerset,
    PrunedSets,
    ThresholdedRegressor,
    encode_features,
)
from learners.reference import MajorityLabelSet, NoChange

__all__ = [
    "FirstSeenClassifierChain",
    "LabelPowerset",
    "MajorityLabelSet",
    "MultiLabelLearner",
    "NoChange",
    "PrunedSets",
    "ThresholdedRegressor",
    "encode_features",
    "positive_labels",
]
