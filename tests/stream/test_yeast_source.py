from __future__ import annotations

import itertools

from river import datasets

from stream.sources.yeast import YeastSource


def test_yeast_schema_and_length() -> None:
    source = YeastSource()
    schema = source.schema
    assert schema.name == "yeast"
    assert schema.n_instances == 2417
    assert schema.feature_names == tuple(f"Att{i}" for i in range(1, 104))
    assert schema.label_names == tuple(f"Class{i}" for i in range(1, 15))
    n = 0
    for x, y in source:
        assert len(x) == 103
        assert set(y) == set(schema.label_names)
        assert all(type(v) is bool for v in y.values())
        n += 1
    assert n == 2417


def test_yeast_instances_are_rivers() -> None:
    ours = list(itertools.islice(YeastSource(), 3))
    rivers = list(itertools.islice(datasets.Yeast(), 3))
    assert ours == [(x, {k: bool(v) for k, v in y.items()}) for x, y in rivers]
    assert ours[0] == rivers[0]
