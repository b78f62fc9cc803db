from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from stream.errors import DataFormatError, IhomerError
from stream.sources.arff import ArffSource

MULAN_ARFF = """\
% A MULAN file whose labels sit among the features.
@relation toy

@attribute a numeric
@attribute 'sport' {0,1}
@attribute b REAL
@ATTRIBUTE music {0,1}
@attribute c {x,y}
@attribute art {0,1}

@data
1.5,1,2,0,x,1
% a comment between rows

-0.5,0,3e2,1,y,0
"""

MULAN_XML = """\
<?xml version="1.0" encoding="utf-8"?>
<labels xmlns="http://mulan.sourceforge.net/labels">
  <label name="art"></label>
  <label name="sport"><label name="music"/></label>
</labels>
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def arrays(source: ArffSource) -> tuple[np.ndarray, np.ndarray]:
    batches = list(source.iter_arrays(batch_size=2))
    return np.concatenate([X for X, _ in batches]), np.concatenate([Y for _, Y in batches])


def test_mulan_xml_labels_among_the_features(tmp_path: Path) -> None:
    path = write(tmp_path, "toy.arff", MULAN_ARFF)
    write(tmp_path, "toy.xml", MULAN_XML)
    source = ArffSource(path)
    schema = source.schema
    assert schema.name == "toy"
    assert schema.feature_names == ("a", "b", "c")
    assert schema.label_names == ("sport", "music", "art")  # the ARFF's order, not the XML's
    assert schema.nominal == {"c": ("x", "y")}
    assert schema.n_instances is None
    assert not schema.sparse
    assert list(source) == [
        ({"a": 1.5, "b": 2.0, "c": "x"}, {"sport": True, "music": False, "art": True}),
        ({"a": -0.5, "b": 300.0, "c": "y"}, {"sport": False, "music": True, "art": False}),
    ]


def test_xml_given_explicitly(tmp_path: Path) -> None:
    path = write(tmp_path, "toy.arff", MULAN_ARFF)
    xml = write(tmp_path, "labels.xml", MULAN_XML.replace('<label name="art"></label>', ""))
    source = ArffSource(path, xml=xml)
    assert source.schema.label_names == ("sport", "music")
    assert source.schema.feature_names == ("a", "b", "c", "art")
    assert source.schema.nominal == {"c": ("x", "y"), "art": ("0", "1")}


def test_xml_naming_an_unknown_attribute(tmp_path: Path) -> None:
    path = write(tmp_path, "toy.arff", MULAN_ARFF)
    write(tmp_path, "toy.xml", MULAN_XML.replace('"art"', '"arts"'))
    with pytest.raises(IhomerError, match="'arts'.*did you mean 'art'"):
        ArffSource(path)


def test_xml_with_a_doctype_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "toy.arff", MULAN_ARFF)
    evil = MULAN_XML.replace(
        "<labels",
        '<!DOCTYPE labels [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<labels',
    ).replace('"art"', '"&x;"')
    write(tmp_path, "toy.xml", evil)
    with pytest.raises(DataFormatError, match="DOCTYPE"):
        ArffSource(path)


def test_missing_xml_file(tmp_path: Path) -> None:
    path = write(tmp_path, "toy.arff", MULAN_ARFF)
    with pytest.raises(IhomerError, match="no such file: .*nope.xml"):
        ArffSource(path, xml=tmp_path / "nope.xml")


MEKA_ARFF = """\
@relation 'Enron: -C {c} -split 3'
@attribute l1 {{0,1}}
@attribute l2 {{0,1}}
@attribute f1 numeric
@attribute f2 numeric
@attribute l3 numeric
@data
1,0,0.25,4,0
0,1,0.5,?,1
"""


def test_meka_positive_c_takes_the_first_attributes(tmp_path: Path) -> None:
    source = ArffSource(write(tmp_path, "meka.arff", MEKA_ARFF.format(c=2)))
    assert source.schema.label_names == ("l1", "l2")
    assert source.schema.feature_names == ("f1", "f2", "l3")
    x, y = next(iter(source))
    assert x == {"f1": 0.25, "f2": 4.0, "l3": 0.0}
    assert y == {"l1": True, "l2": False}


def test_meka_negative_c_takes_the_last_attributes(tmp_path: Path) -> None:
    text = """\
