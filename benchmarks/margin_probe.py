"""Where the hybrid loses to "title mention + TF-IDF", and which signals put other notes first.

    python benchmarks/margin_probe.py VAULT [--protocol A]

On the protocol's split, ranks every query note with ``hybrid`` and ``mention-tfidf``
and prints: the queries each wins (nDCG@10); for the held-out links that the
baseline puts in its top 10 and the hybrid does not, whether they are mentioned and
the mean contribution of each signal to the logit of the hit and of the notes the
hybrid ranked above it (``HybridModel.contributions``); and the fitted weights.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np

from notelink.evaluate import make_split, ndcg_at
from notelink.rank.signals import FEATURES, pair_features
from notelink.sync.engine import Engine, Options


def rankings(engine: Engine, queries: list[str]) -> dict[str, list[str]]:
    index = engine.index()
    rows = engine.scorer().rank([index.pos[q] for q in queries], len(index), [set() for _ in index.order], -np.inf)
    return {q: [index.order[j] for j, _ in row] for q, row in zip(queries, rows, strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--protocol", default="A")
    args = parser.parse_args()
    split = make_split(args.vault, args.protocol)
    with tempfile.TemporaryDirectory(prefix="notelink-probe-") as tmp:
        copy = Path(tmp) / "vault"
        shutil.copytree(args.vault, copy, symlinks=True, ignore=shutil.ignore_patterns(".git", ".trash"))
        for rel, text in split.texts.items():
            (copy / rel).write_bytes(text.encode("utf-8"))
        methods = ("hybrid", "mention-tfidf")
        engines = {m: Engine(copy, Options(method=m, seed=0), cache_dir=str(Path(tmp) / m)) for m in methods}
        for e in engines.values():
            e.refresh()
        queries = sorted(split.queries)
        ranked = {m: rankings(e, queries) for m, e in engines.items()}
        hybrid = engines["hybrid"]
        index, model = hybrid.index(), hybrid.scorer().model
        wins = {"hybrid": 0, "mention-tfidf": 0, "tie": 0}
        hit_x, above_x, mentioned = [], [], []
        for q in queries:
            held, kept = split.queries[q], split.remaining[q]
            orders = {m: [r for r in ranked[m][q] if r != q and r not in kept] for m in ranked}
            nd = {m: ndcg_at([int(r in held) for r in o], len(held)) for m, o in orders.items()}
            wins["tie" if abs(nd["hybrid"] - nd["mention-tfidf"]) < 1e-9 else max(nd, key=nd.get)] += 1
            for t in held:
                if t in orders["mention-tfidf"][:10] and t not in orders["hybrid"][:10]:
                    above = [r for r in orders["hybrid"][: orders["hybrid"].index(t)] if r not in held][:10]
                    a = np.full(len(above) + 1, index.pos[q])
                    b = np.array([index.pos[t], *(index.pos[r] for r in above)])
                    c = np.array([model.contributions(row) for row in pair_features(index, a, b)])
                    hit_x.append(c[0])
                    above_x.append(c[1:].mean(0))
                    mentioned.append(bool(index.mentions[index.pos[q], index.pos[t]] > 0))
        print(f"{args.vault.name} protocol {args.protocol}: {len(queries)} queries; better nDCG@10: {wins}")
        print(f"model: {model.describe()}")
        print(f"held-out links in the baseline's top 10, not the hybrid's: {len(hit_x)}, mentioned: {sum(mentioned)}")
        if hit_x:
            hit, above = np.mean(hit_x, 0), np.mean(above_x, 0)
            print("| signal | weight (standardised) | the missed link | the notes ranked above it |")
            print("|---|---:|---:|---:|")
            for f, name in enumerate(FEATURES):
                print(f"| {name} | {model.weights[f]:.2f} | {hit[f]:+.2f} | {above[f]:+.2f} |")
            print(f"| sum | | {hit.sum():+.2f} | {above.sum():+.2f} |")


if __name__ == "__main__":
    main()
