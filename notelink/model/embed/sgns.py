"""Skip-gram with negative sampling (word2vec), batched, in PyTorch.

For every word of a note, the words within a random window of it (1..``window``)
are its contexts. The model learns an input vector per word and an output vector
per word such that σ(in[w]·out[c]) is high for real (word, context) pairs and low for
``negative`` words drawn from the unigram distribution raised to 0.75 (a batch
shares its noise words, so the noise terms are matrix products, not gathers).

Unlike the seed note's loop (one example per optimiser step), pairs are generated
for a whole epoch at once with numpy (no Python lists) and trained in batches of
thousands, with the gradients written by hand and applied with ``index_add_``
(:mod:`notelink.model.embed.sgd`). Frequent words are subsampled as in word2vec. A corpus of
``SHARD_MIN_TOKENS`` tokens or more trains as two halves of its notes on two threads, merged
in a fixed order (see :func:`_round`). Everything random comes from ``seed`` and torch runs each
step on one thread, so a vault and a seed always give the same vectors.

>>> from notelink.model.vocab import Vocabulary
>>> docs_tokens = [["cat", "sat", "mat"], ["dog", "sat", "log"]] * 50
>>> vocab = Vocabulary.build(docs_tokens, min_count=1)
>>> vectors = SGNS(dim=8, seed=1, epochs=2).fit([vocab.encode(d) for d in docs_tokens], vocab)
>>> vectors.shape, str(vectors.dtype)
((5, 8), 'float32')
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from notelink.model.embed.base import WordEmbedder, register
from notelink.model.vocab import Vocabulary
from notelink.progress import OnProgress


def auto_epochs(
    n_tokens: int, target: int = 1_500_000, low: int = 5, high: int = 60, budget: int = 8_000_000, floor: int = 2
) -> int:
    """Passes over the corpus. Small vaults get more, so that every word is seen often
    enough (``target`` tokens in all, at least ``low`` passes); a large corpus stops at
    ``budget`` tokens (never fewer than ``floor`` passes): on a large corpus, fewer
    passes rank held-out links as well as more and take a fraction of the time
    (docs/performance.md).

    >>> [auto_epochs(n) for n in (10_000, 100_000, 1_000_000, 2_000_000, 4_200_000, 20_000_000)]
    [60, 15, 5, 4, 2, 2]
    """
    if n_tokens <= 0:
        return low
    small = math.ceil(target / n_tokens)
    large = math.ceil(budget / n_tokens)
    return int(min(high, max(floor, small, min(low, large))))


def skipgram_pairs(
    ids: np.ndarray, doc: np.ndarray, window: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(center, context) pairs within a random window, never across notes.

    >>> c, x = skipgram_pairs(np.array([0, 1, 2]), np.array([0, 0, 1]), 2, np.random.default_rng(0))
    >>> sorted(zip(c.tolist(), x.tolist()))
    [(0, 1), (1, 0)]
    """
    reach = rng.integers(1, window + 1, size=len(ids))
    centers, contexts = [], []
    for d in range(1, window + 1):
        if d >= len(ids):
            break
        same = doc[:-d] == doc[d:]
        fwd = same & (reach[:-d] >= d)
        bwd = same & (reach[d:] >= d)
        centers += [ids[:-d][fwd], ids[d:][bwd]]
        contexts += [ids[d:][fwd], ids[:-d][bwd]]
    if not centers:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(centers), np.concatenate(contexts)


