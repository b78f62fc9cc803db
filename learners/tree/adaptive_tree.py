"""The multi-label Hoeffding adaptive tree (MLHAT): drift detection at every node."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from learners.registry import register
from learners.tree._layout import (
    M_N_ALTERNATES,
    M_N_PRUNES,
    M_N_SWAPS,
    N_ALT,
    P_ADWIN_DELTA,
    P_DRIFT_WINDOW,
    P_SWITCH_SIGNIFICANCE,
)
from learners.tree.hoeffding_tree import SPLITS_EARLY, MultiLabelHoeffdingTree

__all__ = ["MultiLabelHoeffdingAdaptiveTree"]


class MultiLabelHoeffdingAdaptiveTree(MultiLabelHoeffdingTree):
    """A multi-label Hoeffding tree that replaces subtrees when their error drifts (MLHAT).

    Every node on an instance's path feeds the Hamming loss of the tree's prediction into its
    own ADWIN. When a branch's ADWIN detects a change towards a higher error, a background
    subtree starts there and learns alongside. Once both have seen `drift_window_threshold`
    weight, MLHAT's test compares their mean errors (bound
    `sqrt(2 e (1 - e) ln(2 / switch_significance) (1/n_bg + 1/n_main))`): the background
    subtree replaces the branch when it is significantly better and is dropped when it is
    significantly worse. Predictions combine the main leaf with the leaves of background
    subtrees past the threshold, each weighted by the inverse square of its error.

    Parameters are those of `MultiLabelHoeffdingTree`, plus:

    Parameters
    ----------
    adwin_delta
        Confidence of each node's ADWIN.
    drift_window_threshold
        Weight both subtrees need before the switch test, and a background subtree before it
        takes part in predictions.
    switch_significance
        Significance of the switch test.

    Examples
    --------
    >>> from river import datasets, evaluate, metrics
    >>> model = MultiLabelHoeffdingAdaptiveTree(seed=1)
    >>> evaluate.progressive_val_score(
    ...     datasets.Yeast(), model, metrics.multioutput.MicroAverage(metrics.F1())
    ... )
    MicroAverage(F1): ...%
    """

    def __init__(
        self,
        grace_period: int = 200,
        delta: float = 1e-7,
        tau: float = 0.05,
        n_split_points: int = 10,
        max_depth: int = 20,
        leaf_prediction: str = "best",
        knn_neighbors: int = 4,
        knn_window: int = 170,
        learning_rate: float = 1.0,
        bias_learning_rate: float = 0.1,
        cardinality_threshold: int = 750,
        entropy_threshold: float = 0.3,
        min_branch_fraction: float = 0.01,
        max_share_to_split: float = 0.99,
        merit_preprune: bool = True,
        max_size_mb: float = 100.0,
        bootstrap_sampling: bool = True,
        seed: int | None = None,
        adwin_delta: float = 0.002,
        drift_window_threshold: int = 200,
        switch_significance: float = 0.05,
    ) -> None:
        self.adwin_delta = adwin_delta
        self.drift_window_threshold = drift_window_threshold
        self.switch_significance = switch_significance
        super().__init__(
            grace_period=grace_period,
            delta=delta,
            tau=tau,
            n_split_points=n_split_points,
            max_depth=max_depth,
            leaf_prediction=leaf_prediction,
            knn_neighbors=knn_neighbors,
            knn_window=knn_window,
            learning_rate=learning_rate,
            bias_learning_rate=bias_learning_rate,
            cardinality_threshold=cardinality_threshold,
            entropy_threshold=entropy_threshold,
            min_branch_fraction=min_branch_fraction,
            max_share_to_split=max_share_to_split,
            merit_preprune=merit_preprune,
            max_size_mb=max_size_mb,
            bootstrap_sampling=bootstrap_sampling,
            seed=seed,
        )

    @classmethod
    def _unit_test_params(cls) -> Iterator[dict[str, Any]]:
        """The defaults, then an unseeded tree (so the seeding check runs) that splits within
        river's check streams and whose subtrees may be replaced after 20 instances of weight."""
        yield {}
        yield {
            **dict(SPLITS_EARLY),
            "drift_window_threshold": 20,
            "leaf_prediction": "adaptive",
            "seed": None,
        }

    def _reset(self) -> None:
        super()._reset()
        self._params[P_ADWIN_DELTA] = self.adwin_delta
        self._params[P_DRIFT_WINDOW] = self.drift_window_threshold
        self._params[P_SWITCH_SIGNIFICANCE] = self.switch_significance

    _ADAPTIVE = True

    @property
    def n_background_trees(self) -> int:
        """Background subtrees growing now."""
        if self._arrays is None:
            return 0
        return int((self._arrays.node_i[: self.n_nodes, N_ALT] >= 0).sum())

    @property
    def n_alternates_started(self) -> int:
        return 0 if self._arrays is None else int(self._arrays.meta[M_N_ALTERNATES])

    @property
    def n_swaps(self) -> int:
        """Background subtrees that replaced their branch."""
        return 0 if self._arrays is None else int(self._arrays.meta[M_N_SWAPS])

    @property
    def n_prunes(self) -> int:
        """Background subtrees dropped for being worse."""
        return 0 if self._arrays is None else int(self._arrays.meta[M_N_PRUNES])


@register(
    "mlhat", "multi-label Hoeffding adaptive tree (Numba kernels), subtrees replaced on drift"
)
def _mlhat() -> MultiLabelHoeffdingAdaptiveTree:
    return MultiLabelHoeffdingAdaptiveTree(seed=42)
