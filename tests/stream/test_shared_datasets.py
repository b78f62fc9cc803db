"""Every benchmark data set in ../shared/datasets streams completely, with the published counts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from stream.sources.arff import ArffSource
from stream.sources.yeast import YeastSource

pytestmark = pytest.mark.datasets

# name: (instances, labels, features, sparse) — features as MULAN lists them.
EXPECTED = {
    "flags": (194, 7, 19, False),
    "emotions": (593, 6, 72, False),
    "birds": (645, 19, 260, False),
    "yeast": (2417, 14, 103, False),
    "scene": (2407, 6, 294, False),
    "medical": (978, 45, 1449, True),
    "enron": (1702, 53, 1001, True),
    "genbase": (662, 27, 1186, False),
    "cal500": (502, 174, 68, False),
    "foodtruck": (407, 12, 21, False),
    "bibtex": (7395, 159, 1836, True),
}


def source(datasets_dir: Path, name: str, ignore: tuple[str, ...] = ()) -> ArffSource:
    path = datasets_dir / name / f"{name}.arff"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return ArffSource(path, ignore=ignore)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_data_set_streams_completely(datasets_dir: Path, name: str) -> None:
    n_instances, n_labels, n_features, sparse = EXPECTED[name]
    data = source(datasets_dir, name)
    schema = data.schema
    assert schema.name == name
    assert schema.n_labels == n_labels
    assert schema.n_features == n_features
    assert schema.sparse is sparse
    assert not set(schema.feature_names) & set(schema.label_names)
    features = set(schema.feature_names)
    labels = set(schema.label_names)
    n = positives = 0
    for x, y in data:
        assert x.keys() <= features
        assert y.keys() == labels
        positives += sum(y.values())
        n += 1
    assert n == n_instances
    assert 1 <= positives / n <= n_labels  # a plausible label cardinality

    batches = list(data.iter_arrays(batch_size=1000))
    X = np.concatenate([b[0] for b in batches])
    Y = np.concatenate([b[1] for b in batches])
    assert X.shape == (n_instances, n_features) and Y.shape == (n_instances, n_labels)
    assert Y.sum() == positives
    assert not np.isnan(X).any()  # none of these data sets has missing values


def test_nominal_features_are_categories(datasets_dir: Path) -> None:
    foodtruck = source(datasets_dir, "foodtruck").schema
    assert foodtruck.nominal["gender"] == ("F", "M")
    assert foodtruck.nominal["time"] == ("lunch", "afternoon", "happy_hour", "dinner", "dawn")
    birds = source(datasets_dir, "birds")
    assert "Swainson's Thrush" in birds.schema.label_names  # quoted name, escaped quote
    assert birds.schema.nominal["location"][:3] == ("2", "10", "1")
    x, _ = next(iter(birds))
    assert isinstance(x["location"], str) and isinstance(x["audio-ssd1"], float)


def test_genbase_protein_id(datasets_dir: Path) -> None:
    # This copy declares the protein id as a nominal attribute (662 values, one per instance),
    # so it is a feature unless ignored by name.
    genbase = source(datasets_dir, "genbase")
    assert len(genbase.schema.nominal["protein"]) == 662
    without_id = source(datasets_dir, "genbase", ignore=("protein",))
    assert without_id.schema.n_features == 1185
    assert "protein" not in next(iter(without_id))[0]


def test_sparse_bibtex_rows_hold_only_the_present_words(datasets_dir: Path) -> None:
    bibtex = source(datasets_dir, "bibtex")
    x, y = next(iter(bibtex))
    assert 0 < len(x) < 200 and set(x.values()) == {"1"}
    assert any(y.values())


def test_yeast_arff_equals_rivers_yeast(datasets_dir: Path) -> None:
    ours = source(datasets_dir, "yeast")
    river_yeast = YeastSource()
    assert ours.schema.feature_names == river_yeast.schema.feature_names
    assert set(ours.schema.label_names) == set(river_yeast.schema.label_names)
    n = 0
    for (x1, y1), (x2, y2) in zip(ours, river_yeast, strict=True):
        assert y1 == y2
        assert all(math.isclose(x1[k], x2[k], abs_tol=1e-9) for k in x2)
        n += 1
    assert n == 2417
