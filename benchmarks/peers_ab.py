"""sloi beside the hand-written PyTorch loop on the peers' six models, in one process.

For A/B work on sloi itself on a busy machine: one thread, the two sides interleaved repeat by
repeat, the fastest repeat kept, timed in process CPU time (``time.process_time``), so other
processes on the machine count less. Predict: ``model.predict`` against a ``torch.no_grad()``
loop over the same batches; fit: ms per step of one ``fit`` epoch against a plain Adam loop.
Both sides share the process, so its heap: what sloi's loops do to glibc's heap shows on the
hand-written side too. For predict beside a hand-written loop in a process of its own, use
``peers.py --clock cpu --threads 1``.

    PYTHONPATH=. python benchmarks/peers_ab.py [--only Dense] [--what predict,fit] [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from peers import MODELS, hand_written, make_data  # noqa: E402

import sloi  # noqa: E402


def timed(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def compare(title, what, repeats):
    builder, kind, loss, batch, n_batches, _ = MODELS[title]
    x, y = make_data(kind, batch * n_batches)
    torch.manual_seed(0)
    ours = builder(sloi)
    ours.compile(optimizer=sloi.optimizers.Adam(1e-3), loss=loss)
    hand, tx, ty, loss_fn = hand_written(title, ours)
    optimizer = torch.optim.Adam(hand.parameters(), lr=1e-3, eps=1e-7)

    def hand_predict():
        hand.eval()
        with torch.no_grad():
            torch.cat([hand(tx[i:i + batch]) for i in range(0, len(tx), batch)]).numpy()

    def hand_fit():
        hand.train()
        for i in range(0, len(tx), batch):
            optimizer.zero_grad(set_to_none=True)
            loss_fn(hand(tx[i:i + batch]), ty[i:i + batch]).backward()
            optimizer.step()

    sides = {
        "predict": (lambda: ours.predict(x, batch_size=batch, verbose=0), hand_predict),
        "fit": (lambda: ours.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0),
                hand_fit),
    }[what]
    best = [float("inf"), float("inf")]
    for fn in sides:
        fn()  # warm-up
    for _ in range(repeats):
        for side, fn in enumerate(sides):
            best[side] = min(best[side], timed(fn) / n_batches)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=None)
    parser.add_argument("--what", default="predict,fit")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    titles = [t for t in MODELS if not args.only or args.only in t]
    print(f"CPU threads {args.threads}; ms per batch (CPU time), fastest of {args.repeats}, "
          "interleaved\n")
    print("| model | what | sloi | hand-written | sloi / hand |")
    print("|---|---|---:|---:|---:|")
    for title in titles:
        for what in args.what.split(","):
            ours, hand = compare(title, what, args.repeats)
            print(f"| {title} | {what} | {ours * 1e3:.2f} | {hand * 1e3:.2f} | "
                  f"{ours / hand:.2f} |", flush=True)


if __name__ == "__main__":
    main()
