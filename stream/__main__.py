"""`python -m stream` is the `ihomer` command."""

from __future__ import annotations

from stream.cli import main

main()
