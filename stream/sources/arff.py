"""A streaming reader for multi-label ARFF files (MULAN XML labels, MEKA `-C`, or named labels).

The header is parsed once, when the source is built; the data section is read line by line on each
pass, so memory stays constant whatever the file's length. Dense rows and sparse rows
(`{index value, ...}`) are both read; quotes, `%` comments and instance weights are honoured.
"""

from __future__ import annotations

import collections
import difflib
import itertools
import logging
import os
import re
import xml.etree.ElementTree as ET  # noqa: S405 - DTDs are refused before parsing (no entities)
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stream.errors import DataFormatError, IhomerError
from stream.schema import Schema
from stream.sources.base import Instance, Source

__all__ = ["ArffSource"]

logger = logging.getLogger(__name__)

_NUMERIC_TYPES = frozenset({"numeric", "real", "integer"})
_SKIPPED_TYPES = frozenset({"string", "date", "relational"})
_MEKA_C = re.compile(r"(?:^|\s)-C\s+(-?\d+)")
_NAME = re.compile(r"[^\s{]+")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_QUOTES = "'\""

# The role of a column in a data row.
_NUM, _NOM, _LABEL, _SKIP = 0, 1, 2, 3


@dataclass(frozen=True)
class _Attribute:
    name: str
    kind: str  # "numeric", "nominal", "string", "date" or "relational"
    categories: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class _Header:
    relation: str
    relation_line: int
    attributes: tuple[_Attribute, ...]
    data_line: int  # the line number of `@data`
    first_row_sparse: bool


