"""Benchmark suites: our learners and other libraries' (river, MOA) on the same streams, one
results file, tables for the README."""

from __future__ import annotations
