"""MOA's multi-label learners as benchmark peers, their test-then-train loop run inside the JVM.

MOA's jar comes with `capymoa` (`pip install 'ihomer[peers]'`), which runs it on the machine's
Java (11 or newer) through JPype. capymoa's own API has no multi-label learners, so this module
drives MOA's classes directly:

=============  ==============================================================================
name           MOA learner (command line, as MOA's `ClassOption` reads it)
=============  ==============================================================================
moa-br-ht      `moa.classifiers.multilabel.MEKAClassifier` around MEKA's `BRUpdateable`: binary
               relevance of Weka Hoeffding trees (`weka.classifiers.trees.HoeffdingTree`)
moa-cc-ht      the same around MEKA's `CCUpdateable` (a classifier chain, seed 0)
moa-ps-ht      the same around MEKA's `PSUpdateable` (pruned sets)
moa-isoupt     `moa.classifiers.multilabel.trees.ISOUPTree` (its regression outputs rounded:
               a label is on at 0.5 and above)
moa-mlht       `moa.classifiers.multilabel.MultilabelHoeffdingTree`
=============  ==============================================================================

How a run goes
--------------
1. The stream (a data set name, an ARFF path or any `Source`) is written to a temporary ARFF file
   with the label attributes first (`write_labels_first_arff`), rows read by our own reader, sparse
   rows kept sparse: MEKA's learners (as with MEKA's `-C L`) and MultilabelHoeffdingTree take
   the first L attributes as the labels.
2. A small Java class (`MoaLoop`, source below) is compiled once with `javac` against capymoa's
   jar (cached under `~/.cache/ihomer/moa`) and loaded into capymoa's JVM.
3. `MoaLoop.load` reads the whole file into memory with MOA's `MultiTargetArffFileStream`;
   `MoaLoop.run` then builds the learner (`prepareForUse()` then `setModelContext`) and runs the
   test-then-train loop in Java, storing each instance's predicted label set as bits. Python
   reads the bits back once and scores them with our metrics (`stream.metrics`), so the
   numbers follow DESIGN.md §3 exactly, label by label under the data set's own label names.

What is timed
-------------
`seconds` is the Java loop alone (`System.nanoTime` around it): each instance predicted, its
votes thresholded into bits, then learned. Not timed: JVM start, compiling, writing and parsing
the ARFF file, building the learner, and a warm-up: by default a throwaway learner first runs
over the stream for up to 5 s, so that the JIT has compiled MOA's code before the timed run
(MOA at its best; the warm-up changes no prediction, the timed learner starts fresh). With a
`budget`, the loop checks the clock before each instance and stops past it: the result then
has `n` below the stream's length and `"stopped_early": true`.

`peak_memory_mb` is the heap the learner holds after the loop: the heap retained with the
learner minus the heap retained once it is dropped (each after `System.gc()`), so it is the
model's size at the end, its peak for these growing trees. `jvm_heap_peak_mb` is the sum of the
heap pools' peaks during the loop: an upper bound of the JVM's heap in use, with the loaded
stream and garbage.

A label is predicted when MOA's vote for 1 is above 0.5, as MOA's evaluators do; for
ISOUPTree, whose votes are regression outputs (a vote of exactly 0.5 is common), at 0.5 and
above.

Nominal features
----------------
MOA reads nominal attributes as nominal (a category index). `nominal_as_index=True` declares
them numeric instead, with the category index as the value: that is how PEERS.md's MOA column
was measured (instances built from our NumPy encoding), and it reproduces that column: on flags
moa-br-ht gives 0.678 / 0.088 (micro-F1 / subset accuracy; 0.708 / 0.124 as nominal), on bibtex
moa-ps-ht 0.041 / 0.063 (0.106 / 0.109 as nominal).

MOA's own evaluator
-------------------
`iter_runs(..., moa_evaluator=True)` also feeds the predictions to MOA's
`BasicMultiLabelPerformanceEvaluator`. Its "Exact Match" is our subset accuracy and its
"Hamming Score" is 1 − our Hamming loss, but: its "F-Measure" (example-based F1) scores 0 for
an instance with no true and no predicted label where ours scores 1; its "Accuracy" (Jaccard)
does the same; its "Precision" divides by the true labels (it is example-based recall); its
"Recall" divides by the predicted labels with integer division (it counts the instances whose
predicted set is a non-empty subset of the true set); and it leaves out an instance whose
prediction is null (MEKA's learners give none before their first instance), where we score an
empty predicted set. MOA's prequential tasks also time the thread's CPU time with the
evaluator inside the loop.

Against PEERS.md (measured per instance from Python, nominal features as numbers), with
`nominal_as_index=True`: moa-br-ht, moa-cc-ht, moa-ps-ht and moa-isoupt give its numbers to the
third decimal on flags, emotions and scene, and all but moa-cc-ht on yeast, where moa-cc-ht gives
0.630 / 0.150 and PEERS.md has 0.623 / 0.129; moa-ps-ht does on every other data set too.
moa-mlht scores what moa-ps-ht scores on flags, yeast, emotions, scene and bibtex (on yeast
it makes the same predictions: its tree stays one leaf).

Predictions files
-----------------
`read_predictions` reads a file written by `ihomer evaluate --predictions` (`stream.predictions`:
the true labels, then the predicted ones, MEKA's `-C L`) with MOA's `MultiTargetArffFileStream`
in the JVM, and scores it with MOA's evaluator: what a MOA user gets from our predictions. It
needs Java and capymoa, not javac.

Caveats: MEKA's wrapper calls `System.exit` when its classifier fails, which ends the Python
process too (run peers in a subprocess, `python -m stream.bench.moa`, to survive that); while a
run is going, the JVM's `System.out` and `System.err` are captured (logged at DEBUG level).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from stream.errors import IhomerError, UnknownNameError
from stream.metrics import MultiLabelMetrics, WindowedMultiLabelMetrics
from stream.prequential import EvaluationResult
from stream.sources.base import Source

__all__ = [
    "MOA_LEARNERS",
    "MoaPredictions",
    "MoaRun",
    "PeerUnavailable",
    "check_available",
    "iter_runs",
    "read_predictions",
    "run",
    "write_labels_first_arff",
]

logger = logging.getLogger(__name__)

_MEKA = (
    "moa.classifiers.multilabel.MEKAClassifier -l (meka.classifiers.multilabel.incremental.{} "
    "-W weka.classifiers.trees.HoeffdingTree)"
)

#: short name -> MOA command line of the learner
MOA_LEARNERS: dict[str, str] = {
    "moa-br-ht": _MEKA.format("BRUpdateable"),
    "moa-cc-ht": _MEKA.format("CCUpdateable"),
    "moa-ps-ht": _MEKA.format("PSUpdateable"),
    "moa-isoupt": "moa.classifiers.multilabel.trees.ISOUPTree",
    "moa-mlht": "moa.classifiers.multilabel.MultilabelHoeffdingTree",
}

# learners whose votes are regression outputs: a label is on at 0.5 and above
_ROUNDED = frozenset({"moa-isoupt"})
_THRESHOLD = 0.5
_DEFAULT_WARMUP = 5.0

_T = TypeVar("_T")


class PeerUnavailable(IhomerError):
    """MOA cannot run here (no capymoa, no Java, no javac); `reason` says why, in one line."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# The Java side: compiled at run time against capymoa's MOA jar.
