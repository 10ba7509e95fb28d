"""Skip-gram with negative sampling (word2vec), batched, in PyTorch.

For every word of a note, the words within a random window of it (1..``window``)
are its contexts. The model learns an input vector per word and an output vector
per word such that σ(in[w]·out[c]) is high for real (word, context) pairs and low for
``negative`` words drawn from the unigram distribution raised to 0.75 (a batch
shares its noise words, so the noise terms are matrix products, not gathers).

Unlike the seed note's loop (one example per optimiser step), pairs are generated
for a whole epoch at once with numpy (no Python lists) and trained in batches of
thousands, with the gradients written by hand and applied with ``index_add_``. Frequent words are subsampled as in
word2vec. Everything random comes from ``seed``, and torch runs on one thread, so a
vault and a seed always give the same vectors.

>>> from notelink.vocab import Vocabulary
>>> docs_tokens = [["cat", "sat", "mat"], ["dog", "sat", "log"]] * 50
>>> vocab = Vocabulary.build(docs_tokens, min_count=1)
>>> vectors = SGNS(dim=8, seed=1, epochs=2).fit([vocab.encode(d) for d in docs_tokens], vocab)
>>> vectors.shape, str(vectors.dtype)
((5, 8), 'float32')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from notelink.embed.base import Progress, WordEmbedder, register
from notelink.vocab import Vocabulary


def auto_epochs(n_tokens: int, target: int = 1_500_000, low: int = 5, high: int = 60) -> int:
    """Small vaults get more passes so that every word is seen often enough.

    >>> auto_epochs(10_000), auto_epochs(100_000), auto_epochs(10_000_000)
    (60, 15, 5)
    """
    if n_tokens <= 0:
        return low
    return int(min(high, max(low, math.ceil(target / n_tokens))))


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
        matryoshka: tuple[int, ...] = (),
        **params: Any,
    ) -> None:
        super().__init__(dim=dim, seed=seed, **params)
        self.matryoshka = matryoshka
        self.window, self.negative, self.epochs = window, negative, epochs
        self.shared_negatives = shared_negatives
        self.batch_size, self.lr, self.sample, self.threads = batch_size, lr, sample, threads

    def fit(self, docs: list[np.ndarray], vocab: Vocabulary, progress: Progress | None = None) -> np.ndarray:
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

    def _fit(self, torch: Any, docs: list[np.ndarray], vocab: Vocabulary, progress: Progress | None) -> np.ndarray:
        rng = np.random.default_rng(self.seed)
        gen = torch.Generator().manual_seed(self.seed)
        n_words, dim = len(vocab), self.dim
        # int32 throughout (a 50,000-note vault has ~22 M tokens: 87 MB an array, not 175)
        ids = np.concatenate(docs).astype(np.int32, copy=False) if docs else np.zeros(0, np.int32)
        doc = np.repeat(np.arange(len(docs), dtype=np.int32), [len(d) for d in docs])
        epochs = self.epochs or auto_epochs(len(ids))

        w_in = (torch.rand(n_words, dim, generator=gen) - 0.5) / dim
        w_out = torch.zeros(n_words, dim)
        noise = torch.from_numpy(vocab.counts.astype(np.float64) ** 0.75).float()
        keep = vocab.keep_probability(self.sample)
        bounds = _chunks(np.cumsum([len(d) for d in docs]), CHUNK_TOKENS)
        # At least ~64 steps an epoch: a small vault gets smaller batches, not fewer steps.
        pairs = float(np.bincount(ids, minlength=n_words) @ keep) * (self.window + 1)
        batch = int(np.clip(pairs / 64, 256, self.batch_size))

        nested = tuple(sorted({m for m in self.matryoshka if 0 < m < dim} | {dim}))
        total = max(1, epochs * len(ids))
        for epoch in range(epochs):
            for lo, hi in bounds:
                # Pairs for a chunk of whole notes at a time: memory stays flat at any size.
                kept = rng.random(hi - lo) < keep[ids[lo:hi]]
                centers, contexts = skipgram_pairs(ids[lo:hi][kept], doc[lo:hi][kept], self.window, rng)
                order = torch.randperm(len(centers), generator=gen)
                centers_t = torch.from_numpy(centers.astype(np.int64)).index_select(0, order)
                contexts_t = torch.from_numpy(contexts.astype(np.int64)).index_select(0, order)
                for b in range(0, len(order), batch):
                    done = (epoch * len(ids) + lo + (hi - lo) * b / max(1, len(order))) / total
                    lr = self.lr * max(1e-4, 1.0 - done)
                    c, x = centers_t[b : b + batch], contexts_t[b : b + batch]
                    negs = torch.multinomial(noise, self.shared_negatives, replacement=True, generator=gen)
                    _sgd_step(torch, w_in, w_out, c, x, negs, self.negative / self.shared_negatives, lr, nested)
                if progress is not None:
                    progress((epoch * len(ids) + hi) / total)
        return w_in.numpy().astype(np.float32, copy=True)


CHUNK_TOKENS = 1 << 18


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


def _sgd_step(
    torch: Any, w_in: Any, w_out: Any, c: Any, x: Any, negs: Any, weight: float, lr: float, nested: tuple[int, ...]
) -> None:
    """One batched SGD step of the negative-sampling loss, gradients written by hand.

    The batch shares one set of noise words ``negs`` (M of them), each weighted by
    ``weight`` = negative / M, so every pair still sees ``negative`` noise words in
    expectation while the noise terms become matrix products:
    loss = -log σ(v·u) - weight · Σ_m log σ(-v·n_m), for v = in[c], u = out[x], n = out[negs].

    Matryoshka: the loss is averaged over the prefixes in ``nested`` (e.g. the first 16,
    32, 64 and all dimensions), so each prefix is a word vector on its own.

    Batches are 1,024 pairs with 16 noise words: with 2,048 or 4,096 pairs per batch (64
    noise words) the noise words' summed updates wrecked the vectors of a 10,000-note
    vault (topic precision 0.10 instead of 0.75 in benchmarks/train_throughput.py).

    Speed (one core): rows are gathered with ``index_select`` and the step size is
    folded into the two small gradient factors, so ``index_add_`` runs without
    ``alpha`` (each 4-5× faster than the alternatives, measured in the PR).
    """
    v, u, n = w_in.index_select(0, c), w_out.index_select(0, x), w_out.index_select(0, negs)
    step = -lr / len(nested)  # the mean of the prefix losses, so the step size stays as without nesting
    if len(nested) == 1:
        g_pos = (torch.sigmoid((v * u).sum(-1, keepdim=True)) - 1.0).mul_(step)  # step · d loss / d (v·u)
        g_neg = torch.sigmoid(v @ n.T).mul_(step * weight)  # step · d loss / d (v·n_m), shape (B, M)
        grad_v = torch.addmm(g_pos * u, g_neg, n)
        grad_u = g_pos * v
        grad_n = g_neg.T @ v
    else:
        grad_v, grad_u, grad_n = torch.zeros_like(v), torch.zeros_like(u), torch.zeros_like(n)
        for m in nested:
            vm, um, nm = v[:, :m], u[:, :m], n[:, :m]
            g_pos = (torch.sigmoid((vm * um).sum(-1, keepdim=True)) - 1.0).mul_(step)
            g_neg = torch.sigmoid(vm @ nm.T).mul_(step * weight)
            grad_v[:, :m] += g_pos * um + g_neg @ nm
            grad_u[:, :m] += g_pos * vm
            grad_n[:, :m] += g_neg.T @ vm
    w_out.index_add_(0, x, grad_u)
    w_out.index_add_(0, negs, grad_n)
    w_in.index_add_(0, c, grad_v)
