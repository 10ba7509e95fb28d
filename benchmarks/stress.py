"""The long safety run: many kills, many races, a long fuzz. Prints one table.

    python benchmarks/stress.py [--kills 500] [--watch-kills 50] [--races 50] [--fuzz 50000] [--seed 0]

The same harness as tests/test_safety.py (tests/safety.py), on sample_vault/
with the default method: ``sync`` and ``watch`` SIGKILLed at random moments (every
note must be old or new, and one more sync must give exactly a clean run's bytes with
no temp file left); ``sync`` raced by a process appending lines to notes (none may be
lost); the parser and the section splicer fuzzed with hypothesis-generated input.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the harness lives with the tests; benchmarks may import test helpers
from safety import Tally, crash_trial, expect, fuzz, race_trial  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=500)
    parser.add_argument("--watch-kills", type=int, default=50)
    parser.add_argument("--races", type=int, default=50)
    parser.add_argument("--fuzz", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--vault", type=Path, default=ROOT / "sample_vault")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    start = time.perf_counter()
    tried, fuzz_failures = fuzz(args.fuzz, seed=args.seed)  # first: it needs no processes, and fails fast
    print(f"fuzz: {tried:,} inputs, {len(fuzz_failures)} failures", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="notelink-stress-") as tmp:
        work = Path(tmp)
        exp = expect(args.vault, work)
        kills, watch_kills, races = Tally(), Tally(), Tally()
        for i in range(args.kills):
            crash_trial(exp, work, rng, kills, "sync")
            if (i + 1) % 50 == 0:
                print(f"sync kills: {i + 1}/{args.kills}", file=sys.stderr, flush=True)
        print(f"sync kills: {kills}", file=sys.stderr, flush=True)
        for _ in range(args.watch_kills):
            crash_trial(exp, work, rng, watch_kills, "watch")
        print(f"watch kills: {watch_kills}", file=sys.stderr, flush=True)
        for i in range(args.races):
            race_trial(exp, work, rng, races)
            if (i + 1) % 10 == 0:
                print(f"races: {i + 1}/{args.races}", file=sys.stderr, flush=True)
    rows = [
        ("kills of `sync` survived", f"{kills.trials - len({p.split(':')[0] for p in kills.problems})}/{kills.trials}"),
        ("kills of `watch` survived", f"{watch_kills.trials - len({p.split(':')[0] for p in watch_kills.problems})}"
         f"/{watch_kills.trials}"),
        ("corrupted files (neither old nor new)", str(kills.corrupted + watch_kills.corrupted)),
        ("diverged after recovery", str(kills.diverged + watch_kills.diverged)),
        ("temp files left after recovery", str(kills.temps_left + watch_kills.temps_left)),
        ("races run", str(races.trials)),
        ("lines appended during a sync", str(races.lines)),
        ("notes left alone for a racing edit (retried)", str(races.conflicts)),
        ("lost edits", str(races.lost_lines)),
        ("fuzz inputs tried", f"{tried:,}"),
        ("crashes and broken round trips", str(len(fuzz_failures))),
    ]  # fmt: skip
    took = time.perf_counter() - start
    print(f"`python benchmarks/stress.py --kills {args.kills} --watch-kills {args.watch_kills} "
          f"--races {args.races} --fuzz {args.fuzz} --seed {args.seed}` ({took:.0f} s)\n")  # fmt: skip
    print("| check | result |\n|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    problems = kills.problems + watch_kills.problems + races.problems + fuzz_failures
    for line in problems[:50]:
        print("PROBLEM:", line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
