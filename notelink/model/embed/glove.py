"""GloVe (Pennington et al., 2014): count-based word vectors, fitted in torch.

First the vault's co-occurrence counts: within ``window`` words, a pair d words apart
adds 1/d, never across notes. Then vectors w, w̃ and biases b, b̃ are fitted so that
w_i·w̃_j + b_i + b̃_j ≈ log X_ij, each pair weighted by f(X) = min(1, (X/x_max)^0.75),
with AdaGrad over shuffled batches of the non-zero counts (x_max capped at the 99th
percentile of the vault's counts). The word vector is w + w̃.

>>> from notelink.model.vocab import Vocabulary
>>> docs = [["cat", "sat", "mat"], ["dog", "sat", "log"]] * 20
>>> vocab = Vocabulary.build(docs, min_count=1)
>>> GloVe(dim=4, seed=0, epochs=2).fit([vocab.encode(d) for d in docs], vocab).shape
(5, 4)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from notelink.model.embed.base import WordEmbedder, register
from notelink.model.vocab import Vocabulary
from notelink.progress import OnProgress


def cooccurrences(docs: list[np.ndarray], n_words: int, window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, col, count) of the symmetric co-occurrence matrix, weights 1/distance.

    >>> r, c, x = cooccurrences([np.array([0, 1, 2])], 3, 2)
    >>> sorted(zip(r.tolist(), c.tolist(), x.tolist()))
    [(0, 1, 1.0), (0, 2, 0.5), (1, 0, 1.0), (1, 2, 1.0), (2, 0, 0.5), (2, 1, 1.0)]
    """
    keys, vals = [], []
    for ids in docs:
        for d in range(1, window + 1):
            if d >= len(ids):
                break
            left, right = ids[:-d], ids[d:]
            keys += [left * n_words + right, right * n_words + left]
            vals += [np.full(len(left), 1.0 / d)] * 2
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    k = np.concatenate(keys)
    v = np.concatenate(vals)
    uniq, inverse = np.unique(k, return_inverse=True)
    counts = np.bincount(inverse, weights=v)
    return uniq // n_words, uniq % n_words, counts


@register
class GloVe(WordEmbedder):
    name = "glove"

    def __init__(self, dim: int = 100, seed: int = 0, window: int = 10, epochs: int | None = None,
                 batch_size: int = 8192, lr: float = 0.05, x_max: float = 100.0, alpha: float = 0.75,
                 threads: int = 1, **params: Any) -> None:  # fmt: skip
        super().__init__(dim=dim, seed=seed, **params)
        self.window, self.epochs, self.batch_size = window, epochs, batch_size
        self.lr, self.x_max, self.alpha, self.threads = lr, x_max, alpha, threads

    def fit(self, docs: list[np.ndarray], vocab: Vocabulary, progress: OnProgress | None = None) -> np.ndarray:
        import torch

        n = len(vocab)
        if n == 0:
            return np.zeros((0, self.dim), np.float32)
        old = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            gen = torch.Generator().manual_seed(self.seed)
            rows, cols, counts = cooccurrences(docs, n, self.window)
            i_t, j_t = torch.from_numpy(rows), torch.from_numpy(cols)
            log_x = torch.from_numpy(np.log(counts)).float()
            # x_max = 100 suits corpora of billions of words; in a vault almost every count
            # is far below it and would get a near-zero weight. Cap it at the counts' 99th
            # percentile, so the most frequent pairs still weigh 1.
            x_max = float(min(self.x_max, max(1.0, np.percentile(counts, 99)))) if len(counts) else self.x_max
            weight = torch.from_numpy(np.minimum(1.0, (counts / x_max) ** self.alpha)).float()
            scale = 0.5 / self.dim
            w = torch.nn.Parameter((torch.rand(n, self.dim, generator=gen) - 0.5) * scale * 2)
            wc = torch.nn.Parameter((torch.rand(n, self.dim, generator=gen) - 0.5) * scale * 2)
            b = torch.nn.Parameter(torch.zeros(n))
            bc = torch.nn.Parameter(torch.zeros(n))
            opt = torch.optim.Adagrad([w, wc, b, bc], lr=self.lr)
            epochs = self.epochs or (50 if len(counts) < 2_000_000 else 25)
            batch = self.batch_size
            for epoch in range(epochs):
                order = torch.randperm(len(counts), generator=gen)
                for s in range(math.ceil(len(counts) / batch)):
                    k = order[s * batch : (s + 1) * batch]
                    pred = (w[i_t[k]] * wc[j_t[k]]).sum(1) + b[i_t[k]] + bc[j_t[k]]
                    loss = (weight[k] * (pred - log_x[k]) ** 2).sum() / len(k)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                if progress is not None:
                    progress((epoch + 1) / epochs)
            return (w + wc).detach().numpy().astype(np.float32, copy=True)
        finally:
            torch.set_num_threads(old)
