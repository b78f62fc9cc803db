"""Parsing shared by the subcommands' options."""

from __future__ import annotations

__all__ = ["split_names"]


def split_names(value: str | None) -> list[str]:
    """The names of a comma-separated option, blanks dropped.

    >>> split_names(" a, b,,c "), split_names(None)
    (['a', 'b', 'c'], [])
    """
    return [s.strip() for s in value.split(",") if s.strip()] if value else []
