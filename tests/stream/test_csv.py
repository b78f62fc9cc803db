from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from stream.errors import DataFormatError, IhomerError
from stream.sources.csv import CsvSource

TEXT = """\
a,sport,b,music
0.5,1,2,no
1.5,FALSE,NA,Yes
,true,?,0
-1e3,0,NaN,1
"""


def write(folder: Path, text: str, name: str = "toy.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_schema_and_instances(tmp_path: Path) -> None:
    source = CsvSource(write(tmp_path, TEXT), labels=["music", "sport"])
    schema = source.schema
    assert schema.name == "toy"
    assert schema.feature_names == ("a", "b")
    assert schema.label_names == ("sport", "music")  # column order
    assert schema.n_instances is None and not schema.sparse
    assert list(source) == [
        ({"a": 0.5, "b": 2.0}, {"sport": True, "music": False}),
        ({"a": 1.5}, {"sport": False, "music": True}),
        ({}, {"sport": True, "music": False}),
        ({"a": -1000.0}, {"sport": False, "music": True}),
    ]


def test_name_quotes_and_blank_lines(tmp_path: Path) -> None:
    text = '"x, y",label\n"1.5",1\n\n2,0\n'
    source = CsvSource(write(tmp_path, text), labels=["label"], name="mine")
    assert source.schema.name == "mine"
    assert list(source) == [({"x, y": 1.5}, {"label": True}), ({"x, y": 2.0}, {"label": False})]


def test_iterating_twice_and_arrays(tmp_path: Path) -> None:
    source = CsvSource(write(tmp_path, TEXT), labels=["sport", "music"])
    rows = list(source)
    assert list(source) == rows
    X, Y = next(source.iter_arrays(batch_size=10))
    np.testing.assert_array_equal(X, [[0.5, 2], [1.5, np.nan], [np.nan, np.nan], [-1000, np.nan]])
    np.testing.assert_array_equal(Y, [[1, 0], [0, 1], [1, 0], [0, 1]])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1,1,abc,0", "bad value 'abc' for numeric column 'b'"),
        ("1,maybe,2,0", r"bad value 'maybe' for label 'sport' \(expected 0/1"),
        ("1,1,2", "row has 3 values, expected 4"),
    ],
)
def test_a_bad_row_is_reported_with_its_line(tmp_path: Path, row: str, message: str) -> None:
    path = write(tmp_path, TEXT + row + "\n")
    it = iter(CsvSource(path, labels=["sport", "music"]))
    assert len([next(it) for _ in range(4)]) == 4
    with pytest.raises(DataFormatError, match=message) as info:
        next(it)
    assert info.value.line == 6
    assert str(info.value).startswith(f"{path}:6: ")


def test_unknown_labels_are_listed(tmp_path: Path) -> None:
    with pytest.raises(IhomerError, match=r"'Music', 'art' not among the columns.*'music'"):
        CsvSource(write(tmp_path, TEXT), labels=["sport", "Music", "art"])


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(IhomerError, match="no such file: .*nope.csv"):
        CsvSource(tmp_path / "nope.csv", labels=["a"])
    with pytest.raises(DataFormatError, match="no header row"):
        CsvSource(write(tmp_path, ""), labels=["a"])
    with pytest.raises(DataFormatError, match="duplicate column name"):
        CsvSource(write(tmp_path, "a,a,l\n"), labels=["l"])
