"""Online clustering of label streams: the label partition iHOMER trains one learner per cluster on.

`LabelClustering` is the online divisive-agglomerative clustering (ODAC-style) of the labels on
Jaccard distance, usable on its own: `learn_one(y)`, `learn_many(Y)`, `partition`, `hierarchy`,
`events`, `version`. `refine` is its minimum-size refinement of a hierarchy, on its own.
"""

from __future__ import annotations

from learners.clustering.label_clustering import LabelClustering, refine

__all__ = ["LabelClustering", "refine"]
