"""How iHOMER's cost per instance grows with the number of labels (meta routing vs all).

    python benchmarks/bench_ihomer_scale.py                 # 10, 100, 1000 labels, 5000 instances
    python benchmarks/bench_ihomer_scale.py --labels 10,100 --instances 2000

Synthetic streams (`MultiLabelSynth`) with groups of 5 co-occurring labels, so the label
cardinality stays the same while the label space grows. In one process per size, test-then-train
side by side: `ihomer` (meta routing), iHOMER with `all` routing and a single `mlhat`. Prints
instances/s, the number of clusters at the end and, per learner, how much slower an instance is
than at the smallest size. Sub-linear: 100x the labels costs much less than 100x the time.
"""

from __future__ import annotations

import argparse

from learners.ihomer import IHOMER
from learners.registry import make
from stream.prequential import evaluate
from stream.sources.synth import MultiLabelSynth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", default="10,100,1000")
    parser.add_argument("--instances", type=int, default=5000)
    parser.add_argument("--budget", type=float, default=300.0, help="seconds per learner")
    args = parser.parse_args()
    sizes = [int(s) for s in args.labels.split(",")]
    first: dict[str, float] = {}
    print(f"{'labels':>7} {'learner':<12} {'inst/s':>9} {'clusters':>8} {'cost vs first':>14}")
    for n_labels in sizes:
        stream = MultiLabelSynth(
            n_labels=n_labels, n_groups=max(1, n_labels // 5), n_instances=args.instances, seed=7
        )
        learners = {
            "ihomer-meta": IHOMER(),
            "ihomer-all": IHOMER(routing="all"),
            "mlhat": make("mlhat"),
        }
        results = evaluate(stream, learners, budget=args.budget)
        for r in results:
            if r.learner == "no-change":
                continue
            first.setdefault(r.learner, r.instances_per_second)
            model = learners[r.learner]
            clusters = len(model.clusters) if isinstance(model, IHOMER) else 1
            slower = first[r.learner] / r.instances_per_second
            stopped = " (stopped by the budget)" if r.stopped_early else ""
            print(
                f"{n_labels:>7} {r.learner:<12} {r.instances_per_second:>9,.0f} {clusters:>8} "
                f"{slower:>13.1f}x{stopped}"
            )


if __name__ == "__main__":
    main()