@register
class SGNS(WordEmbedder):
    name = "sgns"

    def __init__(
        self,
        dim: int = 100,
        seed: int = 0,
        window: int = 5,
        negative: int = 5,
        shared_negatives: int = 16,
        epochs: int | None = None,
        batch_size: int = 1024,
        lr: float = 0.025,
        sample: float = 1e-3,
        threads: int = 1,
        workers: int | None = None,
        matryoshka: tuple[int, ...] = (),
        **params: Any,
    ) -> None:
        super().__init__(dim=dim, seed=seed, **params)
        self.matryoshka = matryoshka
        self.window, self.negative, self.epochs = window, negative, epochs
        self.shared_negatives = shared_negatives
        self.batch_size, self.lr, self.sample, self.threads = batch_size, lr, sample, threads
        # Python threads running the two shards of a large corpus (the vectors do not depend on it)
        self.workers = min(2, os.cpu_count() or 1) if workers is None else workers

    def fit(self, docs: list[np.ndarray], vocab: Vocabulary, progress: OnProgress | None = None) -> np.ndarray:
        import torch

        n_words = len(vocab)
        if n_words == 0:
            return np.zeros((0, self.dim), np.float32)
        old_threads = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            return self._fit(torch, docs, vocab, progress)
        finally:
            torch.set_num_threads(old_threads)

    def _fit(self, torch: Any, docs: list[np.ndarray], vocab: Vocabulary, progress: OnProgress | None) -> np.ndarray:
        gen = torch.Generator().manual_seed(self.seed)
        n_words, dim = len(vocab), self.dim
        # int32 throughout: the corpus-sized arrays take half the memory of int64
        ids = np.concatenate(docs).astype(np.int32, copy=False) if docs else np.zeros(0, np.int32)
        doc = np.repeat(np.arange(len(docs), dtype=np.int32), [len(d) for d in docs])
        epochs = self.epochs or auto_epochs(len(ids))

        w_in = (torch.rand(n_words, dim, generator=gen) - 0.5) / dim
        w_out = torch.zeros(n_words, dim)
        keep = vocab.keep_probability(self.sample)
        # At least ~64 steps an epoch: a small vault gets smaller batches, not fewer steps.
        pairs = float(np.bincount(ids, minlength=n_words) @ keep) * (self.window + 1)
        run = _Run(
            model=self,
            ids=ids,
            doc=doc,
            keep=keep,
            noise=torch.from_numpy(vocab.counts.astype(np.float64) ** 0.75).float(),
            batch=int(np.clip(pairs / 64, 256, self.batch_size)),
            total=max(1, epochs * len(ids)),
            nested=sorted({m for m in self.matryoshka if 0 < m < dim} | {dim}),
        )
        ends = np.cumsum([len(d) for d in docs])
        if len(ids) < SHARD_MIN_TOKENS:
            shards = [_Shard(run, np.random.default_rng(self.seed), gen, _chunks(ends, CHUNK_TOKENS))]
        else:  # two halves of the notes, each with its own random state
            half = int(ends[int(np.searchsorted(ends, len(ids) // 2))])
            parts = [_chunks(ends[ends <= half], CHUNK_TOKENS), _chunks(ends[ends > half] - half, CHUNK_TOKENS)]
            parts[1] = [(lo + half, hi + half) for lo, hi in parts[1]]
            shards = [
                _Shard(
                    run, np.random.default_rng([self.seed, i]), torch.Generator().manual_seed(2 * self.seed + i + 1), c
                )
                for i, c in enumerate(parts)
            ]
        pool = ThreadPoolExecutor(len(shards) - 1) if len(shards) > 1 and self.workers > 1 else None
        copies = [(torch.empty_like(w_in), torch.empty_like(w_out)) for _ in shards] if len(shards) > 1 else []
        try:
            self._epochs(w_in, w_out, shards, copies, pool, epochs, run.total, progress)
        finally:
            if pool is not None:
                pool.shutdown()
        return w_in.numpy().astype(np.float32, copy=True)

    def _epochs(
        self,
        w_in: Any,
        w_out: Any,
        shards: list[_Shard],
        copies: list[tuple[Any, Any]],
        pool: ThreadPoolExecutor | None,
        epochs: int,
        total: int,
        progress: OnProgress | None,
    ) -> None:
        """The epochs, a round of steps at a time, with progress after each round."""
        reported = -1.0
        for epoch in range(epochs):
            for shard in shards:
                shard.start(epoch)
            while True:
                if len(shards) == 1:
                    moved = shards[0].advance(w_in, w_out, ROUND_STEPS)
                else:
                    moved = _round(w_in, w_out, shards, copies, pool)
                done = sum(s.tokens_done for s in shards) / total
                if progress is not None and done != reported:
                    reported = done
                    progress(done)
                if not moved:
                    break


CHUNK_TOKENS = 1 << 18
SHARD_MIN_TOKENS = 1 << 20  # below this, one shard on the shared tables (a small corpus is quick as it is)
ROUND_STEPS = 128  # steps each shard takes on its own copy of the tables between merges


def _chunks(ends: np.ndarray, size: int) -> list[tuple[int, int]]:
    """(start, end) token offsets of runs of whole notes (``ends``: where each note
    ends), at most ``size`` tokens each unless one note alone is longer.

    >>> _chunks(np.array([3, 5, 9, 10]), 4), _chunks(np.array([9]), 4)
    ([(0, 3), (3, 5), (5, 9), (9, 10)], [(0, 9)])
    """
    out, start = [], 0
    while len(ends) and start < ends[-1]:
        i = int(np.searchsorted(ends, start + size, side="right"))
        if i == 0 or ends[i - 1] <= start:
            i = int(np.searchsorted(ends, start, side="right")) + 1
        end = int(ends[i - 1])
        out.append((start, end))
        start = end
    return out


@dataclass
class _Run:
    """What every step of one fit shares."""

    model: SGNS
    ids: np.ndarray  # the corpus's word ids, note after note
    doc: np.ndarray  # the note each id belongs to
    keep: np.ndarray  # each word's subsampling keep probability
    noise: Any  # unigram^0.75 weights (a torch tensor)
    batch: int  # pairs per step
    total: int  # tokens × epochs, for the learning-rate schedule
    nested: list[int]  # Matryoshka prefixes (the full dimension alone without)


class _Shard:
    """A run of notes (chunks of token offsets) with its own random state, taken
    through an epoch a few steps at a time by :meth:`advance`."""

    def __init__(self, run: _Run, rng: np.random.Generator, gen: Any, chunks: list[tuple[int, int]]) -> None:
        self.run, self.rng, self.gen, self.chunks = run, rng, gen, chunks
        self.tokens_done = 0

    def start(self, epoch: int) -> None:
        self.epoch, self.todo, self.pairs = epoch, iter(self.chunks), None

    def _next_chunk(self) -> bool:
        import torch

        run, m = self.run, self.run.model
        while True:
            nxt = next(self.todo, None)
            if nxt is None:
                return False
            lo, hi = nxt
            # Pairs for a chunk of whole notes at a time: memory stays flat at any size.
            kept = self.rng.random(hi - lo) < run.keep[run.ids[lo:hi]]
            centers, contexts = skipgram_pairs(run.ids[lo:hi][kept], run.doc[lo:hi][kept], m.window, self.rng)
            if len(centers):
                break
            self.tokens_done += hi - lo  # no pair in this chunk (every word subsampled away)
        order = torch.randperm(len(centers), generator=self.gen)
        self.pairs = (
            torch.from_numpy(centers.astype(np.int64)).index_select(0, order),
            torch.from_numpy(contexts.astype(np.int64)).index_select(0, order),
        )
        self.chunk, self.step, self.steps = (lo, hi), 0, -(-len(centers) // run.batch)
        return True

    def advance(self, w_in: Any, w_out: Any, max_steps: int) -> bool:
        """Up to ``max_steps`` steps on ``w_in``/``w_out``; False if the epoch was already done."""
        import torch

        from notelink.model.embed.sgd import STEPS

        run, m = self.run, self.run.model
        left = max_steps
        while left > 0:
            if self.pairs is None and not self._next_chunk():
                return left < max_steps
            (lo, hi), first = self.chunk, self.step
            n = min(left, self.steps - first)
            pairs = max(1, len(self.pairs[0]))
            start = self.epoch * len(run.ids) + lo
            lrs = [
                m.lr * max(1e-4, 1.0 - (start + (hi - lo) * (k * run.batch) / pairs) / run.total)
                for k in range(first, first + n)
            ]
            negs = torch.multinomial(run.noise, n * m.shared_negatives, replacement=True, generator=self.gen)
            c, x = (p[first * run.batch : (first + n) * run.batch] for p in self.pairs)
            weight = m.negative / m.shared_negatives
            STEPS(w_in, w_out, c, x, negs.view(n, m.shared_negatives), lrs, run.batch, weight, run.nested)
            self.step += n
            left -= n
            if self.step >= self.steps:
                self.pairs = None
                self.tokens_done += hi - lo
        return True


def _round(
    w_in: Any, w_out: Any, shards: list[_Shard], copies: list[tuple[Any, Any]], pool: ThreadPoolExecutor | None
) -> bool:
    """Each shard takes ``ROUND_STEPS`` steps on its own copy of the tables, then the
    copies are merged: table += Σ (copy − table), in shard order. False once every
    shard's epoch is done.

    What a shard computes depends only on the tables at the start of the round and
    its own random state, and the merge is a fixed sum, so the vectors are the same
    to the bit whether the shards run on threads of ``pool`` or one after the other.
    """
    moved = [False] * len(shards)

    def go(i: int) -> None:
        a_in, a_out = copies[i]
        a_in.copy_(w_in)
        a_out.copy_(w_out)
        moved[i] = shards[i].advance(a_in, a_out, ROUND_STEPS)

    others = [pool.submit(go, i) for i in range(1, len(shards))] if pool is not None else []
    for i in [0] if pool is not None else range(len(shards)):
        go(i)
    for f in others:
        f.result()
    for k, table in enumerate((w_in, w_out)):
        table.mul_(-(len(shards) - 1))
        for copy in copies:
            table.add_(copy[k])
    return any(moved)
