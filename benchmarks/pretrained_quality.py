"""What the optional pretrained sentence model (``notelink[pretrained]``) does to quality.

    python benchmarks/pretrained_quality.py [--vaults ../shared/vaults] [--lee ../shared/data/lee] [--json FILE]
                                            [--only VAULT ...]

Needs the extra (``pip install -e '.[pretrained]'``). For every vault and protocols A
and A2 (``notelink evaluate VAULT --protocol P --method hybrid``, with and without
``--no-pretrained``), the hybrid's nDCG@10 without and with the pretrained signal, the
paired difference's 95% bootstrap interval, and the ``minilm`` and ``tfidf-minilm``
methods; then the Lee et al. (2005) correlations with and without it. Prints Markdown
tables (docs/quality.md, "Pretrained extra"). One process: the vectors of a note text
are encoded once and shared by every run that sees the same text.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BOOTSTRAP, SEED = 2000, 13


def paired_ci(a: list[float], b: list[float]) -> tuple[float, float]:
    """95% bootstrap interval of mean(b − a) over the queries (the same split, in order)."""
    d = np.array(b) - np.array(a)
    rng = np.random.default_rng(SEED)
    means = d[rng.integers(0, len(d), (BOOTSTRAP, len(d)))].mean(1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def run(root: Path, method: str, protocol: str, pretrained: bool | None) -> Any:
    """``notelink evaluate ROOT --protocol PROTOCOL --method METHOD [--no-pretrained]``."""
    from notelink.evaluate import evaluate

    (result,) = evaluate(root, [method], protocol, pretrained=pretrained)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vaults", type=Path, default=ROOT.parent / "shared/vaults")
    parser.add_argument("--lee", type=Path, default=ROOT.parent / "shared/data/lee")
    parser.add_argument("--json", type=Path, default=None, help="also write every figure here")
    parser.add_argument("--only", nargs="*", default=None, help="these vaults only (names); none: Lee only")
    args = parser.parse_args()
    from notelink.evaluate.similarity import lee
    from notelink.model import pretrained

    os.environ.pop(pretrained.ENV, None)
    if not pretrained.available():
        sys.exit(f"the pretrained extra is not installed: {pretrained.INSTALL}")
    rows, out = [], {"model": pretrained.model_id(), "vaults": [], "lee": {}}
    vaults = sorted(p for p in args.vaults.iterdir() if p.is_dir())
    for vault in [v for v in vaults if args.only is None or v.name in args.only]:
        for protocol in ("A", "A2"):
            start = time.perf_counter()
            off, on = run(vault, "hybrid", protocol, False), run(vault, "hybrid", protocol, None)
            others = {m: run(vault, m, protocol, None) for m in ("minilm", "tfidf-minilm")}
            lo, hi = paired_ci(off.per_query, on.per_query)
            row = {"vault": vault.name, "protocol": protocol, "queries": on.queries, "hybrid": off.ndcg10,
                   "hybrid_pretrained": on.ndcg10, "ci": on.ndcg10_ci, "diff_ci": (lo, hi),
                   "minilm": others["minilm"].ndcg10, "tfidf_minilm": others["tfidf-minilm"].ndcg10,
                   "seconds": time.perf_counter() - start}  # fmt: skip
            rows.append(row)
            print(f"{vault.name} {protocol}: {row}", file=sys.stderr, flush=True)
    out["vaults"] = rows
    print("| vault | protocol | queries | hybrid | hybrid + pretrained | difference (95% CI, paired) | not below |"
          " minilm | tfidf-minilm |")  # fmt: skip
    print("|---|---|---:|---:|---:|---|---|---:|---:|")
    for r in rows:
        d = r["hybrid_pretrained"] - r["hybrid"]
        lo, hi = r["diff_ci"]
        print(f"| {r['vault']} | {r['protocol']} | {r['queries']} | {r['hybrid']:.3f} "
              f"| **{r['hybrid_pretrained']:.3f}** | {d:+.3f} [{lo:+.3f}, {hi:+.3f}] "
              f"| {'yes' if d >= 0 else '**no**'} | {r['minilm']:.3f} "
              f"| {r['tfidf_minilm']:.3f} |")  # fmt: skip
    print("\n| Lee et al. (2005) | Pearson | Spearman | time |\n|---|---:|---:|---:|")
    for label, method, env in (("hybrid, without", "hybrid", "0"), ("hybrid + pretrained", "hybrid", "1"),
                               ("minilm", "minilm", "1"), ("tfidf-minilm", "tfidf-minilm", "1")):  # fmt: skip
        os.environ[pretrained.ENV] = env
        start = time.perf_counter()
        p, s = lee(args.lee, method)
        out["lee"][label] = {"pearson": p, "spearman": s}
        print(f"| {label} | **{p:.3f}** | {s:.3f} | {time.perf_counter() - start:.1f} s |", flush=True)
    os.environ.pop(pretrained.ENV, None)
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
