"""Gaussian naive Bayes whose statistics live in NumPy arrays updated by Numba kernels."""

from __future__ import annotations

from pathlib import Path

from drift._jit_cache import drop_stale_cache

_HERE = Path(__file__).parent
drop_stale_cache([_HERE / "_kernels.py"], [_HERE / "_kernels.py", _HERE / "_vector_math.py"])

from learners.naive_bayes.binary_relevance import BinaryRelevanceGaussianNB  # noqa: E402

__all__ = ["BinaryRelevanceGaussianNB"]