@relation 'yeast: -C -2'
@attribute f1 numeric
@attribute f2 {a,b}
@attribute l1 {0,1}
@attribute l2 numeric
@data
0.5,b,0,1
"""
    source = ArffSource(write(tmp_path, "neg.arff", text))
    assert source.schema.label_names == ("l1", "l2")
    assert source.schema.feature_names == ("f1", "f2")
    assert list(source) == [({"f1": 0.5, "f2": "b"}, {"l1": False, "l2": True})]


def test_meka_c_larger_than_the_attributes(tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="'-C 9' does not fit 5 attributes"):
        ArffSource(write(tmp_path, "meka.arff", MEKA_ARFF.format(c=9)))


def test_explicit_labels_override_xml_and_meka(tmp_path: Path) -> None:
    path = write(tmp_path, "meka.arff", MEKA_ARFF.format(c=2))
    source = ArffSource(path, labels=["l3", "l1"])
    assert source.schema.label_names == ("l1", "l3")  # file order
    assert source.schema.feature_names == ("l2", "f1", "f2")
    assert [y for _, y in source] == [{"l1": True, "l3": False}, {"l1": False, "l3": True}]


def test_unknown_label_names_are_listed(tmp_path: Path) -> None:
    path = write(tmp_path, "meka.arff", MEKA_ARFF.format(c=2))
    with pytest.raises(IhomerError, match=r"'l4', 'F1' not among the attributes"):
        ArffSource(path, labels=["l1", "l4", "F1"])


def test_labels_unknown_says_how_to_give_them(tmp_path: Path) -> None:
    path = write(tmp_path, "plain.arff", MEKA_ARFF.format(c=2).replace("-C 2", ""))
    with pytest.raises(IhomerError) as info:
        ArffSource(path)
    message = str(info.value)
    assert "unknown" in message and "--labels" in message
    assert "plain.xml" in message and "-C" in message


def test_label_attribute_must_be_binary(tmp_path: Path) -> None:
    text = "@relation r\n@attribute f numeric\n@attribute l {yes,no}\n@data\n1,yes\n"
    with pytest.raises(DataFormatError, match=r":3: label attribute 'l' must be nominal"):
        ArffSource(write(tmp_path, "r.arff", text), labels=["l"])


SPARSE_ARFF = """\
@relation sparse
@attribute n1 numeric
@attribute n2 numeric
@attribute colour {red,green,blue}
@attribute L1 {0,1}
@attribute L2 {0,1}
@data
{0 1.5,2 green,3 1}
{}
{1 -2,2 red, 4 1}
{ 0 ?, 2 ?, 4 ? }
"""

DENSE_TWIN = """\
@relation sparse
@attribute n1 numeric
@attribute n2 numeric
@attribute colour {red,green,blue}
@attribute L1 {0,1}
@attribute L2 {0,1}
@data
1.5,0,green,1,0
0,0,red,0,0
0,-2,red,0,1
?,0,?,0,0
"""


def test_sparse_rows_keep_x_sparse(tmp_path: Path) -> None:
    source = ArffSource(write(tmp_path, "s.arff", SPARSE_ARFF), labels=["L1", "L2"])
    assert source.schema.sparse
    assert source.schema.nominal == {"colour": ("red", "green", "blue")}
    assert list(source) == [
        ({"n1": 1.5, "colour": "green"}, {"L1": True, "L2": False}),
        ({}, {"L1": False, "L2": False}),
        ({"n2": -2.0}, {"L1": False, "L2": True}),  # 'red' is the first category: absent
        ({}, {"L1": False, "L2": False}),
    ]


def test_sparse_and_dense_files_give_the_same_arrays(tmp_path: Path) -> None:
    sparse = ArffSource(write(tmp_path, "s.arff", SPARSE_ARFF), labels=["L1", "L2"])
    dense = ArffSource(write(tmp_path, "d.arff", DENSE_TWIN), labels=["L1", "L2"])
    assert not dense.schema.sparse
    X_sparse, Y_sparse = arrays(sparse)
    X_dense, Y_dense = arrays(dense)
    np.testing.assert_array_equal(Y_sparse, Y_dense)
    # Rows 0-2 agree exactly; row 3's missing values are NaN only in the dense file (a sparse
    # stream cannot tell a missing value from a zero).
    np.testing.assert_array_equal(X_sparse[:3], X_dense[:3])
    np.testing.assert_array_equal(X_sparse[:3], [[1.5, 0, 1], [0, 0, 0], [0, -2, 0]])
    assert np.isnan(X_dense[3, [0, 2]]).all() and X_dense[3, 1] == 0


def test_sparse_row_in_a_dense_file_fills_in_the_zeros(tmp_path: Path) -> None:
    text = DENSE_TWIN.replace("0,0,red,0,0\n", "{2 blue,3 1}\n")
    source = ArffSource(write(tmp_path, "mixed.arff", text), labels=["L1", "L2"])
    rows = list(source)
    assert rows[1] == ({"n1": 0.0, "n2": 0.0, "colour": "blue"}, {"L1": True, "L2": False})


def test_dense_row_in_a_sparse_file_drops_the_zeros(tmp_path: Path) -> None:
    text = SPARSE_ARFF.replace("{}\n", "0,3,red,0,1\n")
    source = ArffSource(write(tmp_path, "mixed.arff", text), labels=["L1", "L2"])
    assert list(source)[1] == ({"n2": 3.0}, {"L1": False, "L2": True})


QUOTED_ARFF = """\
@RELATION "quoted relation"
@ATTRIBUTE 'colour name' {'red, dark', "blue", green, 'it\\'s'}
@attribute "size"\tNUMERIC
@attribute id string
@attribute 'Swainson\\'s Thrush' {0,1}
@DATA
'red, dark',1.5,'a, b',1
"blue", 2 ,"x",'0'
'it\\'s',?,?,?
green,3,plain,0 % a trailing comment
"""


def test_quotes_strings_and_missing_values(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, "q.arff", QUOTED_ARFF)
    with caplog.at_level(logging.INFO, logger="stream.sources.arff"):
        source = ArffSource(path, labels=["Swainson's Thrush"])
    notes = [r.getMessage() for r in caplog.records if "not used as features" in r.getMessage()]
    assert len(notes) == 1 and "id (string)" in notes[0]
    assert source.schema.feature_names == ("colour name", "size")
    assert source.schema.nominal == {"colour name": ("red, dark", "blue", "green", "it's")}
    label = "Swainson's Thrush"
    assert list(source) == [
        ({"colour name": "red, dark", "size": 1.5}, {label: True}),
        ({"colour name": "blue", "size": 2.0}, {label: False}),
        ({"colour name": "it's"}, {label: False}),
        ({"colour name": "green", "size": 3.0}, {label: False}),
    ]


def test_relational_and_date_attributes_are_skipped(tmp_path: Path) -> None:
    text = """\
@relation r
@attribute f numeric
@attribute bag relational
  @attribute inner1 numeric
  @attribute inner2 {a,b}
@end bag
@attribute when date "yyyy-MM-dd"
@attribute l {0,1}
@data
1,"1,2\\n3,a",'2024-01-01',1
"""
    source = ArffSource(write(tmp_path, "r.arff", text), labels=["l"])
    assert source.schema.feature_names == ("f",)
    assert list(source) == [({"f": 1.0}, {"l": True})]


def test_ignored_attributes(tmp_path: Path) -> None:
    path = write(tmp_path, "meka.arff", MEKA_ARFF.format(c=2))
    source = ArffSource(path, ignore=["f2"])
    assert source.schema.feature_names == ("f1", "l3")
    assert next(iter(source))[0] == {"f1": 0.25, "l3": 0.0}
    with pytest.raises(IhomerError, match="'f9'"):
        ArffSource(path, ignore=["f9"])
    with pytest.raises(IhomerError, match="cannot ignore label"):
        ArffSource(path, ignore=["l1"])


def test_instance_weights_and_crlf_line_ends(tmp_path: Path) -> None:
    text = MEKA_ARFF.format(c=2).replace("1,0,0.25,4,0\n", "1,0,0.25,4,0,{2.5}\n")
    text += "{0 1,3 7},{0.5}\n"
    path = tmp_path / "w.arff"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    rows = list(ArffSource(path))
    assert rows[0] == ({"f1": 0.25, "f2": 4.0, "l3": 0.0}, {"l1": True, "l2": False})
    assert rows[2] == ({"f1": 0.0, "f2": 7.0, "l3": 0.0}, {"l1": True, "l2": False})


def test_iterating_twice_gives_the_same_instances(tmp_path: Path) -> None:
    source = ArffSource(write(tmp_path, "s.arff", SPARSE_ARFF), labels=["L1", "L2"])
    first = list(source)
    assert len(first) == 4
    assert list(source) == first
    # Two passes at once are independent.
    a, b = iter(source), iter(source)
    assert next(a) == next(b) == first[0]
    assert next(a) == first[1]
    assert next(b) == first[1]


def test_iter_arrays_matches_the_dict_path(tmp_path: Path) -> None:
    path = write(tmp_path, "toy.arff", MULAN_ARFF + "2,1,?,1,?,1\n")
    write(tmp_path, "toy.xml", MULAN_XML)
    source = ArffSource(path)
    X, Y = arrays(source)
    rows = list(source)
    assert X.shape == (3, 3) and Y.shape == (3, 3)
    for i, (x, y) in enumerate(rows):
        np.testing.assert_array_equal(X[i], source.schema.x_to_array(x))
        np.testing.assert_array_equal(Y[i], source.schema.y_to_array(y))
    np.testing.assert_array_equal(X, [[1.5, 2, 0], [-0.5, 300, 1], [2, np.nan, np.nan]])
    np.testing.assert_array_equal(Y, [[1, 0, 1], [0, 1, 0], [1, 1, 1]])


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.arff"
    with pytest.raises(IhomerError, match=f"no such file: {missing}"):
        ArffSource(missing, labels=["x"])


BAD_ROWS = """\
@relation bad
@attribute Att1 numeric
@attribute Att2 numeric
@attribute Att3 numeric
@attribute L {0,1}
@data
1,2,3,1
4,5,6,0
{bad}
"""


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("7,8,1", "row has 3 values, expected 4"),
        ("7,8,abc,1", "bad value 'abc' for numeric attribute 'Att3'"),
        ("7,8,9,2", r"bad value '2' for label 'L' \(expected 0 or 1\)"),
        ("{0 1,900 1}", r"sparse index 900 out of range \(0..3\)"),
        ("{0 1,x 1}", "bad sparse index 'x'"),
        ("{0 1,1}", "bad sparse item '1' \\(expected 'index value'\\)"),
        ("{0 1,1 2", "sparse row without a closing '}'"),
        ("7,'8,9,1", "unterminated quote"),
        ("@relation again", "unexpected '@relation' line after @data"),
    ],
)
def test_a_bad_row_is_reported_with_its_line_after_the_good_ones(
    tmp_path: Path, row: str, message: str
) -> None:
    path = write(tmp_path, "bad.arff", BAD_ROWS.replace("{bad}", row))
    source = ArffSource(path, labels=["L"])
    it = iter(source)
    assert next(it) == ({"Att1": 1.0, "Att2": 2.0, "Att3": 3.0}, {"L": True})
    assert next(it) == ({"Att1": 4.0, "Att2": 5.0, "Att3": 6.0}, {"L": False})
    with pytest.raises(DataFormatError, match=message) as info:
        next(it)
    assert info.value.line == 9
    assert info.value.path == str(path)
    assert str(info.value).startswith(f"{path}:9: ")


def test_bad_nominal_value(tmp_path: Path) -> None:
    path = write(tmp_path, "toy.arff", MULAN_ARFF + "1,1,2,0,z,1\n")
    write(tmp_path, "toy.xml", MULAN_XML)
    with pytest.raises(DataFormatError, match=r":16: bad value 'z' for nominal attribute 'c'"):
        list(ArffSource(path))


@pytest.mark.parametrize(
    ("header", "line", "message"),
    [
        ("@attribute a numeric\n@attribute b blob\n", 3, "unknown type 'blob'"),
        ("@attribute a numeric\n@attribute a {0,1}\n", 3, "duplicate attribute 'a'"),
        ("@attribute a numeric\nnonsense\n", 3, "unexpected line in the header"),
        ("@attribute 'a numeric\n", 2, "unterminated quote"),
        ("@attribute a {0,1\n", 2, "closing '}'"),
    ],
)
def test_bad_header(tmp_path: Path, header: str, line: int, message: str) -> None:
    path = write(tmp_path, "h.arff", f"@relation h\n{header}@data\n")
    with pytest.raises(DataFormatError, match=message) as info:
        ArffSource(path, labels=["a"])
    assert info.value.line == line


def test_no_data_section(tmp_path: Path) -> None:
    path = write(tmp_path, "h.arff", "@relation h\n@attribute a numeric\n")
    with pytest.raises(DataFormatError, match="no @data line"):
        ArffSource(path, labels=["a"])


def test_empty_data_section(tmp_path: Path) -> None:
    path = write(tmp_path, "e.arff", MEKA_ARFF.format(c=2).split("@data")[0] + "@data\n")
    source = ArffSource(path)
    assert list(source) == []
    assert list(source.iter_arrays()) == []


def test_latin1_lines_are_read(tmp_path: Path) -> None:
    text = "@relation r\n@attribute 'caf\xe9' {s\xed,n\xe3o}\n@attribute l {0,1}\n@data\ns\xed,1\n"
    path = tmp_path / "latin.arff"
    path.write_bytes(text.encode("latin-1"))
    source = ArffSource(path, labels=["l"])
    assert list(source) == [({"caf\xe9": "s\xed"}, {"l": True})]
