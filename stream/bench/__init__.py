"""Benchmark suites: many learners on many streams, one results file, tables for the README."""

from __future__ import annotations
