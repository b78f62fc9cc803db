"""Sources of multi-label instances: ARFF (MULAN, MEKA, plain), CSV, river's Yeast, synthetic."""

from __future__ import annotations

from stream.sources.base import Instance, Source

__all__ = ["Instance", "Source"]
