"""``sloi``: the command line.

``sloi`` (or ``sloi models``) builds the lecture's models (the functional API, LSTM, GRU,
Bidirectional, Conv1D) and prints their summaries. ``sloi tour [--out DIR] [--quick] [--seed N]``
runs the lecture as experiments and writes a report (``sloi.cli.tour``).
"""

from __future__ import annotations

import argparse
import sys


def _models(args) -> int:
    from sloi.cli import lecture

    print("sloi: the lecture's functional API, running on PyTorch\n")
    print("1. Input (1000,) → Dense(16, relu) → Dense(16, relu) → Dense(1, sigmoid)")
    lecture.dense_model().summary()
    print("\n2. Two Conv2D branches from one (64, 64, 1) input, joined by concatenate")
    lecture.two_branch_model().summary()
    print("\n3. Recurrent layers: Embedding(50, 10, input_length=1000) → LSTM(32)")
    lecture.lstm_model().summary()
    print("\n4. The same with LSTM(32, return_sequences=True): one output per step")
    lecture.lstm_model(return_sequences=True).summary()
    print("\n5. Bidirectional: the sequence read both ways")
    lecture.bidirectional_model().summary()
    print("\n6. GRU, a lighter LSTM")
    lecture.gru_model().summary()
    print("\n7. One-dimensional convolution over the embedded text")
    lecture.conv1d_model().summary()
    return 0


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed must be an integer >= 0; got {text!r}")
    return value


def _tour(args) -> int:
    from sloi.cli.tour import run_tour

    results = run_tour(out=args.out, quick=args.quick, seed=args.seed)
    return 1 if any("error" in ch for ch in results["chapters"].values()) else 0


def main(argv: list[str] | None = None) -> int:
    import sloi

    parser = argparse.ArgumentParser(prog="sloi", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"sloi {sloi.__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("models", help="build the lecture's models, print summaries")
    tour = sub.add_parser("tour", help="run the lecture as experiments, write a report")
    tour.add_argument("--out", default="sloi-tour", help="output folder (default: sloi-tour)")
    tour.add_argument("--quick", action="store_true", help="tiny data, under a minute")
    tour.add_argument("--seed", type=_seed, default=0, help="random seed (default: 0)")
    args = parser.parse_args(argv)
    if args.command == "tour":
        return _tour(args)
    return _models(args)


if __name__ == "__main__":
    sys.exit(main())
