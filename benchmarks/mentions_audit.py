"""Which one-word names only their own spelling mentions (``SO``, ``Go``, ``MaaS``), and
how many notes the case-folded name would have "mentioned" against how many write it so;
then the names mentioned by the most notes, with how many of the notes naming them link
them (the hybrid's ``anchor`` signal, rank/mentions.py).

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
                    text = " ".join(index.fold(w) for w in rec.plain_text().split())  # as names are matched
                    if i != j and f" {' '.join(phrase)} " in f" {text} ":
                        folded += 1
                        kept += spelled in set(rec.cased)
                if folded:
                    out.append((spelled, index.order[j], folded, kept))
        return sorted(out, key=lambda row: (-row[2], row[1]))


def anchors(root: Path) -> list[tuple[str, int, int, float]]:
    """(note, notes naming it, notes linking it by a name, link probability), most named first."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(root, Options(method="tfidf"), cache_dir=tmp)
        engine.refresh()
        index = engine.index()
        linked, named = index.anchor_counts
        share = index.link_share(linked, named)
        rows = [(index.order[j], int(named[j]), int(linked[j]), float(share[j])) for j in range(len(index))]
        return sorted(rows, key=lambda r: (-(r[1] - r[2]), r[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    rows = audit(args.vault)
    print(f"{sum(r[2] for r in rows)} folded matches of such names, {sum(r[3] for r in rows)} written so")
    for spelled, rel, folded, kept in rows[: args.top]:
        print(f"{spelled:12} {rel[:60]:60} folded {folded:5}  written so {kept:5}")
    rows = anchors(args.vault)
    low = [r for r in rows if r[1] >= 5 and r[3] < 0.2]
    print(f"named by 5+ notes and linked where named less than 1 time in 5: {len(low)} of {len(rows)} notes")
    for rel, named, linked, p in rows[: args.top]:
        print(f"{rel[:60]:60} named in {named:4} notes, linked by name in {linked:4}: {p:.2f}")


if __name__ == "__main__":
    main()
