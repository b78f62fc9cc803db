"""Throughput of our drift detectors against river 0.26.1's, with a check of the detections.

Runs, in one process and on the same values, river's detector fed one value at a time (the only
way river offers), ours fed one value at a time (`update`) and ours fed the whole array
(`update_many`), and prints updates per second, the speed-up over river and whether the three
produced the same drift indices. Each timing is the best of `--repeat` runs, in CPU time of this
process (so that other load on the machine matters less); the Numba kernels are compiled (or
loaded from cache) before timing.

    python benchmarks/bench_drift.py            # 1e6 values (KSWIN: 2e4, river's is slow)
    python benchmarks/bench_drift.py --n 100000 --repeat 1
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from river import drift as river_drift

import drift


def bernoulli_stream(n: int, seed: int = 42) -> np.ndarray:
    """0/1 values whose rate changes three times: 0.2, 0.5, 0.3, 0.7."""
    rng = np.random.default_rng(seed)
    rates = np.array([0.2, 0.5, 0.3, 0.7])[np.arange(n) * 4 // n]
    return (rng.random(n) < rates).astype(np.float64)


def gaussian_stream(n: int, seed: int = 43) -> np.ndarray:
    """Unit-variance values whose mean changes three times: 0, 1, 0.5, 0."""
    rng = np.random.default_rng(seed)
    means = np.array([0.0, 1.0, 0.5, 0.0])[np.arange(n) * 4 // n]
    return rng.normal(means, 1.0)


def per_value(detector: Any, values: list[float]) -> list[int]:
    """The loop a river user writes: update, then look at the flag."""
    update = detector.update
    found = []
    for i, x in enumerate(values):
        update(x)
        if detector.drift_detected:
            found.append(i)
    return found


def best_of(repeat: int, run: Callable[[], list[int]]) -> tuple[float, list[int]]:
    """The shortest CPU time of `repeat` runs, and the result of the last."""
    best = float("inf")
    result: list[int] = []
    for _ in range(repeat):
        start = time.process_time()
        result = run()
        best = min(best, time.process_time() - start)
    return best, result


def compare(
    name: str,
    reference: Callable[[], Any],
    ours: Callable[[], Any],
    xs: np.ndarray,
    repeat: int,
) -> dict[str, float | bool]:
    """Time the three paths on `xs`, print one line per path and return the figures."""
    values = xs.tolist()
    ours().update_many(xs[:1000])  # compile or load the kernels
    per_value(ours(), values[:1000])
    t_river, d_river = best_of(repeat, lambda: per_value(reference(), values))
    t_one, d_one = best_of(repeat, lambda: per_value(ours(), values))
    t_many, d_many = best_of(repeat, lambda: ours().update_many(xs).tolist())
    n = len(xs)
    same = d_river == d_one == d_many
    print(f"{name}  ({n:,} values, {len(d_river)} drifts in river, identical detections: {same})")
    for label, seconds in (
        ("river update", t_river),
        ("ours update", t_one),
        ("ours update_many", t_many),
    ):
        print(f"  {label:<18}{n / seconds:>14,.0f} updates/s  {t_river / seconds:8.1f}x river")
    return {
        "river": n / t_river,
        "update": n / t_one,
        "update_many": n / t_many,
        "ratio_many": t_river / t_many,
        "identical": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="values per stream")
    parser.add_argument("--n-kswin", type=int, default=20_000, help="values for KSWIN")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best kept)")
    args = parser.parse_args()

    bern, gauss = bernoulli_stream(args.n), gaussian_stream(args.n)
    results = {}
    for label, xs in (("Bernoulli", bern), ("Gaussian", gauss)):
        results[f"ADWIN {label}"] = compare(
            f"ADWIN on {label}", river_drift.ADWIN, drift.ADWIN, xs, args.repeat
        )
    for label, xs in (("Bernoulli", bern), ("Gaussian", gauss)):
        results[f"ADWIN(clock=1) {label}"] = compare(
            f"ADWIN(clock=1) on {label}",
            lambda: river_drift.ADWIN(clock=1),
            lambda: drift.ADWIN(clock=1),
            xs,
            args.repeat,
        )
    results["DDM"] = compare(
        "DDM on Bernoulli", river_drift.binary.DDM, drift.DDM, bern, args.repeat
    )
    results["EDDM"] = compare(
        "EDDM on Bernoulli", river_drift.binary.EDDM, drift.EDDM, bern, args.repeat
    )
    results["PageHinkley"] = compare(
        "PageHinkley on Gaussian", river_drift.PageHinkley, drift.PageHinkley, gauss, args.repeat
    )
    kswin_xs = gaussian_stream(args.n_kswin)
    results["KSWIN"] = compare(
        "KSWIN(seed=1) on Gaussian",
        lambda: river_drift.KSWIN(seed=1),
        lambda: drift.KSWIN(seed=1),
        kswin_xs,
        1,
    )

    print()
    for key in ("ADWIN Bernoulli", "ADWIN Gaussian"):
        r = results[key]
        verdict = "holds" if r["ratio_many"] >= 20 and r["identical"] else "does NOT hold"
        print(
            f"Goal >= 20x river's ADWIN with identical detections, {key} (default parameters): "
            f"{verdict} for update_many ({r['ratio_many']:.1f}x); "
            f"update per value is {r['update'] / r['river']:.2f}x river."
        )


if __name__ == "__main__":
    main()
