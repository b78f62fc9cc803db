"""Prequential predictions as a MEKA/MOA multi-label ARFF file, written row by row.

`ihomer evaluate --predictions FILE.arff` writes, for a learner, one row per instance in stream
order: the instance's true labels, then the labels the learner predicted for it before learning
it, then the instance's index. The relation name carries MEKA's `-C L` option, so MEKA and
MOA (`moa.streams.MultiTargetArffFileStream` with the range `1-L`, or any reader told the label
count) take the first L attributes as the labels; the predictions are the next L attributes.
A tool that evaluates multi-label predictions can read them back without our code:

=====================  ==============================================================
attribute              values
=====================  ==============================================================
`<label>` (L of them)  `{0,1}`: the label is on in the data
`pred_<label>` (L)     `{0,1}`: the learner predicted it, before learning the instance
`instance`             `numeric`: the instance's index in the stream, from 0
=====================  ==============================================================

Labels keep the data set's order and names (quoted where ARFF needs it). A derived name that
would repeat another attribute's name gets underscores appended (a label literally named
`pred_a` beside a label `a`). Rows are dense and written as the evaluation goes: nothing is
held in memory.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> path = Path(tempfile.mkdtemp()) / "preds.arff"
>>> with PredictionsArffWriter(path, ["sport", "no music"], relation="toy by me") as out:
...     out.write(0, [{"sport"}, set()], [{"sport", "no music"}, set()])
>>> print(path.read_text())
@relation 'toy by me: -C 2'
@attribute sport {0,1}
@attribute 'no music' {0,1}
@attribute pred_sport {0,1}
@attribute 'pred_no music' {0,1}
@attribute instance numeric
@data
1,0,1,1,0
0,0,0,0,1
<BLANKLINE>
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Hashable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from stream.errors import IhomerError

__all__ = ["PredictionsArffWriter", "arff_name", "prediction_paths"]

#: names ARFF readers take without quotes (Weka's and MOA's tokenizers included)
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_ESCAPED = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def arff_name(name: str) -> str:
    """`name` as an ARFF attribute or relation name: as is when plain, else single-quoted.

    >>> arff_name("Class1"), arff_name("no music"), arff_name("it's")
    ('Class1', "'no music'", "'it\\\\'s'")
    """
    if _PLAIN.fullmatch(name):
        return name
    return "'" + "".join(_ESCAPED.get(c, c) for c in name) + "'"


def prediction_paths(path: Path, learners: Sequence[str]) -> dict[str, Path]:
    """Where each learner's predictions go: `path` itself for one learner; for several, one
    file per learner with its name before the suffix.

    >>> prediction_paths(Path("out/p.arff"), ["ihomer"])
    {'ihomer': PosixPath('out/p.arff')}
    >>> prediction_paths(Path("out/p.arff"), ["ihomer", "br-ht"])
    {'ihomer': PosixPath('out/p-ihomer.arff'), 'br-ht': PosixPath('out/p-br-ht.arff')}
    """
    if len(learners) == 1:
        return {learners[0]: path}
    return {name: path.with_name(f"{path.stem}-{name}{path.suffix}") for name in learners}


def _unique(name: str, used: set[str]) -> str:
    while name in used:
        name += "_"
    used.add(name)
    return name


class PredictionsArffWriter:
    """Writes a learner's prequential predictions to a MEKA/MOA multi-label ARFF file.

    The header is written when the writer is created; each `write` appends rows. Used as a
    context manager, the file is closed on exit, and removed if the block raised (a partial
    file would pass for a complete one). An `OSError` (folder missing, no permission, disk
    full) becomes an `IhomerError` naming the file.

    Parameters
    ----------
    path
        The file to write (replaced if it exists).
    labels
        The label names, in the order of the columns.
    relation
        The relation's name; `: -C L` is appended (a `:` in it becomes `_`, as MEKA reads
        options after the colon).
    """

    def __init__(
        self, path: str | os.PathLike[str], labels: Sequence[Hashable], *, relation: str
    ) -> None:
        self.path = Path(path)
        self.labels = list(labels)
        if not self.labels:
            raise IhomerError(f"{self.path}: no labels to write predictions for")
        used: set[str] = set()
        truth_names = [_unique(str(label), used) for label in self.labels]
        pred_names = [_unique(f"pred_{label}", used) for label in self.labels]
        self.index_name = _unique("instance", used)
        self.attribute_names = [*truth_names, *pred_names, self.index_name]
        self.rows = 0
        header = [f"@relation {arff_name(relation.replace(':', '_') + f': -C {len(labels)}')}"]
        header += [f"@attribute {arff_name(name)} {{0,1}}" for name in truth_names + pred_names]
        header += [f"@attribute {arff_name(self.index_name)} numeric", "@data"]
        try:
            self._file = self.path.open("w", encoding="utf-8", newline="\n")
            self._file.write("\n".join(header) + "\n")
        except OSError as exc:
            raise self._error(exc) from None

    def _error(self, exc: OSError) -> IhomerError:
        return IhomerError(f"cannot write predictions to {self.path}: {exc.strerror or exc}")

    def write(
        self,
        start: int,
        truths: Iterable[Collection[Hashable]],
        predictions: Iterable[Collection[Hashable]],
    ) -> None:
        """Append one row per instance: `truths[i]` and `predictions[i]` are the label sets
        on in the data and predicted for instance `start + i`."""
        lines = []
        for i, (truth, guess) in enumerate(zip(truths, predictions, strict=True)):
            cells = ["1" if label in truth else "0" for label in self.labels]
            cells += ["1" if label in guess else "0" for label in self.labels]
            cells.append(str(start + i))
            lines.append(",".join(cells) + "\n")
        try:
            self._file.writelines(lines)
        except OSError as exc:
            raise self._error(exc) from None
        self.rows += len(lines)

    def close(self) -> None:
        """Close the file; if its last rows cannot be written, remove it and raise."""
        try:
            self._file.close()
        except OSError as exc:
            self.path.unlink(missing_ok=True)
            raise self._error(exc) from None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
            return
        try:
            self._file.close()
        except OSError:
            pass  # the block's own error is the one to report
        self.path.unlink(missing_ok=True)