def _decode(raw: bytes) -> str:
    """UTF-8, or Latin-1 for the (older Weka) lines that are not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """Read the quoted string opening at `text[start]`: its unescaped text, the index after it."""
    quote = text[start]
    out: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            out.append(_ESCAPES.get(text[i + 1], text[i + 1]))
            i += 2
        elif c == quote:
            return "".join(out), i + 1
        else:
            out.append(c)
            i += 1
    raise ValueError(f"unterminated quote in {text[start : start + 40]!r}")


def _tokenize(text: str, start: int = 0, stop: str = "") -> tuple[list[str], int]:
    """Split `text` at the commas outside quotes, from `start` to an unquoted `%` or `stop`.

    Returns the tokens (unquoted, stripped of whitespace outside quotes) and the index where the
    scan stopped (`len(text)` when it ran to the end).
    """
    tokens: list[str] = []
    pieces: list[tuple[str, bool]] = []  # (text, was quoted)

    def close() -> None:
        while pieces and not pieces[0][1] and not pieces[0][0].strip():
            pieces.pop(0)
        while pieces and not pieces[-1][1] and not pieces[-1][0].strip():
            pieces.pop()
        if pieces and not pieces[0][1]:
            pieces[0] = (pieces[0][0].lstrip(), False)
        if pieces and not pieces[-1][1]:
            pieces[-1] = (pieces[-1][0].rstrip(), False)
        tokens.append("".join(p for p, _ in pieces))
        pieces.clear()

    i, n = start, len(text)
    plain = i
    while i < n:
        c = text[i]
        if c in _QUOTES:
            pieces.append((text[plain:i], False))
            value, i = _read_quoted(text, i)
            pieces.append((value, True))
            plain = i
        elif c == "," or c == "%" or c in stop:
            pieces.append((text[plain:i], False))
            if c != ",":
                break
            close()
            i += 1
            plain = i
        else:
            i += 1
    else:
        pieces.append((text[plain:i], False))
    close()
    if len(tokens) == 1 and not text[start:i].strip():
        tokens = []  # nothing at all, not one empty value
    return tokens, i


def _read_name(text: str) -> tuple[str, str]:
    """Split a possibly quoted name from the start of `text`; return it and the rest."""
    text = text.lstrip()
    if text and text[0] in _QUOTES:
        name, end = _read_quoted(text, 0)
        return name, text[end:]
    match = _NAME.match(text)
    if match is None:
        raise ValueError("missing name")
    return match.group(), text[match.end() :]


def _keyword(line: str) -> tuple[str, str]:
    """`('@attribute', rest)` for a header line that starts with a keyword."""
    parts = line.split(None, 1)
    return parts[0].lower(), parts[1] if len(parts) > 1 else ""


def _parse_attribute(rest: str, line: int, path: str) -> _Attribute:
    try:
        name, spec = _read_name(rest)
        spec = spec.strip()
        if spec.startswith("{"):
            end = spec.rfind("}")
            if end < 0:
                raise ValueError("nominal values without a closing '}'")
            categories, _ = _tokenize(spec[1:end])
            if not categories:
                raise ValueError(f"nominal attribute '{name}' has no values")
            return _Attribute(name, "nominal", tuple(categories), line)
    except ValueError as exc:
        raise DataFormatError(f"bad @attribute line: {exc}", path=path, line=line) from None
    kind = spec.split(None, 1)[0].lower() if spec else ""
    if kind in _NUMERIC_TYPES:
        return _Attribute(name, "numeric", (), line)
    if kind in _SKIPPED_TYPES:
        return _Attribute(name, kind, (), line)
    raise DataFormatError(
        f"unknown type {spec[:30]!r} for attribute '{name}' "
        "(expected numeric, real, integer, {...}, string, date or relational)",
        path=path,
        line=line,
    )


def _parse_header(file: Path) -> _Header:
    path = str(file)
    relation = ""
    relation_line = 0
    attributes: list[_Attribute] = []
    seen: set[str] = set()
    nested = 0  # depth inside relational attributes
    data_line = 0
    first_row_sparse = False
    with file.open("rb") as f:
        for lineno, raw in enumerate(f, start=1):
            line = _decode(raw).strip()
            if lineno == 1:
                line = line.lstrip("\ufeff")
            if not line or line[0] == "%":
                continue
            if data_line:
                first_row_sparse = line[0] == "{"
                break
            keyword, rest = _keyword(line)
            if keyword == "@attribute":
                attribute = _parse_attribute(rest, lineno, path)
                if attribute.kind == "relational":
                    nested += 1
                if nested and (attribute.kind != "relational" or nested > 1):
                    continue
                if attribute.name in seen:
                    raise DataFormatError(
                        f"duplicate attribute '{attribute.name}'", path=path, line=lineno
                    )
                seen.add(attribute.name)
                attributes.append(attribute)
            elif keyword == "@end" and nested:
                nested -= 1
            elif keyword == "@relation" and not attributes:
                rest = rest.strip()
                relation_line = lineno
                try:
                    relation = _read_quoted(rest, 0)[0] if rest[:1] in _QUOTES else rest
                except ValueError as exc:
                    raise DataFormatError(
                        f"bad @relation line: {exc}", path=path, line=lineno
                    ) from None
            elif keyword == "@data":
                data_line = lineno
            else:
                raise DataFormatError(
                    f"unexpected line in the header: {line[:40]!r}", path=path, line=lineno
                )
    if not data_line:
        raise DataFormatError("no @data line (is this an ARFF file?)", path=path)
    if not attributes:
        raise DataFormatError("no @attribute lines before @data", path=path, line=data_line)
    return _Header(relation, relation_line, tuple(attributes), data_line, first_row_sparse)


def _xml_labels(file: Path) -> list[str]:
    """The label names of a MULAN XML file, hierarchical labels included, in document order."""
    data = file.read_bytes()
    upper = data.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise DataFormatError("DOCTYPE and ENTITY declarations are not allowed", path=str(file))
    try:
        root = ET.fromstring(data)  # noqa: S314 - no DTD, so no entity can be expanded
    except ET.ParseError as exc:
        raise DataFormatError(
            f"not a MULAN label file: {exc}", path=str(file), line=exc.position[0]
        ) from None
    names: list[str] = []
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.rsplit("}", 1)[-1] == "label":
            name = element.get("name")
            if name is None:
                raise DataFormatError("a <label> element has no name", path=str(file))
            names.append(name)
    if not names:
        raise DataFormatError("no <label name=...> elements", path=str(file))
    return names


def _unknown(names: Sequence[str], known: Sequence[str], what: str, path: str) -> IhomerError:
    close = difflib.get_close_matches(names[0], list(known), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    listed = ", ".join(f"'{n}'" for n in names)
    return IhomerError(f"{what} {listed} not among the attributes of {path}{hint}")


def _label_value(value: str) -> bool | None:
    """True/False for a label's value (quotes and spaces allowed, `?` is False), None if bad."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in _QUOTES:
        value = value[1:-1].strip()
    if value == "1":
        return True
    if value == "0" or value == "?":
        return False
    try:
        number = float(value)
    except ValueError:
        return None
    return True if number == 1.0 else False if number == 0.0 else None


