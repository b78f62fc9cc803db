"""Sources of multi-label instances: ARFF (MULAN, MEKA, plain), CSV, river's Yeast, synthetic."""

from __future__ import annotations

from stream.sources.arff import ArffSource
from stream.sources.base import Instance, Source
from stream.sources.csv import CsvSource
from stream.sources.synth import Drift, MultiLabelSynth
from stream.sources.yeast import YeastSource

__all__ = [
    "ArffSource",
    "CsvSource",
    "Drift",
    "Instance",
    "MultiLabelSynth",
    "Source",
    "YeastSource",
]
