"""Errors caused by user input: the CLI prints them as one line and exits non-zero."""

from __future__ import annotations

__all__ = ["DataFormatError", "IhomerError", "UnknownNameError"]


class IhomerError(Exception):
    """A user-facing error: bad input, a missing file, an unknown name.

    The CLI reports these as a single line (no traceback) and exits with status 2.
    """


class DataFormatError(IhomerError):
    """A data file that cannot be read, with the place where reading failed.

    >>> print(DataFormatError("bad value 'x' for numeric attribute 'a1'", path="d.arff", line=12))
    d.arff:12: bad value 'x' for numeric attribute 'a1'
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        where = path or ""
        if line is not None:
            where = f"{where}:{line}" if where else f"line {line}"
        super().__init__(f"{where}: {message}" if where else message)


class UnknownNameError(IhomerError):
    """An unknown learner, data set or option value, with the names that are known.

    >>> print(UnknownNameError("learner", "br-hx", ["br-ht", "br-nb"]))
    unknown learner 'br-hx' (did you mean 'br-ht'?); known: br-ht, br-nb
    """

    def __init__(self, kind: str, name: str, known: list[str] | tuple[str, ...]) -> None:
        import difflib

        self.kind = kind
        self.name = name
        self.known = list(known)
        close = difflib.get_close_matches(name, self.known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        super().__init__(f"unknown {kind} '{name}'{hint}; known: {', '.join(self.known)}")
