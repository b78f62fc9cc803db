"""Incremental multi-label metrics for prequential evaluation.

An instance is scored from its set of true labels Y and its set of predicted labels Z over the
L labels known at that moment. `MultiLabelMetrics` accumulates the whole stream and
`WindowedMultiLabelMetrics` the last `window` instances. Both return the keys of the evaluation
result (DESIGN.md §3). An update costs O(|Y ∪ Z|); `get()` costs O(L).

Definitions and conventions
---------------------------
subset_accuracy
    Mean of 1[Y = Z].
hamming_loss
    Mean of |Y Δ Z| / L_i, where L_i is the number of labels known when instance i is scored:
    the labels given up front plus every label seen in an earlier or the current Y or Z. With
    all labels given up front, L_i is the constant L. An instance scored while no label is known
    has Y = Z = ∅ and contributes 0.
example_f1
    Mean of 2|Y ∩ Z| / (|Y| + |Z|), which is 1 when Y = Z = ∅.
micro_precision, micro_recall, micro_f1
    From tp, fp and fn summed over labels and instances: tp/(tp+fp), tp/(tp+fn) and
    2tp/(2tp+fp+fn). A zero denominator gives 0, also when tp = fp = fn = 0 (a stream without
    any positive or prediction), as in river and scikit-learn's `zero_division=0`.
macro_precision, macro_recall, macro_f1
    Mean over the known labels of each label's precision, recall and F1. A label with
    tp = fp = fn = 0 (never true and never predicted, e.g. given up front but not seen yet) was
    handled perfectly and scores 1 for all three. Otherwise a zero denominator gives 0. With no
    known label the macro values are 0.
n = 0
    Before any update every value is 0.0, as river's metrics return before an update.

How river 0.26 differs: `metrics.multioutput.MacroAverage(metrics.F1())` (and Precision,
Recall) scores 0 for a label with tp = fp = fn = 0 and averages over the labels present in the
`y_true` dicts; `metrics.multioutput.SampleAverage(metrics.F1())` scores 0 for an instance with
Y = Z = ∅. `ExactMatch` and `MicroAverage` agree with the values here. River has no Hamming
loss for multi-label outputs.

All state is plain ints, dicts of ints and (for the window) a deque of label sets, so it can be
written to JSON.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from collections.abc import Set as AbstractSet

__all__ = ["METRIC_KEYS", "MultiLabelMetrics", "WindowedMultiLabelMetrics"]

METRIC_KEYS: tuple[str, ...] = (
    "subset_accuracy",
    "hamming_loss",
    "example_f1",
    "micro_f1",
    "macro_f1",
    "micro_precision",
    "micro_recall",
    "macro_precision",
    "macro_recall",
)

# What an instance adds to the counts: (Y ∩ Z, Z \ Y, Y \ Z, L when it was scored).
_Record = tuple[AbstractSet[Hashable], AbstractSet[Hashable], AbstractSet[Hashable], int]


def _bump(counts: dict[int, int], key: int, value: int) -> None:
    """Add `value` to `counts[key]`, dropping the key when it reaches 0."""
    total = counts.get(key, 0) + value
    if total:
        counts[key] = total
    else:
        del counts[key]


class MultiLabelMetrics:
    """Multi-label metrics over the whole stream, updated one instance at a time.

    See the module docstring for the definitions and the conventions.

    Parameters
    ----------
    labels
        Labels known before the first instance. A label that first appears later in a true or a
        predicted set is added then, so L can grow.

    Examples
    --------
    The `no-change` reference (predict the previous instance's labels) on river's Yeast stream:

    >>> from river import datasets
    >>> yeast = datasets.Yeast()
    >>> metrics = MultiLabelMetrics(next(iter(yeast))[1])
    >>> previous = set()
    >>> for x, y in yeast:
    ...     truth = {label for label, on in y.items() if on}
    ...     metrics.update(truth, previous)
    ...     previous = truth
    >>> metrics.n, metrics.n_labels
    (2417, 14)
    >>> for key, value in metrics.get().items():
    ...     print(f"{key}: {value:.4f}")
    subset_accuracy: 0.0376
    hamming_loss: 0.3280
    example_f1: 0.4298
    micro_f1: 0.4580
    macro_f1: 0.2989
    micro_precision: 0.4580
    micro_recall: 0.4579
    macro_precision: 0.2989
    macro_recall: 0.2988
    """

    def __init__(self, labels: Iterable[Hashable] = ()) -> None:
        # Every known label is a key of all three dicts, in the order it became known.
        self._tp: dict[Hashable, int] = {}
        self._fp: dict[Hashable, int] = {}
        self._fn: dict[Hashable, int] = {}
        self._n = 0
        self._exact = 0  # instances with Y = Z
        self._both_empty = 0  # instances with Y = Z = ∅ (example F1 = 1)
        self._tp_total = 0
        self._fp_total = 0
        self._fn_total = 0
        # |Y| + |Z| -> sum of |Y ∩ Z| over the instances with that denominator (Y ∪ Z ≠ ∅).
        self._overlap: dict[int, int] = {}
        # L_i -> sum of |Y Δ Z| over the instances scored with L_i labels known.
        self._errors: dict[int, int] = {}
        self.add_labels(labels)

    @property
    def n(self) -> int:
        """The number of instances the metrics are computed over."""
        return self._n

    @property
    def n_labels(self) -> int:
        """L, the number of labels known so far."""
        return len(self._tp)

    @property
    def labels(self) -> tuple[Hashable, ...]:
        """The labels known so far, in the order they became known."""
        return tuple(self._tp)

    def add_labels(self, labels: Iterable[Hashable]) -> None:
        """Make labels known (L grows) without scoring an instance."""
        for label in labels:
            if label not in self._tp:
                self._tp[label] = self._fp[label] = self._fn[label] = 0

    def update(self, y_true: AbstractSet[Hashable], y_pred: AbstractSet[Hashable]) -> None:
        """Score one instance from its true and its predicted sets of positive labels."""
        self._push(y_true, y_pred)

    def _push(self, y_true: AbstractSet[Hashable], y_pred: AbstractSet[Hashable]) -> _Record:
        known = self._tp
        for label in y_true:
            if label not in known:
                self.add_labels(y_true)
                break
        for label in y_pred:
            if label not in known:
                self.add_labels(y_pred)
                break
        record = (y_true & y_pred, y_pred - y_true, y_true - y_pred, len(known))
        self._count(record, 1)
        return record

    def _count(self, record: _Record, sign: int) -> None:
        """Add (`sign` = 1) or remove (`sign` = -1) one scored instance."""
        hits, false_pos, false_neg, n_labels = record
        tp, fp, fn = self._tp, self._fp, self._fn
        for label in hits:
            tp[label] += sign
        for label in false_pos:
            fp[label] += sign
        for label in false_neg:
            fn[label] += sign
        n_tp, n_fp, n_fn = len(hits), len(false_pos), len(false_neg)
        self._n += sign
        self._tp_total += sign * n_tp
        self._fp_total += sign * n_fp
        self._fn_total += sign * n_fn
        if n_fp or n_fn:
            _bump(self._errors, n_labels, sign * (n_fp + n_fn))
            if n_tp:
                _bump(self._overlap, 2 * n_tp + n_fp + n_fn, sign * n_tp)
        else:
            self._exact += sign
            if n_tp:
                _bump(self._overlap, 2 * n_tp, sign * n_tp)
            else:
                self._both_empty += sign

    def get(self) -> dict[str, float]:
        """The current value of every metric, keyed by `METRIC_KEYS`, in that order."""
        n = self._n
        if n == 0:
            return dict.fromkeys(METRIC_KEYS, 0.0)
        hamming = sum(errors / n_labels for n_labels, errors in self._errors.items())
        overlap = sum(2 * hits / size for size, hits in self._overlap.items())
        tp, fp, fn = self._tp_total, self._fp_total, self._fn_total
        macro_p = macro_r = macro_f1 = 0.0
        for label, t in self._tp.items():
            f_p, f_n = self._fp[label], self._fn[label]
            if t:
                macro_p += t / (t + f_p)
                macro_r += t / (t + f_n)
                macro_f1 += 2 * t / (2 * t + f_p + f_n)
            elif not (f_p or f_n):
                macro_p += 1.0
                macro_r += 1.0
                macro_f1 += 1.0
        n_labels = len(self._tp)
        if n_labels:
            macro_p, macro_r, macro_f1 = macro_p / n_labels, macro_r / n_labels, macro_f1 / n_labels
        return {
            "subset_accuracy": self._exact / n,
            "hamming_loss": hamming / n,
            "example_f1": (self._both_empty + overlap) / n,
            "micro_f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0,
            "macro_f1": macro_f1,
            "micro_precision": tp / (tp + fp) if tp else 0.0,
            "micro_recall": tp / (tp + fn) if tp else 0.0,
            "macro_precision": macro_p,
            "macro_recall": macro_r,
        }

    def __repr__(self) -> str:
        values = ", ".join(f"{key}={value:.4f}" for key, value in self.get().items())
        return f"{type(self).__name__}(n={self._n}, n_labels={self.n_labels}, {values})"


class WindowedMultiLabelMetrics(MultiLabelMetrics):
    """Multi-label metrics over the last `window` instances (a sliding window).

    The counts of the instance leaving the window are subtracted, so every metric, macro ones
    included, is exact over the window. Labels stay known once seen: the macro averages run over
    every label known so far, and a label absent from the window scores 1. Each instance keeps
    the L it was scored with for its Hamming loss.

    Parameters
    ----------
    window
        The number of most recent instances the metrics are computed over.
    labels
        Labels known before the first instance.

    Examples
    --------
    >>> metrics = WindowedMultiLabelMetrics(2, labels=["a", "b", "c"])
    >>> metrics.update({"a"}, {"b"})
    >>> metrics.update({"a"}, {"a"})
    >>> metrics.get()["subset_accuracy"]
    0.5
    >>> metrics.update({"b", "c"}, {"b", "c"})
    >>> metrics.n, metrics.get()["subset_accuracy"], metrics.get()["macro_f1"]
    (2, 1.0, 1.0)
    """

    def __init__(self, window: int, labels: Iterable[Hashable] = ()) -> None:
        if window < 1:
            raise ValueError(f"window must be at least 1, got {window}")
        super().__init__(labels)
        self.window = window
        self._records: deque[_Record] = deque()

    def update(self, y_true: AbstractSet[Hashable], y_pred: AbstractSet[Hashable]) -> None:
        """Score one instance and drop the oldest one once the window is full."""
        records = self._records
        records.append(self._push(y_true, y_pred))
        if len(records) > self.window:
            self._count(records.popleft(), -1)
