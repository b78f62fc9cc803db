"""Speed and quality of the Numba trees against river, measured in one process.

    python benchmarks/bench_trees.py            # speed ratios on yeast, bibtex run, quality table
    python benchmarks/bench_trees.py --quick    # yeast only (used by the tests' smoke run)

Speed: `mlhat` through the dict API and through `learn_many`/`predict_many` (test-then-train in
chunks) against river's binary-relevance Hoeffding tree (`br-ht`) on the same Yeast stream.
Quality: full-stream prequential micro-F1 and subset accuracy of `mlht` and `mlhat` on every
shared data set, beside `no-change` and the MLHAT authors' published full-stream numbers.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Sequence

import numpy as np

from learners.registry import make
from learners.tree import MultiLabelHoeffdingAdaptiveTree
from stream.datasets import available, open_dataset
from stream.metrics import MultiLabelMetrics
from stream.prequential import evaluate
from stream.sources.base import Source

# MLHAT authors' published full-stream micro-F1 / subset accuracy (PEERS.md)
PUBLISHED = {
    "flags": (0.586, 0.062),
    "emotions": (0.445, 0.136),
    "birds": (0.133, 0.388),
    "yeast": (0.598, 0.131),
    "scene": (0.936, 0.887),
    "medical": (0.584, 0.435),
    "enron": (0.436, 0.091),
    "bibtex": (0.347, 0.122),
}


def batch_rate(source: Source, chunk: int = 50) -> tuple[float, dict[str, float]]:
    """mlhat test-then-train through predict_many/learn_many in chunks: (inst/s, metrics)."""
    schema = source.schema
    model = MultiLabelHoeffdingAdaptiveTree(seed=42)
    metrics = MultiLabelMetrics(schema.label_names)
    X, Y = next(source.iter_arrays(batch_size=10**9))
    labels = np.array(schema.label_names, dtype=object)
    elapsed = 0.0
    for start in range(0, X.shape[0], chunk):
        xb, yb = X[start : start + chunk], Y[start : start + chunk]
        t0 = time.perf_counter()
        pred = model.predict_many(
            xb, feature_names=schema.feature_names, label_names=schema.label_names
        )
        model.learn_many(xb, yb, feature_names=schema.feature_names, label_names=schema.label_names)
        elapsed += time.perf_counter() - t0
        for t_row, p_row in zip(yb, pred, strict=True):
            metrics.update(set(labels[t_row]), set(labels[p_row]))
    return X.shape[0] / elapsed, metrics.get()


def speed_on_yeast() -> None:
    source = open_dataset("yeast")
    # load the compiled kernels (a one-time cost of ~0.5 s per process) outside the timed runs
    evaluate(source, {"mlhat": make("mlhat")})
    batch_rate(source)
    results = {
        r.learner: r for r in evaluate(source, {"br-ht": make("br-ht"), "mlhat": make("mlhat")})
    }
    ref = results["br-ht"].instances_per_second
    dict_rate = results["mlhat"].instances_per_second
    rate, metrics = batch_rate(source)
    print("## Speed on yeast (2417 x 103 features, 14 labels), same process\n")
    print("| learner | path | micro-F1 | inst/s | ratio to br-ht | goal |")
    print("|---|---|---|---|---|---|")
    ref_f1 = results["br-ht"].metrics["micro_f1"]
    print(f"| br-ht (river) | dict | {ref_f1:.3f} | {ref:,.0f} | 1.0 | |")
    print(
        f"| mlhat | dict | {results['mlhat'].metrics['micro_f1']:.3f} | {dict_rate:,.0f} | "
        f"{dict_rate / ref:.1f}x | >= 20x: {'met' if dict_rate >= 20 * ref else 'NOT met'} |"
    )
    print(
        f"| mlhat | learn_many (chunks of 50) | {metrics['micro_f1']:.3f} | {rate:,.0f} | "
        f"{rate / ref:.1f}x | >= 50x: {'met' if rate >= 50 * ref else 'NOT met'} |"
    )
    print()


def bibtex_run() -> None:
    if "bibtex" not in available():
        print("bibtex: not found (set IHOMER_DATA), skipped\n")
        return
    source = open_dataset("bibtex")
    model = make("mlhat")
    result = evaluate(source, {"mlhat": model})[0]
    arrays_mb = sum(arr.nbytes for arr in model._arrays) / 2**20  # type: ignore[attr-defined]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("## mlhat on bibtex (7395 x 1836 sparse features, 159 labels), whole stream\n")
    print(
        f"n={result.n}, micro-F1 {result.metrics['micro_f1']:.3f}, subset accuracy "
        f"{result.metrics['subset_accuracy']:.3f}, {result.instances_per_second:,.0f} inst/s, "
        f"model arrays {arrays_mb:.1f} MB, peak sampled model size {result.peak_memory_mb:.1f} MB, "
        f"process max RSS {rss_mb:.0f} MB\n"
    )


def quality(names: Sequence[str]) -> None:
    print("## Full-stream prequential quality: micro-F1 / subset accuracy\n")
    print("| data set | mlht | mlhat | no-change | MLHAT published | mlhat inst/s |")
    print("|---|---|---|---|---|---|")
    sums: dict[str, list[float]] = {"mlht": [0, 0], "mlhat": [0, 0], "pub": [0, 0]}
    counted = 0
    for name in names:
        res = {
            r.learner: r
            for r in evaluate(open_dataset(name), {"mlht": make("mlht"), "mlhat": make("mlhat")})
        }

        def cell(r):  # type: ignore[no-untyped-def]
            return f"{r.metrics['micro_f1']:.3f} / {r.metrics['subset_accuracy']:.3f}"

        pub = PUBLISHED.get(name)
        pub_cell = f"{pub[0]:.3f} / {pub[1]:.3f}" if pub else "-"
        print(
            f"| {name} | {cell(res['mlht'])} | {cell(res['mlhat'])} | {cell(res['no-change'])} | "
            f"{pub_cell} | {res['mlhat'].instances_per_second:,.0f} |"
        )
        if pub:
            counted += 1
            for key in ("mlht", "mlhat"):
                sums[key][0] += res[key].metrics["micro_f1"]
                sums[key][1] += res[key].metrics["subset_accuracy"]
            sums["pub"][0] += pub[0]
            sums["pub"][1] += pub[1]
    if counted:
        avg = {k: f"{v[0] / counted:.3f} / {v[1] / counted:.3f}" for k, v in sums.items()}
        print(
            f"| average of the {counted} published | {avg['mlht']} | {avg['mlhat']} | | "
            f"{avg['pub']} | |"
        )
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="yeast speed ratios only")
    args = parser.parse_args()
    speed_on_yeast()
    if args.quick:
        return
    bibtex_run()
    names = [n for n in available() if n not in ("synth",)]
    quality(names)


if __name__ == "__main__":
    main()
