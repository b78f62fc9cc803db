"""Drift detectors with river's API over Numba kernels."""

from __future__ import annotations

__all__: list[str] = []