class ArffSource(Source):
    """Stream the instances of a multi-label ARFF file, one row at a time.

    The label attributes are, in this order of precedence: the `labels` given; those named by a
    MULAN XML file (`xml`, or `NAME.xml` beside `NAME.arff`); those given by a MEKA `-C n` in the
    relation name (the first `n` attributes, or the last `|n|` when `n < 0`).

    Numeric attributes give floats and nominal ones their category as a string; string, date and
    relational attributes are not features and are skipped. A missing value (`?`) is an absent
    key in `x` and False in `y`. In a sparse file (`Schema.sparse`) an absent key means 0, or
    the first category of a nominal attribute, and `x` holds only the other values.

    Parameters
    ----------
    path
        The ARFF file.
    labels
        Names of the label attributes (overrides the XML file and `-C`).
    xml
        A MULAN XML file naming the labels (default: `NAME.xml` beside the ARFF file, if any).
    ignore
        Names of attributes that are not to be used as features (e.g. an instance id).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "toy.arff").write_text(
    ...     "@relation 'toy: -C 2'\\n"
    ...     "@attribute sport {0,1}\\n@attribute music {0,1}\\n"
    ...     "@attribute length numeric\\n@attribute lang {en,pt}\\n"
    ...     "@data\\n1,0,3.5,pt\\n0,1,?,en\\n"
    ... )
    >>> source = ArffSource(folder / "toy.arff")
    >>> source.schema.label_names, source.schema.feature_names
    (('sport', 'music'), ('length', 'lang'))
    >>> for x, y in source:
    ...     print(x, y)
    {'length': 3.5, 'lang': 'pt'} {'sport': True, 'music': False}
    {'lang': 'en'} {'sport': False, 'music': True}
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        labels: Sequence[str] | None = None,
        xml: str | os.PathLike[str] | None = None,
        ignore: Sequence[str] = (),
    ) -> None:
        self.path = path
        self.labels = labels
        self.xml = xml
        self.ignore = ignore

        file = Path(path)
        if not file.is_file():
            raise IhomerError(f"no such file: {path}")
        self._file = file
        self._where = str(path)
        header = _parse_header(file)
        attributes = header.attributes
        names = [a.name for a in attributes]
        label_set = set(self._find_labels(header))
        ignored = [ignore] if isinstance(ignore, str) else list(ignore)
        known = set(names)
        unknown = [n for n in ignored if n not in known]
        if unknown:
            raise _unknown(unknown, names, "attribute(s) to ignore", self._where)
        if label_set & set(ignored):
            raise IhomerError(
                f"cannot ignore label attribute(s): {sorted(label_set & set(ignored))}"
            )

        # One spec per column: (role, name, nominal categories, the value an absent sparse
        # entry stands for: 0.0 or the first category).
        specs: list[tuple[int, str, frozenset[str], float | str | None]] = []
        skipped: list[str] = []
        for a in attributes:
            if a.name in label_set:
                if a.kind == "numeric" or (a.kind == "nominal" and set(a.categories) <= {"0", "1"}):
                    specs.append((_LABEL, a.name, frozenset(), None))
                else:
                    raise DataFormatError(
                        f"label attribute '{a.name}' must be nominal {{0,1}} or numeric",
                        path=self._where,
                        line=a.line,
                    )
            elif a.kind == "numeric" and a.name not in ignored:
                specs.append((_NUM, a.name, frozenset(), 0.0))
            elif a.kind == "nominal" and a.name not in ignored:
                specs.append((_NOM, a.name, frozenset(a.categories), a.categories[0]))
            else:
                specs.append((_SKIP, a.name, frozenset(), None))
                skipped.append(f"{a.name} ({'ignored' if a.name in ignored else a.kind})")
        if skipped:
            logger.info("%s: not used as features: %s", self._where, ", ".join(skipped))

        self._specs = specs
        self._n = len(specs)
        self._data_line = header.data_line
        self._sparse = header.first_row_sparse
        feature_cols = [j for j, s in enumerate(specs) if s[0] in (_NUM, _NOM)]
        self._feature_cols = feature_cols
        self._feature_names = tuple(specs[j][1] for j in feature_cols)
        self._label_cols = [(j, s[1]) for j, s in enumerate(specs) if s[0] == _LABEL]
        self._y_false = {name: False for _, name in self._label_cols}
        self._numeric_only = all(specs[j][0] == _NUM for j in feature_cols)
        self._feature_slice: slice | None = None
        if feature_cols and feature_cols[-1] - feature_cols[0] + 1 == len(feature_cols):
            self._feature_slice = slice(feature_cols[0], feature_cols[-1] + 1)
        nominal = {
            a.name: a.categories for a, s in zip(attributes, specs, strict=True) if s[0] == _NOM
        }
        # The values of absent sparse entries: dropped from x in a sparse schema, filled in in a
        # dense one (where an absent key would mean a missing value).
        self._zeros: dict[str, Any] = {specs[j][1]: specs[j][3] for j in feature_cols}
        self._schema = Schema(
            name=file.stem,
            feature_names=self._feature_names,
            label_names=tuple(name for _, name in self._label_cols),
            nominal=nominal,
            n_instances=None,
            sparse=self._sparse,
        )

    def _find_labels(self, header: _Header) -> list[str]:
        names = [a.name for a in header.attributes]
        known = set(names)
        if self.labels is not None:
            wanted = [self.labels] if isinstance(self.labels, str) else list(self.labels)
            if not wanted:
                raise IhomerError("no label names given")
            unknown = [n for n in wanted if n not in known]
            if unknown:
                raise _unknown(unknown, names, "label(s)", self._where)
            return wanted
        xml = Path(self.xml) if self.xml is not None else self._file.with_suffix(".xml")
        if self.xml is not None and not xml.is_file():
            raise IhomerError(f"no such file: {self.xml}")
        if xml.is_file():
            wanted = _xml_labels(xml)
            unknown = [n for n in wanted if n not in known]
            if unknown:
                raise _unknown(unknown, names, f"label(s) of {xml}:", self._where)
            return wanted
        match = _MEKA_C.search(header.relation)
        if match is not None:
            count = int(match.group(1))
            if count == 0 or abs(count) > len(names):
                raise DataFormatError(
                    f"MEKA '-C {count}' does not fit {len(names)} attributes",
                    path=self._where,
                    line=header.relation_line,
                )
            return names[:count] if count > 0 else names[count:]
        raise IhomerError(
            f"the label attributes of {self._where} are unknown: name them (--labels), put a "
            f"MULAN XML file beside it ({xml.name}), or use a MEKA relation name with '-C n'"
        )

    @property
    def schema(self) -> Schema:
        return self._schema

    def __repr__(self) -> str:
        return f"ArffSource({str(self.path)!r})"

    def __iter__(self) -> Iterator[Instance]:
        with self._file.open("rb") as f:
            collections.deque(itertools.islice(f, self._data_line), maxlen=0)
            lineno = self._data_line
            for raw in f:
                lineno += 1
                try:
                    line = raw.decode("utf-8").strip()
                except UnicodeDecodeError:
                    line = raw.decode("latin-1").strip()
                if not line or line[0] == "%":
                    continue
                if line[0] == "{":
                    yield self._sparse_row(line, lineno)
                else:
                    yield self._dense_row(line, lineno)

    def _error(self, message: str, line: int) -> DataFormatError:
        return DataFormatError(message, path=self._where, line=line)

    def _dense_row(self, line: str, lineno: int) -> Instance:
        if "'" in line or '"' in line or "%" in line:
            try:
                parts, _ = _tokenize(line)
            except ValueError as exc:
                raise self._error(str(exc), lineno) from None
        else:
            parts = line.split(",")
        if len(parts) != self._n:
            weight = parts[-1].strip()
            if len(parts) == self._n + 1 and weight[:1] == "{" and weight[-1:] == "}":
                del parts[-1]  # an instance weight: not part of the instance
            elif line[0] == "@":
                raise self._error(f"unexpected {line.split()[0]!r} line after @data", lineno)
            else:
                raise self._error(f"row has {len(parts)} values, expected {self._n}", lineno)

        x: dict[str, Any] | None = None
        if self._numeric_only:
            cols = self._feature_slice
            values = parts[cols] if cols is not None else [parts[j] for j in self._feature_cols]
            try:
                x = dict(zip(self._feature_names, map(float, values), strict=True))
            except ValueError:
                x = None  # a missing or bad value: the careful path says which
        if x is None:
            x = self._dense_features(parts, lineno)
        y: dict[str, bool] = {}
        for j, name in self._label_cols:
            value = parts[j]
            if value == "1":
                y[name] = True
            elif value == "0":
                y[name] = False
            else:
                y[name] = self._label(value, name, lineno)
        if self._sparse:
            zeros = self._zeros
            x = {k: v for k, v in x.items() if v != zeros[k]}
        return x, y

    def _dense_features(self, parts: list[str], lineno: int) -> dict[str, Any]:
        x: dict[str, Any] = {}
        specs = self._specs
        for j in self._feature_cols:
            role, name, categories, _ = specs[j]
            value = parts[j].strip()
            if value == "?":
                continue
            x[name] = self._value(role, name, categories, value, lineno)
        return x

    def _value(
        self, role: int, name: str, categories: frozenset[str], value: str, lineno: int
    ) -> float | str:
        if role == _NUM:
            try:
                return float(value)
            except ValueError:
                raise self._error(
                    f"bad value {value!r} for numeric attribute '{name}'", lineno
                ) from None
        if value in categories:
            return value
        if len(value) >= 2 and value[0] == value[-1] and value[0] in _QUOTES:
            unquoted = value[1:-1]
            if unquoted in categories:
                return unquoted
        expected = ", ".join(sorted(categories)[:10]) + (", ..." if len(categories) > 10 else "")
        raise self._error(
            f"bad value {value!r} for nominal attribute '{name}' (expected one of {expected})",
            lineno,
        )

    def _label(self, value: str, name: str, lineno: int) -> bool:
        on = _label_value(value)
        if on is None:
            raise self._error(
                f"bad value {value.strip()!r} for label '{name}' (expected 0 or 1)", lineno
            )
        return on

    def _sparse_row(self, line: str, lineno: int) -> Instance:
        pairs: list[list[str]] | None = None
        if "'" in line or '"' in line or "%" in line:
            try:
                tokens, end = _tokenize(line, 1, stop="}")
            except ValueError as exc:
                raise self._error(str(exc), lineno) from None
            if end >= len(line) or line[end] != "}":
                raise self._error("sparse row without a closing '}'", lineno)
            pairs = [token.split(None, 1) for token in tokens]
        else:
            end = line.find("}")
            if end < 0:
                raise self._error("sparse row without a closing '}'", lineno)
            body = line[1:end]
            flat = body.replace(",", " ").split()
            if flat and len(flat) != 2 * (body.count(",") + 1):
                pairs = [item.split() for item in body.split(",")]  # to find the bad item
        if pairs is not None:
            for pair in pairs:
                if len(pair) != 2:
                    item = " ".join(pair)
                    raise self._error(f"bad sparse item {item!r} (expected 'index value')", lineno)
            flat = [token for pair in pairs for token in pair]
        rest = line[end + 1 :].strip()
        if rest and not (rest[0] == "," and rest[1:].strip()[:1] == "{" and rest[-1] == "}"):
            raise self._error(f"unexpected text after a sparse row: {rest[:30]!r}", lineno)

        indices, values = flat[0::2], flat[1::2]
        n = self._n
        try:
            cols = list(map(int, indices))
        except ValueError:
            bad = next(i for i in indices if not i.lstrip("+-").isdigit())
            raise self._error(f"bad sparse index {bad!r}", lineno) from None
        if cols and (min(cols) < 0 or max(cols) >= n):
            out = next(j for j in cols if not 0 <= j < n)
            raise self._error(f"sparse index {out} out of range (0..{n - 1})", lineno)

        sparse = self._sparse
        x: dict[str, Any] = {} if sparse else dict(self._zeros)
        y = dict(self._y_false)
        specs = self._specs
        for j, value in zip(cols, values, strict=True):
            role, name, categories, zero = specs[j]
            if role == _NOM:
                if value in categories:
                    if value != zero or not sparse:
                        x[name] = value
                    continue
            elif role == _NUM:
                try:
                    number = float(value)
                except ValueError:
                    pass
                else:
                    if number != 0.0 or not sparse:
                        x[name] = number
                    continue
            elif role == _LABEL:
                if value == "1":
                    y[name] = True
                elif value != "0":
                    y[name] = self._label(value, name, lineno)
                continue
            else:
                continue
            # A missing value, a quoted category or a bad value.
            if value == "?":
                x.pop(name, None)
                continue
            v = self._value(role, name, categories, value, lineno)
            if v != zero or not sparse:
                x[name] = v
        return x, y
