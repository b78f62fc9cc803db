"""Prequential (test-then-train) evaluation of several learners side by side on one stream.

Every instance is first predicted by each learner, then learned by it; every instance counts.
The learners share the stream in one process, so their speeds are comparable: they take turns
over blocks of the same instances, and each learner's clock runs only while it predicts and
learns. Python's garbage collector is paused while a learner is timed: a collection walks the
objects of every learner in the process (river's trees hold millions), and whichever learner's
allocation happened to trigger it would be billed for all of them (8x on bibtex for iHOMER).
Before the clocks start, copies of each of the project's learners run over a short synthetic
stream and are thrown away: on a fresh checkout that compiles their Numba kernels (tens of
seconds, once per machine), which is no cost of learning the stream.

>>> from learners.registry import make
>>> from stream.sources.yeast import YeastSource
>>> results = evaluate(YeastSource(), {"majority": make("majority")}, limit=500)
>>> [(r.learner, r.n, r.n_labels) for r in results]
[('majority', 500, 14), ('no-change', 500, 14)]
>>> round(results[0].metrics["subset_accuracy"], 3)
0.09
"""

from __future__ import annotations

import gc
import itertools
import sys
import time
import types
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from river import base

from stream.metrics import MultiLabelMetrics, WindowedMultiLabelMetrics
from stream.sources.base import Instance, Source

__all__ = [
    "REFERENCE_LEARNER",
    "Checkpoint",
    "EvaluationResult",
    "LearnerSnapshot",
    "PredictionsCallback",
    "curves",
    "evaluate",
    "gain_over",
    "iter_prequential",
    "model_size",
]

REFERENCE_LEARNER = "no-change"

#: instances each learner handles in a row before the next learner takes the same ones
BLOCK = 64

#: instances of the `synth` stream throwaway copies of our learners run over before timing
WARM_UP = 200

_LOWER_IS_BETTER = frozenset({"hamming_loss"})

#: `on_predictions(learner, start, truths, predictions)`: a block's true and predicted label sets
PredictionsCallback = Callable[
    [str, int, Sequence[frozenset[Hashable]], Sequence[frozenset[Hashable]]], None
]


def gain_over(metrics: Mapping[str, float], reference: Mapping[str, float]) -> dict[str, float]:
    """Each metric's share of the reference's room for improvement that a learner took.

    For a metric where higher is better, `(m - m0) / (1 - m0)`; for Hamming loss,
    `(h0 - h) / h0`. 1 is perfect, 0 is no better than the reference, negative is worse.
    Where the reference is already perfect, the gain is 0.

    >>> gain_over({"micro_f1": 0.7, "hamming_loss": 0.1}, {"micro_f1": 0.4, "hamming_loss": 0.2})
    {'micro_f1': 0.5, 'hamming_loss': 0.5}
    """
    gains = {}
    for key, value in metrics.items():
        ref = reference[key]
        if key in _LOWER_IS_BETTER:
            gains[key] = (ref - value) / ref if ref > 0 else 0.0
        else:
            gains[key] = (value - ref) / (1.0 - ref) if ref < 1 else 0.0
    return gains


