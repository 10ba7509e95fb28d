"""Suggestion quality of every method, by the protocol in shared/benchmarks/PROTOCOL.md.

    python benchmarks/quality.py [--vault ../shared/vaults/obsidian-help-en] [--lee ../shared/data/lee]

Runs `notelink evaluate` (protocols A and A2) for every method on the vault, the Lee
et al. (2005) document-similarity correlations for every method, and writes the
tables into docs/quality.md (between the QUALITY markers).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from notelink.evaluate import evaluate, lee
from notelink.rank.registry import METHODS

from docs_section import replace_between

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "quality.md"
BEGIN, END = "<!-- QUALITY:BEGIN -->", "<!-- QUALITY:END -->"


def shown(path: Path) -> str:
    """A path as a reader in the repository would type it."""
    return os.path.relpath(path, ROOT)


def protocol_table(vault: Path, protocol: str) -> str:
    results = evaluate(vault, list(METHODS), protocol)
    r0 = results[0]
    lines = [
        f"**Protocol {protocol}** — {r0.queries} query notes, {r0.held_out} held-out links "
        f"(`notelink evaluate {shown(vault)} --protocol {protocol}`)",
        "",
        "| method | Recall@5 | Recall@10 | MRR | nDCG@10 | 95% CI (nDCG@10) | time |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in results:
        if r.note:
            lines.append(f"| {r.method} | {r.note} | | | | | |")
            continue
        lines.append(
            f"| {r.method} | {r.recall5:.3f} | {r.recall10:.3f} | {r.mrr:.3f} | **{r.ndcg10:.3f}** | "
            f"[{r.ndcg10_ci[0]:.3f}, {r.ndcg10_ci[1]:.3f}] | {r.seconds:.1f} s |"
        )
        print(protocol, r.as_dict(), flush=True)
    return "\n".join(lines)


def lee_table(data: Path) -> str:
    lines = [
        "**Lee et al. (2005)** — 50 documents, 1,225 rated pairs; trained on all 350 documents",
        "",
        "| method | Pearson | Spearman | time |",
        "|---|---:|---:|---:|",
    ]
    for method in METHODS:
        start = time.perf_counter()
        try:
            pearson, spearman = lee(data, method)
        except ValueError as e:
            lines.append(f"| {method} | {e} | | |")
            continue
        lines.append(f"| {method} | **{pearson:.3f}** | {spearman:.3f} | {time.perf_counter() - start:.1f} s |")
        print("lee", method, round(pearson, 3), round(spearman, 3), flush=True)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vault", type=Path, default=ROOT.parent / "shared/vaults/obsidian-help-en")
    parser.add_argument("--lee", type=Path, default=ROOT.parent / "shared/data/lee")
    args = parser.parse_args()
    parts = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, Python {platform.python_version()}, "
        f"by `python benchmarks/quality.py`.",
        protocol_table(args.vault, "A"),
        protocol_table(args.vault, "A2"),
        lee_table(args.lee),
    ]
    replace_between(DOC, BEGIN, END, "\n\n".join(parts))


if __name__ == "__main__":
    main()
