"""Gaussian naive Bayes whose statistics live in NumPy arrays updated by Numba kernels."""

from __future__ import annotations

from learners.naive_bayes.binary_relevance import BinaryRelevanceGaussianNB

__all__ = ["BinaryRelevanceGaussianNB"]
