"""Peer benchmarks: other libraries' multi-label learners run on the same streams as ours."""

from __future__ import annotations

__all__: list[str] = []
