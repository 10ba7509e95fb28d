"""The review simulation (issue 16, point 6): what the owner's decisions on 30% of the
notes gain the other 70% (``notelink.evaluate.review.review_simulation``).

    python benchmarks/review_simulation.py ../shared/vaults/* [--protocol A --protocol A2] [--json]

Each vault is split as ``notelink evaluate`` splits it, on a temporary copy.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from notelink.evaluate.review import review_simulation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vaults", type=Path, nargs="+")
    parser.add_argument("--protocol", action="append", choices=["A", "A2"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for vault in args.vaults:
        for protocol in args.protocol or ["A", "A2"]:
            rows.append({"vault": vault.name, **review_simulation(vault, protocol, args.seed).as_dict()})
            if args.json:
                print(json.dumps(rows[-1]), flush=True)
    if args.json:
        return
    print("| vault | protocol | reviewed | accepted | rejected | scored | nDCG@10 without → with | gain [95% CI] "
          "| R@5 without → with |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---|---|---|")
    for r in rows:
        (n0, n1), (r0, r1), (lo, hi) = r["ndcg@10"], r["recall@5"], r["ndcg@10_gain_ci95"]
        print(f"| {r['vault']} | {r['protocol']} | {r['reviewed']} | {r['accepted']} | {r['rejected']} | {r['scored']} "
              f"| {n0:.3f} → {n1:.3f} | {n1 - n0:+.3f} [{lo:+.3f}, {hi:+.3f}] | {r0:.3f} → {r1:.3f} |")  # fmt: skip


if __name__ == "__main__":
    main()
