"""Do two threads help? notelink's SGD loop (notelink/model/embed/sgd.py) on one thread and
on two, compiled with TorchScript and as plain Python.

    python benchmarks/sgd_threads.py [--steps 256]

Each thread runs ``--steps`` steps (1,024 pairs, 16 shared noise words, dim 100, a
12,000-word vocabulary, Zipf-distributed word ids) on its own tables, as the two
shards of a large corpus do. Prints µs per step and the speed-up of two threads.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from typing import Any

import torch

from notelink.model.embed.sgd import STEPS, sgd_steps

V, DIM, PAIRS, NOISE = 12_000, 100, 1024, 16


def workload(steps: int, seed: int) -> tuple[Any, ...]:
    g = torch.Generator().manual_seed(seed)
    zipf = 1.0 / torch.arange(1, V + 1, dtype=torch.float32)
    w_in, w_out = (torch.rand(V, DIM, generator=g) - 0.5) / DIM, torch.zeros(V, DIM)
    c = torch.multinomial(zipf, steps * PAIRS, replacement=True, generator=g)
    x = torch.multinomial(zipf, steps * PAIRS, replacement=True, generator=g)
    negs = torch.multinomial(zipf**0.75, steps * NOISE, replacement=True, generator=g).view(steps, NOISE)
    return w_in, w_out, c, x, negs, [0.02] * steps, PAIRS, 5 / NOISE, [DIM]


def timed(run: Callable[..., None], jobs: list[tuple[Any, ...]]) -> float:
    start = time.perf_counter()
    threads = [threading.Thread(target=run, args=job) for job in jobs[1:]]
    for t in threads:
        t.start()
    run(*jobs[0])
    for t in threads:
        t.join()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"`python benchmarks/sgd_threads.py --steps {args.steps}`\n")
    print("| loop | µs per step, 1 thread | µs per step, 2 threads | speed-up |")
    print("|---|---:|---:|---:|")
    for name, run in (("TorchScript", STEPS), ("Python", sgd_steps)):
        timed(run, [workload(8, 0)])  # warm-up (TorchScript specialises on its first calls)
        one = timed(run, [workload(args.steps, 1)])
        two = timed(run, [workload(args.steps, 2), workload(args.steps, 3)])
        per_one, per_two = one / args.steps * 1e6, two / (2 * args.steps) * 1e6
        print(f"| {name} | {per_one:.0f} | {per_two:.0f} | {2 * one / two:.2f}× |")


if __name__ == "__main__":
    main()
