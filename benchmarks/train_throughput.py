"""SGNS training throughput: notelink's trainer against gensim's Word2Vec, same run.

    python benchmarks/train_throughput.py [--notes 10000] [--epochs 5] [--workers 2] [--repeat 1]

Generates a vault (benchmarks/make_vault.py), tokenises it the way notelink does, and
trains skip-gram with negative sampling on the same token lists with the same
settings (dim 100, window 5, negative 5, min count 5, subsampling 1e-3, epochs):
notelink's trainer (a corpus this size trains as two shards, on ``--workers``
threads), then gensim with ``workers=1`` and ``workers=2``. Reports words/s
(in-vocabulary tokens × epochs / training seconds, the same count for both) and a
quality check on the generated topics: for each word that belongs to exactly one
topic, the share of its 10 nearest words (cosine, among such words) from the same
topic. With ``--repeat R`` the three trainers run R rounds in turn and each row
gives the median time (min–max); quality is from the first round. gensim is a
benchmark-only dependency (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from make_vault import make_vault  # noqa: E402

DIM, WINDOW, NEGATIVE, MIN_COUNT, SAMPLE = 100, 5, 5, 5, 1e-3


def corpus(n: int, seed: int) -> tuple[list[list[str]], dict[str, int]]:
    """The vault's notes as notelink's token lists, and each single-topic word's topic."""
    from notelink.vault.config import Config
    from notelink.vault.read import load_note
    from notelink.vault.scan import scan

    with tempfile.TemporaryDirectory(prefix="notelink-train-bench-") as tmp:
        root = Path(tmp) / "vault"
        make_vault(n, root, seed=seed)
        files, _ = scan(root, Config())
        docs, topic_words = [], {}
        for nf in files:
            loaded = load_note(nf, 1 << 30)
            docs.append(loaded.tokens)
            topic = int(nf.rel.split("/")[0].removeprefix("topic-"))
            for w in set(loaded.tokens):
                topic_words.setdefault(w, Counter())[topic] += 1
    # A topic's own word: at least 90% of the notes that use it are of one topic.
    owner = {}
    for w, c in topic_words.items():
        (t, k), total = c.most_common(1)[0], sum(c.values())
        if total >= 20 and k >= 0.9 * total:
            owner[w] = t
    return docs, owner


def neighbours(vectors: dict[str, np.ndarray], queries: list[str], k: int = 10) -> dict[str, list[str]]:
    """Each query word's k nearest words (cosine) in the whole vocabulary."""
    words = sorted(vectors)
    m = np.stack([vectors[w] for w in words]).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True) + 1e-12
    pos = {w: i for i, w in enumerate(words)}
    out = {}
    for start in range(0, len(queries), 512):
        block = queries[start : start + 512]
        sims = m[[pos[w] for w in block]] @ m.T
        for r, w in enumerate(block):
            sims[r, pos[w]] = -2
        best = np.argpartition(-sims, k, axis=1)[:, :k]
        out.update({w: [words[j] for j in best[r]] for r, w in enumerate(block)})
    return out


def topic_precision(near: dict[str, list[str]], owner: dict[str, int]) -> float:
    """The share of a topic word's nearest words that are words of its own topic
    (a shared, topic-less word among them counts as a miss)."""
    hits = sum(owner.get(n) == owner[w] for w, ns in near.items() for n in ns)
    return hits / sum(len(ns) for ns in near.values())


def agreement(a: dict[str, list[str]], b: dict[str, list[str]]) -> float:
    """Mean overlap of two models' nearest-word lists for the same queries."""
    return float(np.mean([len(set(a[w]) & set(b[w])) / len(a[w]) for w in a]))


def run_notelink(
    docs: list[list[str]], epochs: int, threads: int, workers: int
) -> tuple[float, dict[str, np.ndarray], int]:
    from notelink.model.embed.sgns import SGNS
    from notelink.model.vocab import Vocabulary

    vocab = Vocabulary.build(docs, min_count=MIN_COUNT)
    encoded = [vocab.encode(d) for d in docs]
    tokens = sum(len(e) for e in encoded)
    model = SGNS(dim=DIM, seed=1, window=WINDOW, negative=NEGATIVE, epochs=epochs, sample=SAMPLE,
                 threads=threads, workers=workers)  # fmt: skip
    start = time.perf_counter()
    vectors = model.fit(encoded, vocab)
    took = time.perf_counter() - start
    return took, {w: vectors[i] for i, w in enumerate(vocab.words)}, tokens


def run_gensim(docs: list[list[str]], epochs: int, workers: int) -> tuple[float, dict[str, np.ndarray]]:
    from gensim.models import Word2Vec

    model = Word2Vec(vector_size=DIM, window=WINDOW, negative=NEGATIVE, min_count=MIN_COUNT, sample=SAMPLE,
                     sg=1, workers=workers, seed=1, epochs=epochs)  # fmt: skip
    model.build_vocab(docs)
    start = time.perf_counter()
    model.train(docs, total_examples=len(docs), epochs=epochs)
    took = time.perf_counter() - start
    return took, {w: model.wv[w] for w in model.wv.index_to_key}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads for notelink's trainer")
    parser.add_argument("--workers", type=int, default=2, help="threads running notelink's two shards")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of all three trainers; medians reported")
    args = parser.parse_args()
    docs, owner = corpus(args.notes, args.seed)
    print(f"{len(docs):,} notes, {sum(map(len, docs)):,} tokens, {len(owner):,} topic words", flush=True)
    times: dict[str, list[float]] = {}
    runs = []
    for round_ in range(args.repeat):
        took, vectors, tokens = run_notelink(docs, args.epochs, args.threads, args.workers)
        this = [("notelink sgns", took, vectors)]
        for workers in (1, 2):
            t, v = run_gensim(docs, args.epochs, workers)
            this.append((f"gensim workers={workers}", t, v))
        for name, t, _ in this:
            times.setdefault(name, []).append(t)
            print(f"round {round_ + 1}: {name} {t:.1f} s", flush=True)
        runs = runs or this
    med = {name: float(np.median(ts)) for name, ts in times.items()}
    runs = [(name, med[name], v) for name, _, v in runs]
    queries = sorted(w for w in owner if all(w in v for _, _, v in runs))
    near = [neighbours(v, queries) for _, _, v in runs]
    words, g2 = tokens * args.epochs, runs[-1][1]
    print(f"\n`python benchmarks/train_throughput.py --notes {args.notes} --epochs {args.epochs} "
          f"--threads {args.threads} --workers {args.workers} --repeat {args.repeat}` "
          f"({tokens:,} in-vocabulary tokens × {args.epochs} epochs; {os.cpu_count()} cores; "
          f"{len(queries):,} topic words as queries; seconds: median of "
          f"{args.repeat} rounds, min–max)\n")  # fmt: skip
    print(
        "| trainer | seconds | words/s | × gensim workers=2 | topic precision@10 | neighbours shared with gensim w=2 |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for (name, t, _), nb in zip(runs, near, strict=True):
        spread = f" ({min(times[name]):.1f}–{max(times[name]):.1f})" if args.repeat > 1 else ""
        print(f"| {name} | {t:.1f}{spread} | {words / t:,.0f} | {g2 / t:.2f} | {topic_precision(nb, owner):.3f} "
              f"| {agreement(nb, near[-1]):.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
