"""Scale curves: instances/s and peak memory of iHOMER, mlhat and the peers against the number of
labels (10, 100, 1000 and 5000 labels, 100 000 instances each by default).

    python benchmarks/bench_ihomer_scale.py --out scale-results
    python benchmarks/bench_ihomer_scale.py --labels 10,100 --instances 5000 --peers br-ht

The same as `python -m stream.bench.scale` (options and outputs: see `stream.bench.scale`).
"""

from __future__ import annotations

import sys

from stream.bench.scale import main

if __name__ == "__main__":
    sys.exit(main(prog="python benchmarks/bench_ihomer_scale.py"))