_JAVA_SOURCE = """\
package ihomer.bench;

import com.yahoo.labs.samoa.instances.Instance;
import com.yahoo.labs.samoa.instances.InstancesHeader;
import com.yahoo.labs.samoa.instances.MultiLabelPrediction;
import com.yahoo.labs.samoa.instances.Prediction;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.ref.Reference;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;
import moa.core.Example;
import moa.core.Measurement;
import moa.evaluation.BasicMultiLabelPerformanceEvaluator;
import moa.learners.Learner;
import moa.options.ClassOption;
import moa.options.OptionHandler;
import moa.streams.MultiTargetArffFileStream;

/** Test-then-train of MOA multi-label learners over one ARFF file (labels first), in the JVM. */
@SuppressWarnings({"rawtypes", "unchecked"})
public final class MoaLoop {
    /** Keeps netlib's "failed to load native BLAS" warnings quiet (a strong reference). */
    private static final Logger NETLIB = Logger.getLogger("com.github.fommil");

    private final ArrayList<Example> data;
    private final InstancesHeader header;
    /** The number of labels: the first L attributes. */
    public final int labels;
    /** Instances in the stream. */
    public final int streamLength;
    /** Row-major n x L: 1 where the label is predicted (the last run's). */
    public final byte[] predicted;
    /** Row-major n x L: 1 where the label is on in the data. */
    public final byte[] truth;
    /** Instances the last run tested then trained on. */
    public int n;
    /** Nanoseconds of the last run's loop. */
    public long nanos;
    /** True when the last run's loop stopped at its time budget. */
    public boolean stoppedEarly;
    /** Heap the learner holds after the loop: retained heap with it minus without it. */
    public long modelBytes;
    /** Sum of the heap pools' peak use during the loop (data and garbage included). */
    public long heapPeakBytes;
    /** What MOA printed during the last call (its first 64 KiB). */
    public String log = "";

    private MoaLoop(ArrayList<Example> data, InstancesHeader header, int labels) {
        this.data = data;
        this.header = header;
        this.labels = labels;
        this.streamLength = data.size();
        this.predicted = new byte[streamLength * labels];
        this.truth = new byte[streamLength * labels];
        for (int i = 0; i < streamLength; i++) {
            Instance inst = (Instance) data.get(i).getData();
            for (int j = 0; j < labels; j++) {
                if (inst.valueOutputAttribute(j) == 1.0) {
                    truth[i * labels + j] = 1;
                }
            }
        }
    }

    /** Read the whole ARFF file (its first `labels` attributes are the labels) into memory. */
    public static MoaLoop load(String arff, int labels) {
        NETLIB.setLevel(Level.SEVERE);
        heapPools();
        retainedHeap();
        Capture capture = Capture.start();
        try {
            MultiTargetArffFileStream stream = new MultiTargetArffFileStream(arff, "1-" + labels);
            stream.prepareForUse();
            InstancesHeader header = stream.getHeader();
            ArrayList<Example> data = new ArrayList<>();
            while (stream.hasMoreInstances()) {
                data.add(stream.nextInstance());
            }
            MoaLoop loop = new MoaLoop(data, header, labels);
            loop.log = capture.text();
            return loop;
        } finally {
            capture.stop();
        }
    }

    private static Learner newLearner(String cli, InstancesHeader header) throws Exception {
        Learner learner = (Learner) ClassOption.cliStringToObject(cli, Learner.class, null);
        ((OptionHandler) learner).prepareForUse();  // before setModelContext (ISOUPTree needs it)
        learner.setModelContext(header);
        return learner;
    }

    /**
     * Test then train a fresh learner on each instance, for at most `budget` seconds (0: no
     * limit). A label is predicted when its vote for 1 is above `threshold` (or equal to it, when
     * `inclusive`). When `warmup` is positive, a throwaway learner first runs over the stream for
     * that many seconds at most, so that the JIT has compiled MOA's code before the timed run.
     */
    public void run(String cli, double threshold, boolean inclusive, double budget, double warmup)
            throws Exception {
        Capture capture = Capture.start();
        try {
            if (warmup > 0) {
                loop(newLearner(cli, header), threshold, inclusive, warmup, false);
            }
            java.util.Arrays.fill(predicted, (byte) 0);
            Learner learner = newLearner(cli, header);
            ArrayList<MemoryPoolMXBean> pools = heapPools();
            for (MemoryPoolMXBean pool : pools) {
                pool.resetPeakUsage();
            }
            loop(learner, threshold, inclusive, budget, true);
            long peak = 0;
            for (MemoryPoolMXBean pool : pools) {
                peak += pool.getPeakUsage().getUsed();
            }
            heapPeakBytes = peak;
            long withModel = retainedHeap();
            Reference.reachabilityFence(learner);
            learner = null;
            modelBytes = Math.max(0, withModel - retainedHeap());
        } catch (Exception e) {
            throw new Exception(e + "; MOA printed: " + capture.tail(2000), e);
        } finally {
            log = capture.text();
            capture.stop();
        }
    }

    private void loop(Learner learner, double threshold, boolean inclusive, double budget,
            boolean record) {
        final int L = labels;
        final byte[] out = predicted;
        final long limit = budget > 0 ? (long) (budget * 1e9) : Long.MAX_VALUE;
        final long start = System.nanoTime();
        int i = 0;
        boolean stopped = false;
        for (; i < streamLength; i++) {
            if (System.nanoTime() - start > limit) {
                stopped = true;
                break;
            }
            Example example = data.get(i);
            Prediction p = learner.getPredictionForInstance(example);
            if (p != null && record) {
                int m = Math.min(L, p.numOutputAttributes());
                int row = i * L;
                for (int j = 0; j < m; j++) {
                    double vote = p.getVote(j, 1);
                    if (vote > threshold || (inclusive && vote == threshold)) {
                        out[row + j] = 1;
                    }
                }
            }
            learner.trainOnInstance(example);
        }
        if (record) {
            nanos = System.nanoTime() - start;
            n = i;
            stoppedEarly = stopped;
        }
    }

    private static ArrayList<MemoryPoolMXBean> heapPools() {
        ArrayList<MemoryPoolMXBean> pools = new ArrayList<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pools.add(pool);
            }
        }
        return pools;
    }

    private static long retainedHeap() {
        System.gc();
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** The names of MOA's `BasicMultiLabelPerformanceEvaluator` measurements. */
    public String[] evaluatorNames() {
        Measurement[] ms = new BasicMultiLabelPerformanceEvaluator().getPerformanceMeasurements();
        String[] names = new String[ms.length];
        for (int k = 0; k < ms.length; k++) {
            names[k] = ms[k].getName();
        }
        return names;
    }

    /** MOA's own `BasicMultiLabelPerformanceEvaluator` on the last run's predictions. */
    public double[] evaluate() {
        Capture capture = Capture.start();
        try {
            BasicMultiLabelPerformanceEvaluator evaluator =
                    new BasicMultiLabelPerformanceEvaluator();
            for (int i = 0; i < n; i++) {
                MultiLabelPrediction p = new MultiLabelPrediction(labels);
                for (int j = 0; j < labels; j++) {
                    double on = predicted[i * labels + j];
                    p.setVotes(j, new double[] {1.0 - on, on});
                }
                evaluator.addResult(data.get(i), p);
            }
            Measurement[] ms = evaluator.getPerformanceMeasurements();
            double[] values = new double[ms.length];
            for (int k = 0; k < ms.length; k++) {
                values[k] = ms[k].getValue();
            }
            return values;
        } finally {
            capture.stop();
        }
    }

    /** Sends System.out and System.err to a bounded buffer until stopped. */
    private static final class Capture extends OutputStream {
        private static final int LIMIT = 1 << 16;
        private final byte[] buffer = new byte[LIMIT];
        private int size;
        private final PrintStream out = System.out;
        private final PrintStream err = System.err;

        static Capture start() {
            Capture capture = new Capture();
            PrintStream stream = new PrintStream(capture, true);
            System.setOut(stream);
            System.setErr(stream);
            return capture;
        }

        void stop() {
            System.setOut(out);
            System.setErr(err);
        }

        @Override
        public void write(int b) {
            if (size < LIMIT) {
                buffer[size++] = (byte) b;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            int keep = Math.min(len, LIMIT - size);
            if (keep > 0) {
                System.arraycopy(b, off, buffer, size, keep);
                size += keep;
            }
        }

        String text() {
            return new String(buffer, 0, size, StandardCharsets.UTF_8);
        }

        String tail(int chars) {
            String text = text();
            return text.length() <= chars ? text : text.substring(text.length() - chars);
        }
    }
}
"""


