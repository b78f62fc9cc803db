"""River's bundled Yeast data set as a source: the default stream, no file needed."""

from __future__ import annotations

from collections.abc import Iterator

from stream.schema import Schema
from stream.sources.base import Instance, Source

__all__ = ["YeastSource"]


class YeastSource(Source):
    """The Yeast gene-function stream bundled with river (2417 instances, 103 features, 14 labels).

    Instances are river's, in river's order: `x` maps `Att1` … `Att103` to floats and `y` maps
    `Class1` … `Class14` to booleans.

    Examples
    --------
    >>> source = YeastSource()
    >>> source.schema.n_instances, source.schema.n_features, source.schema.n_labels
    (2417, 103, 14)
    >>> x, y = next(iter(source))
    >>> round(x["Att1"], 6), sorted(label for label, on in y.items() if on)
    (0.004168, ['Class12', 'Class13', 'Class7', 'Class8'])
    """

    def __init__(self) -> None:
        self._schema: Schema | None = None

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            from river import datasets  # imported here: river takes a while to import

            dataset = datasets.Yeast()  # type: ignore[no-untyped-call]
            x, y = next(iter(dataset))
            self._schema = Schema(
                name="yeast",
                feature_names=tuple(x),
                label_names=tuple(y),
                n_instances=int(dataset.n_samples),
            )
        return self._schema

    def __iter__(self) -> Iterator[Instance]:
        from river import datasets

        for x, y in datasets.Yeast():  # type: ignore[no-untyped-call]
            yield x, {label: bool(on) for label, on in y.items()}

    def __repr__(self) -> str:
        return "YeastSource()"
