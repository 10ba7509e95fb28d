"""Compact vectors: quality and ranking cost against dimensions (Matryoshka) and bits.

    python benchmarks/compact.py [--vault ../shared/vaults/obsidian-help-en] [--notes 20000]

1. Quality: protocol A nDCG@10 of the sgns method trained with the Matryoshka loss,
   ranked with the first 16/32/64/100 dimensions, and with binary vectors (sign bits,
   Hamming distance, the best 100 reranked by cosine).
2. Cost: top-10 for every note of a synthetic set of ``--notes`` vectors (clustered,
   100 dimensions): wall time and the memory the vectors take, per variant.

Writes the tables into docs/quality.md (between the COMPACT markers).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from notelink.evaluate import evaluate
from notelink.model.textvec import unit_rows
from notelink.rank import binary
from notelink.rank.topk import top_k

from docs_section import replace_between

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "quality.md"
BEGIN, END = "<!-- COMPACT:BEGIN -->", "<!-- COMPACT:END -->"
DIMS = (16, 32, 64, 100)


def quality(vault: Path) -> str:
    lines = [
        f"**Quality** (`notelink evaluate {os.path.relpath(vault, ROOT)} --method sgns --dims N [--binary]`, "
        "protocol A)",
        "",
        "| vectors | nDCG@10 | 95% CI | Recall@10 |",
        "|---|---:|---|---:|",
    ]
    plain = evaluate(vault, ["sgns"], "A")[0]
    lines.append(f"| 100 float dims, plain SGNS | {plain.ndcg10:.3f} | [{plain.ndcg10_ci[0]:.3f}, "
                 f"{plain.ndcg10_ci[1]:.3f}] | {plain.recall10:.3f} |")  # fmt: skip
    for dims in DIMS:
        for kind, use_binary, rerank in (
            (f"{dims} float dims", False, 0),
            (f"{dims} bits, Hamming only", True, 0),
            (f"{dims} bits + top-20 cosine rerank", True, 20),
        ):
            r = evaluate(vault, ["sgns"], "A", dims=dims, use_binary=use_binary, rerank=rerank)[0]
            lines.append(
                f"| {kind}, Matryoshka | {r.ndcg10:.3f} | [{r.ndcg10_ci[0]:.3f}, {r.ndcg10_ci[1]:.3f}] "
                f"| {r.recall10:.3f} |"
            )
            print(kind, r.as_dict(), flush=True)
    return "\n".join(lines)


def synthetic(n: int, dim: int = 100, clusters: int = 200, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((clusters, dim)).astype(np.float32)
    labels = rng.integers(0, clusters, n)
    return unit_rows(centers[labels] + 0.8 * rng.standard_normal((n, dim)).astype(np.float32))


def cost(n: int) -> str:
    vectors = synthetic(n)
    exclude = [set() for _ in range(n)]
    lines = [
        f"**Cost**: top-10 for each of {n:,} synthetic notes, one thread (`python benchmarks/compact.py --notes {n}`). "
        "Overlap: share of the top-10 that binary ranking keeps from cosine ranking at the same dimensions.",
        "",
        "| dims | float32 memory | float32 time | bits memory | bits, Hamming only: time, overlap "
        "| bits + rerank 20 by cosine: time, overlap |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for dims in DIMS:
        v = unit_rows(vectors[:, :dims])
        start = time.perf_counter()
        exact = [{j for j, _ in row} for row in top_k(v, 10, exclude)]
        t_float = time.perf_counter() - start
        bits = binary.pack(v)
        cells = []
        for rerank in (0, 20):
            start = time.perf_counter()
            ranked = binary.rank_rows(v, bits, list(range(n)), rerank, exclude, limit=10)
            took = time.perf_counter() - start
            overlap = np.mean(
                [len(set(notes[:10].tolist()) & e) / 10 for (notes, _), e in zip(ranked, exact, strict=True)]
            )
            cells.append(f"{took:.1f} s, {overlap:.2f}")
        memory = f"{v.nbytes / 1e6:.1f} MB | {t_float:.1f} s | {bits.nbytes / 1e6:.2f} MB"
        lines.append(f"| {dims} | {memory} | {cells[0]} | {cells[1]} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vault", type=Path, default=ROOT.parent / "shared/vaults/obsidian-help-en")
    parser.add_argument("--notes", type=int, default=20_000)
    args = parser.parse_args()
    replace_between(DOC, BEGIN, END, "\n\n".join([quality(args.vault), cost(args.notes)]))


if __name__ == "__main__":
    main()
