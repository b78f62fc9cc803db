"""A streaming reader for CSV files with a header row and named label columns."""

from __future__ import annotations

import csv
import difflib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from stream.errors import DataFormatError, IhomerError
from stream.schema import Schema
from stream.sources.base import Instance, Source

__all__ = ["CsvSource"]

_TRUE = frozenset({"1", "1.0", "true", "yes"})
_FALSE = frozenset({"0", "0.0", "false", "no"})
_MISSING = frozenset({"", "?", "na", "nan"})


class CsvSource(Source):
    """Stream a CSV file whose first row names the columns, one row at a time.

    The `labels` columns hold 0/1, true/false or yes/no (any case); every other column is a
    numeric feature. An empty, `?`, `NA` or `NaN` cell is a missing value: an absent key in `x`,
    False in `y`.

    Parameters
    ----------
    path
        The CSV file (UTF-8, comma-separated).
    labels
        Names of the label columns.
    name
        The stream's name (default: the file's stem).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> file = Path(tempfile.mkdtemp()) / "toy.csv"
    >>> _ = file.write_text("a,b,sport,music\\n0.5,2,1,no\\n1.5,NA,0,yes\\n")
    >>> source = CsvSource(file, labels=["sport", "music"])
    >>> source.schema.feature_names, source.schema.label_names
    (('a', 'b'), ('sport', 'music'))
    >>> for x, y in source:
    ...     print(x, y)
    {'a': 0.5, 'b': 2.0} {'sport': True, 'music': False}
    {'a': 1.5} {'sport': False, 'music': True}
    """

    def __init__(
        self, path: str | os.PathLike[str], *, labels: Sequence[str], name: str | None = None
    ) -> None:
        self.path = path
        self.labels = labels
        self.name = name

        file = Path(path)
        if not file.is_file():
            raise IhomerError(f"no such file: {path}")
        self._file = file
        self._where = str(path)
        with self._open() as f:
            header = next(csv.reader(f), None)
        if not header:
            raise DataFormatError("no header row", path=self._where, line=1)
        columns = [column.strip() for column in header]
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            raise DataFormatError(
                f"duplicate column name(s): {', '.join(duplicates)}", path=self._where, line=1
            )
        wanted = [labels] if isinstance(labels, str) else list(labels)
        if not wanted:
            raise IhomerError("no label columns given")
        unknown = [label for label in wanted if label not in columns]
        if unknown:
            close = difflib.get_close_matches(unknown[0], columns, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            listed = ", ".join(f"'{label}'" for label in unknown)
            raise IhomerError(f"label(s) {listed} not among the columns of {path}{hint}")
        label_set = set(wanted)
        self._n = len(columns)
        self._feature_cols = [j for j, c in enumerate(columns) if c not in label_set]
        self._label_cols = [(j, c) for j, c in enumerate(columns) if c in label_set]
        self._feature_names = tuple(columns[j] for j in self._feature_cols)
        self._schema = Schema(
            name=name if name is not None else file.stem,
            feature_names=self._feature_names,
            label_names=tuple(c for _, c in self._label_cols),
        )

    @property
    def schema(self) -> Schema:
        return self._schema

    def __repr__(self) -> str:
        return f"CsvSource({str(self.path)!r}, labels={self.labels!r})"

    def _open(self) -> Any:
        return self._file.open(newline="", encoding="utf-8-sig")

    def __iter__(self) -> Iterator[Instance]:
        names = self._feature_names
        cols = self._feature_cols
        with self._open() as f:
            reader = csv.reader(f)
            next(reader, None)
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # a blank line
                line = reader.line_num
                if len(row) != self._n:
                    raise DataFormatError(
                        f"row has {len(row)} values, expected {self._n}",
                        path=self._where,
                        line=line,
                    )
                values = [row[j] for j in cols]
                try:
                    x: dict[str, Any] = dict(zip(names, map(float, values), strict=True))
                except ValueError:
                    x = self._features(values, line)
                else:
                    if any(v != v for v in x.values()):  # a 'NaN' cell is a missing value
                        x = {k: v for k, v in x.items() if v == v}
                y: dict[str, bool] = {}
                for j, label in self._label_cols:
                    value = row[j].strip().lower()
                    if value in _TRUE:
                        y[label] = True
                    elif value in _FALSE or value in _MISSING:
                        y[label] = False
                    else:
                        raise DataFormatError(
                            f"bad value {row[j]!r} for label '{label}' "
                            "(expected 0/1, true/false or yes/no)",
                            path=self._where,
                            line=line,
                        )
                yield x, y

    def _features(self, values: list[str], line: int) -> dict[str, Any]:
        x: dict[str, Any] = {}
        for name, value in zip(self._feature_names, values, strict=True):
            value = value.strip()
            if value.lower() in _MISSING:
                continue
            try:
                x[name] = float(value)
            except ValueError:
                raise DataFormatError(
                    f"bad value {value!r} for numeric column '{name}'",
                    path=self._where,
                    line=line,
                ) from None
        return x
