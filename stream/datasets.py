"""Resolve a data set name or path to a source.

`yeast` is river's bundled Yeast stream (no file needed), `synth` the synthetic drifting
generator; any other name is looked up as `NAME/NAME.arff` (or `NAME.arff`) in `$IHOMER_DATA`,
then in `shared/datasets` next to the working directory or to the project. A path to an `.arff`
or `.csv` file is read directly.

>>> open_dataset("yeast").schema.n_labels
14
>>> open_dataset("yaest")
Traceback (most recent call last):
...
stream.errors.UnknownNameError: unknown data set 'yaest' (did you mean 'yeast'?); known: ...
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from stream.errors import IhomerError, UnknownNameError
from stream.sources.base import Source

__all__ = ["BUILTIN", "available", "data_dirs", "default_synth", "open_dataset"]

BUILTIN = ("synth", "yeast")

_PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dirs() -> list[Path]:
    """Folders searched for named data sets, in order (only those that exist)."""
    candidates = []
    if env := os.environ.get("IHOMER_DATA"):
        candidates.append(Path(env))
    cwd = Path.cwd()
    candidates += [
        cwd / "shared" / "datasets",
        cwd.parent / "shared" / "datasets",
        _PROJECT_ROOT.parent / "shared" / "datasets",
    ]
    seen: list[Path] = []
    for path in candidates:
        resolved = path.resolve()
        if resolved.is_dir() and resolved not in seen:
            seen.append(resolved)
    return seen


def available() -> list[str]:
    """Names `open_dataset` resolves: the built-in streams and the data sets found on disk."""
    names = set(BUILTIN)
    for folder in data_dirs():
        for arff in folder.glob("*/*.arff"):
            if arff.stem == arff.parent.name:
                names.add(arff.stem)
        names.update(p.stem for p in folder.glob("*.arff"))
    return sorted(names)


def open_dataset(
    name_or_path: str,
    *,
    labels: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
) -> Source:
    """A source for a built-in name, a data set name on disk, or an `.arff`/`.csv` path.

    Parameters
    ----------
    name_or_path
        `yeast`, `synth`, a data set name, or a file path.
    labels
        Label column names, for plain ARFF files (no MULAN XML, no MEKA `-C`) and CSV files.
    ignore
        ARFF attributes to leave out (for example an id attribute).
    """
    path = Path(name_or_path).expanduser()
    looks_like_path = path.suffix.lower() in (".arff", ".csv") or os.sep in name_or_path
    if looks_like_path:
        if not path.is_file():
            raise IhomerError(f"no such file: {name_or_path}")
        return _open_file(path, labels, ignore)
    if name_or_path == "yeast" and labels is None and not ignore:
        from stream.sources.yeast import YeastSource

        return YeastSource()
    if name_or_path == "synth":
        return default_synth()
    for folder in data_dirs():
        for candidate in (
            folder / name_or_path / f"{name_or_path}.arff",
            folder / f"{name_or_path}.arff",
        ):
            if candidate.is_file():
                return _open_file(candidate, labels, ignore)
    raise UnknownNameError("data set", name_or_path, available())


def default_synth() -> Source:
    """The `synth` stream: 20 000 instances, 12 labels in 3 groups, one drift of each kind.

    A gradual concept drift centred at 5 000, a sudden correlation drift at 10 000 (the
    largest label group splits, the two smallest merge) and a sudden cardinality drift at 15 000.
    """
    from stream.sources.synth import Drift, MultiLabelSynth

    return MultiLabelSynth(
        n_instances=20_000,
        drifts=(
            Drift(5_000, "concept", width=1_000),
            Drift(10_000, "correlation"),
            Drift(15_000, "cardinality", factor=1.5),
        ),
        seed=7,
    )


def _open_file(path: Path, labels: Sequence[str] | None, ignore: Sequence[str]) -> Source:
    if path.suffix.lower() == ".csv":
        from stream.sources.csv import CsvSource

        if ignore:
            raise IhomerError(f"{path}: --ignore applies to ARFF files; leave the columns out")
        if not labels:
            raise IhomerError(f"{path}: a CSV file needs its label columns: --labels NAME,NAME,...")
        return CsvSource(path, labels=labels)
    from stream.sources.arff import ArffSource

    return ArffSource(path, labels=labels, ignore=ignore)
