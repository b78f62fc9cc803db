"""Embedding a learner in a line-oriented stream processor: JSON events in, predictions out.

Many stream processors can run a program on each message through its standard input and
output: Redpanda Connect (Benthos) with its `subprocess` processor, Kafka Connect or NiFi
through a pipe, or a shell pipeline such as

    kcat -C -b HOST:9092 -t events -u | python examples/stdin_processor.py \\
        | kcat -P -b HOST:9092 -t predictions

Each input line is an event (`{"id", "x", "y"}`, DESIGN.md §3); each output line is its
prediction, in the same order (test-then-train: a labelled event is learned right after it is
predicted). A line that is not a valid event gives `{"id": null, "error": REASON, ...}` on
its line, so outputs stay aligned with inputs. With `--model FILE` the model is loaded from
FILE if it exists and saved there at the end (and every `--save-every` lines).

Redpanda Connect configuration:

    pipeline:
      processors:
        - subprocess:
            name: python
            args: [examples/stdin_processor.py, --model, /data/model.npz]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from learners.registry import make
from stream.service import InvalidMessage, OnlineModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learner", default="mlhat")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--save-every", type=int, default=10_000)
    args = parser.parse_args()

    if args.model is not None and args.model.exists():
        model = OnlineModel.load(args.model)
    else:
        model = OnlineModel(make(args.learner))
    out = sys.stdout
    for n, line in enumerate(sys.stdin, start=1):
        try:
            reply = model(line.strip().encode())
        except InvalidMessage as exc:
            reply = {"id": None, "error": exc.reason, "detail": exc.detail}
        out.write(json.dumps(reply) + "\n")
        out.flush()  # one answer per message, now: the processor waits for it
        if args.model is not None and n % args.save_every == 0:
            model.save(args.model)
    if args.model is not None:
        model.save(args.model)


if __name__ == "__main__":
    main()
