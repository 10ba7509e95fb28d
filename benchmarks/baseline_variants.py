"""Variants of the two baselines, to explain how they differ from other implementations.

    python benchmarks/baseline_variants.py VAULT [--protocol A]

On the protocol's split, ranks the query notes by variants of Adamic–Adar (ties by
index or by TF-IDF; the notes linking to the query first) and of "title mention +
TF-IDF" (which names count: title, file name, aliases; in the prose or anywhere in
the raw text, links and frontmatter included; case-folded or not), and prints each
variant's nDCG@10 and Recall@10. Rankings are lexicographic: the first key, then
TF-IDF cosine, then the note's index.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy import sparse

from notelink.evaluate import Split, make_split, score
from notelink.rank.index import VaultIndex
from notelink.sync.engine import Engine, Options
from notelink.text.links import stem
from notelink.text.tokens import name_tokens


def named(index: VaultIndex, rows: list[int], names: Callable[[int], list[str]], text: Callable[[int], str],
          cased: bool) -> np.ndarray:  # fmt: skip
    """1 where the text of note rows[r] holds a name of note j as whole words."""
    out = np.zeros((len(rows), len(index)))
    for r, i in enumerate(rows):
        body = text(i)
        for j in range(len(index)):
            pats = [re.escape(n) for n in names(j) if n]
            if j != i and pats and re.search(rf"(?<!\w)(?:{'|'.join(pats)})(?!\w)", body, 0 if cased else re.I):
                out[r, j] = 1
    return out


def variants(index: VaultIndex, rows: list[int], copy: Path) -> dict[str, np.ndarray]:
    und = index.undirected
    aa = np.asarray((sparse.csr_matrix(und[rows].multiply(index.inv_log_degree[None, :])) @ und).toarray())
    raw = lambda i: (copy / index.order[i]).read_text(encoding="utf-8")  # noqa: E731
    file_name = lambda j: [stem(index.order[j])]  # noqa: E731
    prose = lambda i: " ".join(index.records[i].plain_text().split())  # noqa: E731
    words = lambda names: [" ".join(name_tokens(n)) for n in names]  # noqa: E731 -- as the prose is cut
    title = lambda j: words([index.records[j].title])  # noqa: E731
    with_aliases = lambda j: words([index.records[j].title, *index.records[j].aliases, stem(index.order[j])])  # noqa: E731
    return {
        "Adamic–Adar, ties by index (no TF-IDF)": aa * 1e6 - np.arange(len(index))[None, :],
        "Adamic–Adar, TF-IDF for ties and the rest (`adamic`)": aa,
        "notes linking to the query first, then Adamic–Adar, TF-IDF": aa + 1e6 * und[rows].toarray(),
        "file name in the raw text (links, frontmatter too), any case": named(index, rows, file_name, raw, False),
        "file name in the raw text, its own case": named(index, rows, file_name, raw, True),
        "title in the prose, any case": named(index, rows, title, prose, False),
        "title, aliases or file name in the prose, any case": named(index, rows, with_aliases, prose, False),
        "the index's mentions (`mention-tfidf`)": (index.mentions[rows].toarray() > 0).astype(float),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--protocol", default="A")
    args = parser.parse_args()
    split: Split = make_split(args.vault, args.protocol)
    with tempfile.TemporaryDirectory(prefix="notelink-variants-") as tmp:
        copy = Path(tmp) / "vault"
        shutil.copytree(args.vault, copy, symlinks=True, ignore=shutil.ignore_patterns(".git", ".trash"))
        for rel, text in split.texts.items():
            (copy / rel).write_bytes(text.encode("utf-8"))
        engine = Engine(copy, Options(method="tfidf"), cache_dir=str(Path(tmp) / "cache"))
        engine.refresh()
        index = engine.index()
        rows = [index.pos[q] for q in split.queries]
        cos = np.asarray((index.tfidf[rows] @ index.tfidf_t).toarray())
        n = len(index)
        print(f"| {args.vault.name}, protocol {args.protocol} | nDCG@10 | Recall@10 |\n|---|---:|---:|")
        for name, first in variants(index, rows, copy).items():
            ranked = {}
            for r, i in enumerate(rows):
                order = np.lexsort((np.arange(n), -cos[r], -first[r]))
                ranked[index.order[i]] = [index.order[j] for j in order if j != i]
            res = score(name, args.protocol, ranked, split, 0.0)
            print(f"| {name} | {res.ndcg10:.3f} | {res.recall10:.3f} |")


if __name__ == "__main__":
    main()