@dataclass(frozen=True)
class MoaRun:
    """One MOA learner's test-then-train run over a stream: its predictions and its costs.

    `truth` and `predicted` are boolean arrays of shape (n, L), columns in the order of
    `labels` (the data set's label names).
    """

    learner: str
    dataset: str
    labels: tuple[str, ...]
    stream_length: int
    truth: np.ndarray
    predicted: np.ndarray
    seconds: float
    stopped_early: bool
    model_mb: float
    heap_peak_mb: float
    moa_measurements: dict[str, float] | None = None

    @property
    def n(self) -> int:
        """Instances tested then trained on."""
        return int(self.predicted.shape[0])

    def _label_sets(self) -> Iterator[tuple[frozenset[str], frozenset[str]]]:
        names = np.array(self.labels, dtype=object)
        for truth, guess in zip(self.truth, self.predicted, strict=True):
            yield frozenset(names[truth]), frozenset(names[guess])

    def metrics(self) -> dict[str, float]:
        """Our full-stream metrics (DESIGN.md §3) of the predictions."""
        metrics = MultiLabelMetrics(self.labels)
        for truth, guess in self._label_sets():
            metrics.update(truth, guess)
        return metrics.get()

    def curve(
        self,
        *,
        window: int = 500,
        every: int | None = None,
        metrics: Sequence[str] = ("micro_f1", "subset_accuracy"),
    ) -> dict[str, list[float]]:
        """The windowed metrics every `every` instances and at the last, as
        `stream.prequential.curves` gives ours (`every` by default as `evaluate` picks it:
        about 100 points over the whole stream)."""
        if every is None:
            every = max(1, self.stream_length // 100)
        windowed = WindowedMultiLabelMetrics(window, self.labels)
        curve: dict[str, list[float]] = {"n": [], **{m: [] for m in metrics}}
        for i, (truth, guess) in enumerate(self._label_sets(), start=1):
            windowed.update(truth, guess)
            if i % every == 0 or i == self.n:
                values = windowed.get()
                curve["n"].append(i)
                for metric in metrics:
                    curve[metric].append(values[metric])
        return curve

    def result(self) -> dict[str, Any]:
        """The evaluation result of DESIGN.md §3, plus `stopped_early`, `stream_length`,
        `jvm_heap_peak_mb` and the windowed `curve`."""
        n = self.n
        result = EvaluationResult(
            learner=self.learner,
            dataset=self.dataset,
            n=n,
            n_labels=len(self.labels),
            seconds=self.seconds,
            instances_per_second=n / self.seconds if self.seconds > 0 else 0.0,
            peak_memory_mb=self.model_mb,
            metrics=self.metrics(),
        ).to_dict()
        result["stopped_early"] = self.stopped_early
        result["stream_length"] = self.stream_length
        result["jvm_heap_peak_mb"] = self.heap_peak_mb
        result["curve"] = self.curve()
        return result


def write_labels_first_arff(
    source: Source, path: str | os.PathLike[str], *, nominal_as_index: bool = False
) -> int:
    """Write `source` to an ARFF file whose first attributes are its labels; return the row count.

    Labels keep the order of `schema.label_names` and features that of `schema.feature_names`.
    Attributes are named by position (`y1`, ..., `x1`, ...) and a nominal feature's categories
    are written as their indices, so nothing needs quoting; with `nominal_as_index` nominal
    features are declared numeric (the index is the value). A sparse source is written sparse
    (an absent feature is 0, or a nominal feature's first category); a missing value is `?`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from stream.sources.arff import ArffSource
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "toy.arff").write_text(
    ...     "@relation toy\\n@attribute size numeric\\n@attribute sport {0,1}\\n"
    ...     "@attribute lang {en,pt}\\n@attribute music {0,1}\\n"
    ...     "@data\\n1.5,1,pt,0\\n?,0,en,1\\n"
    ... )
    >>> source = ArffSource(folder / "toy.arff", labels=["sport", "music"])
    >>> write_labels_first_arff(source, folder / "moa.arff")
    2
    >>> print((folder / "moa.arff").read_text())
    @relation 'ihomer: -C 2'
    @attribute y1 {0,1}
    @attribute y2 {0,1}
    @attribute x1 numeric
    @attribute x2 {0,1}
    @data
    1,0,1.5,1
    0,1,?,0
    <BLANKLINE>
    """
    schema = source.schema
    labels, features = schema.label_names, schema.feature_names
    n_labels = len(labels)
    codes = {
        name: {category: str(k) for k, category in enumerate(categories)}
        for name, categories in schema.nominal.items()
    }
    column = {name: n_labels + k for k, name in enumerate(features)}
    rows = 0
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write(f"@relation 'ihomer: -C {n_labels}'\n")
        for k in range(n_labels):
            f.write(f"@attribute y{k + 1} {{0,1}}\n")
        for k, name in enumerate(features):
            if name in codes and not nominal_as_index:
                kind = "{" + ",".join(codes[name].values()) + "}"
            else:
                kind = "numeric"
            f.write(f"@attribute x{k + 1} {kind}\n")
        f.write("@data\n")
        for x, y in source:
            if schema.sparse:
                items = [f"{j} 1" for j, label in enumerate(labels) if y.get(label)]
                cells = sorted((column[name], value) for name, value in x.items() if name in column)
                items += [f"{j} {_cell(features[j - n_labels], v, codes)}" for j, v in cells]
                f.write("{" + ",".join(items) + "}\n")
            else:
                line = ["1" if y.get(label) else "0" for label in labels]
                line += [_cell(name, x.get(name), codes) for name in features]
                f.write(",".join(line) + "\n")
            rows += 1
    return rows


def _cell(name: str, value: Any, codes: dict[str, dict[str, str]]) -> str:
    """One feature value as MOA's ARFF reader takes it."""
    if value is None:
        return "?"
    if name in codes:
        code = codes[name].get(value)
        if code is None:
            raise IhomerError(f"value {value!r} of nominal feature '{name}' is not a category")
        return code
    if isinstance(value, str):
        raise IhomerError(f"numeric feature '{name}' has the value {value!r}")
    number = float(value)
    if math.isnan(number):
        return "?"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return repr(number)


def _java_tool(name: str) -> str | None:
    """The path of a Java tool: `$JAVA_HOME/bin/NAME`, else NAME on the PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / name).is_file():
        return str(Path(home) / "bin" / name)
    return shutil.which(name)


_loop_class: Any = None


def check_available() -> None:
    """Start capymoa's JVM and load the compiled loop; raise `PeerUnavailable` if impossible."""
    _load_loop_class()


def _moa_jvm() -> Any:
    """capymoa's JVM, started with MOA's jar on its class path; the `jpype` module."""
    if _java_tool("java") is None:
        raise PeerUnavailable("Java is not installed (MOA needs a Java 11+ runtime)")
    try:
        import capymoa  # noqa: F401 - starts the JVM with MOA's jar on its class path
        import jpype
    except ImportError as exc:
        raise PeerUnavailable(
            f"capymoa is not installed ({exc}): pip install 'ihomer[peers]'"
        ) from None
    except Exception as exc:  # capymoa raises RuntimeError/OSError when Java cannot start
        raise PeerUnavailable(f"capymoa cannot start Java: {exc}") from None
    return jpype


def _load_loop_class() -> Any:
    global _loop_class
    if _loop_class is not None:
        return _loop_class
    if _java_tool("java") is None:
        raise PeerUnavailable("Java is not installed (MOA needs a Java 11+ runtime and javac)")
    javac = _java_tool("javac")
    if javac is None:
        raise PeerUnavailable("javac is not installed (a JDK is needed to compile the MOA loop)")
    jpype = _moa_jvm()
    from capymoa.env import capymoa_moa_jar

    classes = _compile(javac, Path(capymoa_moa_jar()))
    try:
        moa_loader = jpype.JClass("moa.core.Example").class_.getClassLoader()
    except Exception as exc:  # a JVM started before capymoa, without MOA's jar
        raise PeerUnavailable(f"the running JVM cannot load MOA's classes: {exc}") from None
    url = jpype.JClass("java.io.File")(str(classes)).toURI().toURL()
    urls = jpype.JArray(jpype.JClass("java.net.URL"))([url])
    loader = jpype.JClass("java.net.URLClassLoader")(urls, moa_loader)
    _loop_class = jpype.JClass("ihomer.bench.MoaLoop", loader=loader)
    return _loop_class


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "ihomer" / "moa"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path(tempfile.gettempdir()) / f"ihomer-moa-{os.getuid()}"
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def _compile(javac: str, jar: Path) -> Path:
    """Compile `MoaLoop` against MOA's jar (once per source and jar); the classes' folder."""
    stat = jar.stat()
    key = f"{_JAVA_SOURCE}\0{jar}\0{stat.st_size}\0{stat.st_mtime_ns}"
    folder = _cache_dir() / hashlib.sha256(key.encode()).hexdigest()[:16]
    if (folder / "ihomer" / "bench" / "MoaLoop.class").is_file():
        return folder
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        source = Path(tmp) / "MoaLoop.java"
        source.write_text(_JAVA_SOURCE, encoding="utf-8")
        out = Path(tmp) / "classes"
        command = [javac, "--release", "11", "-nowarn", "-encoding", "UTF-8"]
        command += ["-cp", str(jar), "-d", str(out), str(source)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603
        if done.returncode:
            raise PeerUnavailable(f"javac could not compile the MOA loop: {done.stderr[-2000:]}")
        try:
            out.rename(folder)
        except OSError:
            if not folder.is_dir():  # else another process compiled it meanwhile
                raise
    return folder


def _call_java(call: Callable[[], _T], what: str) -> _T:
    """Run a call into the JVM, turning a Java exception into an `IhomerError`."""
    import jpype

    try:
        return call()
    except jpype.JException as exc:
        raise IhomerError(f"MOA failed {what}: {exc}") from exc


def _bits(array: Any, n_labels: int) -> np.ndarray:
    """A Java byte[] of n x L bits as a boolean (n, L) array (a copy)."""
    flat = np.frombuffer(memoryview(array), dtype=np.int8)
    return flat.reshape(-1, n_labels).astype(np.bool_)


@dataclass(frozen=True)
class MoaPredictions:
    """A predictions file (`stream.predictions`) as MOA's own ARFF reader reads it.

    `truth` and `predicted` are boolean arrays (n, L) of the values MOA reads as the output
    attributes (the labels) and as the first L input attributes; `index` the last input
    attribute. `measurements` are MOA's `BasicMultiLabelPerformanceEvaluator` fed with each
    instance and the file's predictions as votes (its "Exact Match" is our subset accuracy, its
    "Hamming Score" 1 - our Hamming loss; see the module docstring for the others).
    """

    relation: str
    output_names: tuple[str, ...]
    input_names: tuple[str, ...]
    truth: np.ndarray
    predicted: np.ndarray
    index: np.ndarray
    measurements: dict[str, float]


def read_predictions(path: str | os.PathLike[str]) -> MoaPredictions:
    """Read a predictions file written by `ihomer evaluate --predictions` with MOA, in the JVM.

    The label count L comes from the relation's `-C L`; MOA's `MultiTargetArffFileStream`
    then reads the file with attributes `1-L` as its outputs, as a MOA user would.

    Raises
    ------
    PeerUnavailable
        When capymoa or Java is missing.
    """
    from stream.sources.arff import ArffSource

    n_labels = ArffSource(path).schema.n_labels  # the relation's -C, read by our reader
    jpype = _moa_jvm()
    stream_class = jpype.JClass("moa.streams.MultiTargetArffFileStream")
    evaluator = jpype.JClass("moa.evaluation.BasicMultiLabelPerformanceEvaluator")()
    prediction_class = jpype.JClass("com.yahoo.labs.samoa.instances.MultiLabelPrediction")
    votes = jpype.JArray(jpype.JDouble)

    def read() -> MoaPredictions:
        stream = stream_class(os.fspath(path), f"1-{n_labels}")
        stream.prepareForUse()
        header = stream.getHeader()
        n_inputs = int(header.numInputAttributes())
        truth, predicted, index = [], [], []
        while stream.hasMoreInstances():
            example = stream.nextInstance()
            instance = example.getData()
            on = [instance.valueOutputAttribute(j) == 1.0 for j in range(n_labels)]
            guess = [instance.valueInputAttribute(j) == 1.0 for j in range(n_labels)]
            prediction = prediction_class(n_labels)
            for j, g in enumerate(guess):
                prediction.setVotes(j, votes([0.0, 1.0] if g else [1.0, 0.0]))
            evaluator.addResult(example, prediction)
            truth.append(on)
            predicted.append(guess)
            index.append(instance.valueInputAttribute(n_labels))
        measurements = {
            str(m.getName()): float(m.getValue()) for m in evaluator.getPerformanceMeasurements()
        }
        return MoaPredictions(
            relation=str(header.getRelationName()),
            output_names=tuple(
                str(header.outputAttribute(j).name()) for j in range(header.numOutputAttributes())
            ),
            input_names=tuple(str(header.inputAttribute(j).name()) for j in range(n_inputs)),
            truth=np.array(truth, dtype=np.bool_).reshape(-1, n_labels),
            predicted=np.array(predicted, dtype=np.bool_).reshape(-1, n_labels),
            index=np.array(index, dtype=np.int64),
            measurements=measurements,
        )

    return _call_java(read, f"reading {path}")


def _open(dataset: str | os.PathLike[str] | Source) -> Source:
    if isinstance(dataset, Source):
        return dataset
    from stream.datasets import open_dataset

    return open_dataset(os.fspath(dataset))


def iter_runs(
    learners: str | Sequence[str],
    dataset: str | os.PathLike[str] | Source,
    *,
    budget: float | None = None,
    warmup: float = _DEFAULT_WARMUP,
    nominal_as_index: bool = False,
    moa_evaluator: bool = False,
) -> Iterator[MoaRun]:
    """Run MOA learners test-then-train over a stream, one after the other, each from scratch.

    Parameters
    ----------
    learners
        Names from `MOA_LEARNERS` (one name or several).
    dataset
        A data set name (as `ihomer evaluate` takes it), an ARFF path, or a `Source`.
    budget
        Seconds each learner's loop may take; it stops past them (`stopped_early`).
    warmup
        Seconds at most that a throwaway learner runs before each timed one (JIT warm-up).
    nominal_as_index
        Give MOA nominal features as numbers (their category index), as PEERS.md did.
    moa_evaluator
        Also score the predictions with MOA's own evaluator (`MoaRun.moa_measurements`).

    Raises
    ------
    PeerUnavailable
        When capymoa, Java or javac is missing (the JVM cannot run MOA).
    """
    names = [learners] if isinstance(learners, str) else list(learners)
    for name in names:
        if name not in MOA_LEARNERS:
            raise UnknownNameError("MOA learner", name, list(MOA_LEARNERS))
    if budget is not None and not budget > 0:
        raise IhomerError(f"the time budget must be positive, got {budget}")
    if not warmup >= 0:
        raise IhomerError(f"the warm-up must be 0 or more seconds, got {warmup}")
    loop_class = _load_loop_class()
    source = _open(dataset)
    schema = source.schema
    labels = tuple(schema.label_names)
    if not labels:
        raise IhomerError(f"{schema.name} has no labels")
    with tempfile.TemporaryDirectory(prefix="ihomer-moa-") as tmp:
        arff = Path(tmp) / "stream.arff"
        length = write_labels_first_arff(source, arff, nominal_as_index=nominal_as_index)
        loop = _call_java(lambda: loop_class.load(str(arff), len(labels)), f"reading {arff}")
    logger.debug("MOA printed while reading %s: %s", schema.name, loop.log)
    if loop.streamLength != length:
        raise IhomerError(f"MOA read {loop.streamLength} of the {length} rows of {schema.name}")
    truth = _bits(loop.truth, len(labels))
    for name in names:
        cli, rounded = MOA_LEARNERS[name], name in _ROUNDED
        _call_java(
            lambda: loop.run(cli, _THRESHOLD, rounded, budget or 0.0, warmup),  # noqa: B023
            f"running {name} on {schema.name}",
        )
        logger.debug("MOA printed while running %s: %s", name, loop.log)
        n = int(loop.n)
        measurements = None
        if moa_evaluator:
            values = zip(loop.evaluatorNames(), loop.evaluate(), strict=True)
            measurements = {str(key): float(value) for key, value in values}
        yield MoaRun(
            learner=name,
            dataset=schema.name,
            labels=labels,
            stream_length=length,
            truth=truth[:n],
            predicted=_bits(loop.predicted, len(labels))[:n],
            seconds=int(loop.nanos) / 1e9,
            stopped_early=bool(loop.stoppedEarly),
            model_mb=int(loop.modelBytes) / 2**20,
            heap_peak_mb=int(loop.heapPeakBytes) / 2**20,
            moa_measurements=measurements,
        )


def run(
    learners: str | Sequence[str], dataset: str | os.PathLike[str] | Source, **options: Any
) -> list[dict[str, Any]]:
    """The evaluation results (DESIGN.md §3, see `MoaRun.result`) of `iter_runs`."""
    return [one.result() for one in iter_runs(learners, dataset, **options)]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m stream.bench.moa DATASET [LEARNER ...]`: one JSON result a line.

    Exits 3 with `skipped: REASON` on stderr when MOA cannot run here, 2 on a user error.
    """
    parser = argparse.ArgumentParser(
        prog="python -m stream.bench.moa", description="Run MOA's multi-label learners."
    )
    parser.add_argument("dataset", help="data set name or ARFF path")
    parser.add_argument("learners", nargs="*", help=f"default: all of {', '.join(MOA_LEARNERS)}")
    parser.add_argument("--budget", type=float, help="seconds each learner's loop may take")
    parser.add_argument("--warmup", type=float, default=_DEFAULT_WARMUP, help="JIT warm-up [s]")
    parser.add_argument(
        "--nominal-as-index", action="store_true", help="nominal features as category indices"
    )
    args = parser.parse_args(argv)
    try:
        for one in iter_runs(
            args.learners or list(MOA_LEARNERS),
            args.dataset,
            budget=args.budget,
            warmup=args.warmup,
            nominal_as_index=args.nominal_as_index,
        ):
            print(json.dumps(one.result()), flush=True)
    except PeerUnavailable as exc:
        print(f"skipped: {exc.reason}", file=sys.stderr)
        return 3
    except IhomerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
