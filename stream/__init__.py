"""Data in motion: sources, schema, metrics, prequential evaluation, the service and the CLI."""

from __future__ import annotations

from stream.errors import DataFormatError, IhomerError, UnknownNameError
from stream.schema import Schema

__all__ = ["DataFormatError", "IhomerError", "Schema", "UnknownNameError"]