@dataclass(frozen=True)
class EvaluationResult:
    """One learner's full-stream result (DESIGN.md §3), plus its gain over `no-change`."""

    learner: str
    dataset: str
    n: int
    n_labels: int
    seconds: float
    instances_per_second: float
    peak_memory_mb: float
    metrics: dict[str, float]
    gain_over_no_change: dict[str, float] | None = None
    stopped_early: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of DESIGN.md §3 (with the extra key `gain_over_no_change`)."""
        return {
            "learner": self.learner,
            "dataset": self.dataset,
            "n": self.n,
            "n_labels": self.n_labels,
            "seconds": self.seconds,
            "instances_per_second": self.instances_per_second,
            "peak_memory_mb": self.peak_memory_mb,
            "metrics": dict(self.metrics),
            "gain_over_no_change": self.gain_over_no_change,
            "stopped_early": self.stopped_early,
        }


@dataclass(frozen=True)
class LearnerSnapshot:
    """A learner's state at a checkpoint: time spent, full-stream and windowed metrics.

    `n` counts the instances the learner has handled: fewer than the checkpoint's when it ran
    out of its time budget (`stopped`).
    """

    n: int
    stopped: bool
    seconds: float
    memory_mb: float
    n_labels: int
    metrics: dict[str, float]
    window_metrics: dict[str, float]


@dataclass(frozen=True)
class Checkpoint:
    """The state of every learner after `n` instances."""

    n: int
    learners: dict[str, LearnerSnapshot]


@dataclass
class _Run:
    model: base.MultiLabelClassifier
    full: MultiLabelMetrics
    window: WindowedMultiLabelMetrics
    seconds: float = 0.0
    peak_bytes: int = 0
    memory_bytes: int = field(default=0)
    n: int = 0
    stopped: bool = False
    dense: bool = False

    def test_then_train(self, block: list[Instance]) -> list[frozenset[Hashable]]:
        """Predict then learn each instance of the block; the predicted label sets."""
        model = self.model
        predictions = []
        clock = time.perf_counter
        collecting = gc.isenabled()
        gc.disable()  # a collection walks every learner's objects: not this learner's cost
        try:
            start = clock()
            for x, y in block:
                predictions.append(model.predict_one(cast(dict[Hashable, Any], dict(x))))
                model.learn_one(cast(dict[Hashable, Any], dict(x)), cast(dict[Hashable, bool], y))
            self.seconds += clock() - start
        finally:
            if collecting:
                gc.enable()
        self.n += len(block)
        return [frozenset(label for label, on in p.items() if on) for p in predictions]

    def sample_memory(self) -> None:
        self.memory_bytes = model_size(self.model)
        self.peak_bytes = max(self.peak_bytes, self.memory_bytes)

    def snapshot(self) -> LearnerSnapshot:
        return LearnerSnapshot(
            n=self.n,
            stopped=self.stopped,
            seconds=self.seconds,
            memory_mb=self.memory_bytes / 2**20,
            n_labels=self.full.n_labels,
            metrics=self.full.get(),
            window_metrics=self.window.get(),
        )


def curves(
    checkpoints: Sequence[Checkpoint], metrics: Sequence[str] = ("micro_f1", "subset_accuracy")
) -> dict[str, dict[str, list[float]]]:
    """Each learner's windowed `metrics` over the stream, as lists a JSON file can hold.

    Per learner: `n` (the instances it had handled at each checkpoint) and one list per
    metric. A learner stopped by its time budget has no points past the instance it stopped
    at.

    >>> from learners.registry import make
    >>> from stream.sources.yeast import YeastSource
    >>> seen = []
    >>> _ = evaluate(YeastSource(), {"majority": make("majority")}, limit=300, every=100,
    ...              window=50, on_checkpoint=seen.append)
    >>> curve = curves(seen)["majority"]
    >>> curve["n"], [round(v, 2) for v in curve["subset_accuracy"]]
    ([100, 200, 300], [0.06, 0.08, 0.12])
    """
    out: dict[str, dict[str, list[float]]] = {}
    for checkpoint in checkpoints:
        for name, snap in checkpoint.learners.items():
            curve = out.setdefault(name, {"n": [], **{m: [] for m in metrics}})
            if curve["n"] and curve["n"][-1] == snap.n:
                continue  # stopped by the budget: no new instance since the last point
            curve["n"].append(snap.n)
            for metric in metrics:
                curve[metric].append(snap.window_metrics[metric])
    return out


def model_size(model: object) -> int:
    """Bytes held by a model's object graph (a NumPy array counts its buffer once).

    The walk of river's `_raw_memory_usage`, except that river adds `nbytes` to the size of
    every array, counting the buffer of an array that owns it twice.
    """
    skip = (type, types.ModuleType, types.FunctionType)
    seen: set[int] = set()
    size = 0
    pending: list[Any] = [model]
    while pending:
        fresh = []
        for obj in pending:
            if isinstance(obj, skip) or id(obj) in seen:
                continue
            seen.add(id(obj))
            size += sys.getsizeof(obj)
            fresh.append(obj)
        pending = gc.get_referents(*fresh)
    return size


def iter_prequential(
    source: Source,
    learners: Mapping[str, base.MultiLabelClassifier],
    *,
    every: int | None = None,
    window: int = 500,
    limit: int | None = None,
    budget: float | None = None,
    dense: Collection[str] = (),
    on_instance: Callable[[int], None] | None = None,
    on_predictions: PredictionsCallback | None = None,
) -> Iterator[Checkpoint]:
    """Run test-then-train over `source`, yielding a checkpoint every `every` instances.

    Parameters
    ----------
    source
        The stream.
    learners
        Learners by display name; each is trained in place.
    every
        Instances between checkpoints; by default about 100 checkpoints over a stream of known
        length (else every 500). The last instance always gets a checkpoint.
    window
        Length of the sliding window of the windowed metrics.
    limit
        Stop after this many instances.
    budget
        Seconds of predicting and learning each learner may spend: a learner past it stops
        (at the end of a block) while the others go on; its snapshots say so.
    dense
        Learners that read an absent feature as missing: on a sparse stream they are given
        every feature, absent ones as 0 (`Schema.densify`, outside their timed part).
    on_instance
        Called with the number of instances done, after each block of up to `BLOCK`
        instances (for progress bars).
    on_predictions
        Called after each learner's turn on a block, outside its timed part, as
        `on_predictions(learner, start, truths, predictions)`: the label sets on in the data
        and predicted for instances `start`, `start + 1`, ... (to write them as they come).
    """
    if not learners:
        raise ValueError("no learners to evaluate")
    labels = source.schema.label_names
    total = _known_length(source, limit)
    if every is None:
        every = max(1, total // 100) if total else 500
    runs = {
        name: _Run(
            model,
            MultiLabelMetrics(labels),
            WindowedMultiLabelMetrics(window, labels),
            dense=source.schema.sparse and name in dense,
        )
        for name, model in learners.items()
    }
    _warm_up(learners)
    stream = iter(source)
    n = 0
    while True:
        # learners take turns over blocks of the same instances: each block is learned by one
        # learner after the other, so one learner's memory traffic does not slow the next one's
        # every instance (interleaving instance by instance cost the Numba trees 3x)
        size = min(BLOCK, every - n % every)
        if limit is not None:
            size = min(size, limit - n)
        block = list(itertools.islice(stream, size)) if size > 0 else []
        if not block:
            break
        truths = [frozenset(label for label, on in y.items() if on) for _, y in block]
        dense_block: list[Instance] | None = None
        for name, run in runs.items():
            if run.stopped:
                continue
            if run.dense and dense_block is None:
                dense_block = [(source.schema.densify(x), y) for x, y in block]
            guesses = run.test_then_train(dense_block if run.dense and dense_block else block)
            run.stopped = budget is not None and run.seconds > budget
            if on_predictions is not None:
                on_predictions(name, n, truths, guesses)
            for truth, guess in zip(truths, guesses, strict=True):
                run.full.update(truth, guess)
                run.window.update(truth, guess)
        n += len(block)
        if on_instance is not None:
            on_instance(n)
        if n % every == 0:
            yield _checkpoint(n, runs)
    if n % every:
        yield _checkpoint(n, runs)


def _warm_up(learners: Mapping[str, base.MultiLabelClassifier]) -> None:
    """Run untrained copies of each of the project's learners over the start of the `synth`
    stream and drop them: the first call of a Numba kernel compiles it (or loads it from the
    cache), outside any clock.

    The copies take the learner's parameters and each of its `_unit_test_params` sets, which
    make trees and the label clustering split within a short stream, so the kernels of splits
    and restructurings are compiled too. River's learners compile nothing: left alone.
    """
    from learners.base import MultiLabelLearner
    from stream.datasets import default_synth

    ours = [model for model in learners.values() if isinstance(model, MultiLabelLearner)]
    if not ours:
        return
    block = list(itertools.islice(iter(default_synth()), WARM_UP))
    for model in ours:
        splitting = (ps for ps in model._unit_test_params() if ps)  # noqa: SLF001 (river's hook)
        for params in [{}, *splitting]:
            twin = model.clone(params)
            for x, y in block:
                twin.predict_one(cast(dict[Hashable, Any], dict(x)))
                twin.learn_one(cast(dict[Hashable, Any], dict(x)), cast(dict[Hashable, bool], y))


def _checkpoint(n: int, runs: Mapping[str, _Run]) -> Checkpoint:
    for run in runs.values():
        run.sample_memory()
    return Checkpoint(n, {name: run.snapshot() for name, run in runs.items()})


def _known_length(source: Source, limit: int | None) -> int | None:
    total = source.schema.n_instances
    if limit is not None:
        return min(limit, total) if total is not None else limit
    return total


def evaluate(
    source: Source,
    learners: Mapping[str, base.MultiLabelClassifier],
    *,
    every: int | None = None,
    window: int = 500,
    limit: int | None = None,
    budget: float | None = None,
    on_checkpoint: Callable[[Checkpoint], None] | None = None,
    on_instance: Callable[[int], None] | None = None,
    on_predictions: PredictionsCallback | None = None,
) -> list[EvaluationResult]:
    """Evaluate learners side by side and return their full-stream results.

    The reference learner `no-change` is always run (added when it is not among `learners`),
    and each result carries its gain over it. Results come in the order of `learners`, with an
    added `no-change` last. A learner stopped by the time `budget` (seconds, per learner) is
    reported on the instances it handled, with `stopped_early`; its gain is then left out (the
    reference ran over more instances). Registered learners that read absent features as
    missing (river's trees) get a sparse stream's zeros spelled out. `on_predictions` is
    `iter_prequential`'s.

    >>> from learners.registry import make
    >>> from stream.sources.yeast import YeastSource
    >>> run = evaluate(YeastSource(), {"br-ht": make("br-ht")}, limit=640, every=64, budget=0)
    >>> slow = run[0]
    >>> slow.n, slow.stopped_early, slow.gain_over_no_change
    (64, True, None)
    """
    from learners.registry import make, reads_absent_as_missing

    learners = dict(learners)
    if REFERENCE_LEARNER not in learners:
        learners[REFERENCE_LEARNER] = make(REFERENCE_LEARNER)
    last: Checkpoint | None = None
    peaks: dict[str, float] = dict.fromkeys(learners, 0.0)
    for checkpoint in iter_prequential(
        source,
        learners,
        every=every,
        window=window,
        limit=limit,
        budget=budget,
        dense=[name for name in learners if reads_absent_as_missing(name)],
        on_instance=on_instance,
        on_predictions=on_predictions,
    ):
        for name, snap in checkpoint.learners.items():
            peaks[name] = max(peaks[name], snap.memory_mb)
        if on_checkpoint is not None:
            on_checkpoint(checkpoint)
        last = checkpoint
    if last is None:
        return []
    reference = last.learners[REFERENCE_LEARNER].metrics
    n_labels = max(snap.n_labels for snap in last.learners.values())
    results = []
    for name, snap in last.learners.items():
        results.append(
            EvaluationResult(
                learner=name,
                dataset=source.schema.name,
                n=snap.n,
                n_labels=n_labels,
                seconds=snap.seconds,
                instances_per_second=snap.n / snap.seconds if snap.seconds > 0 else float("inf"),
                peak_memory_mb=peaks[name],
                metrics=snap.metrics,
                gain_over_no_change=None if snap.stopped else gain_over(snap.metrics, reference),
                stopped_early=snap.stopped,
            )
        )
    return results
