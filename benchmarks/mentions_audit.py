"""Which one-word names only their own spelling mentions (``SO``, ``Go``, ``MaaS``), and
how many notes the case-folded name would have "mentioned" against how many write it so.

    python benchmarks/mentions_audit.py ../shared/vaults/jzhao-en [--top 15]

Reads the vault into a temporary cache (nothing is written to the vault).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from notelink.sync.engine import Engine, Options


def audit(root: Path) -> list[tuple[str, str, int, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(root, Options(method="tfidf"), cache_dir=tmp)
        engine.refresh()
        index = engine.index()
        out = []
        for j, exact in enumerate(index.exact_names):
            for phrase, spelled in exact.items():
                folded = kept = 0
                for i, rec in enumerate(index.records):
                    if i != j and f" {' '.join(phrase)} " in f" {rec.plain_text()} ":
                        folded += 1
                        kept += spelled in set(rec.cased)
                if folded:
                    out.append((spelled, index.order[j], folded, kept))
        return sorted(out, key=lambda row: (-row[2], row[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    rows = audit(args.vault)
    print(f"{sum(r[2] for r in rows)} folded matches of such names, {sum(r[3] for r in rows)} written so")
    for spelled, rel, folded, kept in rows[: args.top]:
        print(f"{spelled:12} {rel[:60]:60} folded {folded:5}  written so {kept:5}")


if __name__ == "__main__":
    main()
