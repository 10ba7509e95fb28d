"""The seed note's ``SimpleEmbeddingModel``: an embedding table and a linear layer over
the whole vocabulary, trained with cross-entropy to predict a context word from a
center word — in batches, with Adam.

Every step computes a score for every vocabulary word, so the cost grows with the
vocabulary: above ``MAX_VOCAB`` words it refuses (use ``sgns``, which samples a few
noise words instead).

>>> from notelink.model.vocab import Vocabulary
>>> docs = [["cat", "sat", "mat"], ["dog", "sat", "log"]] * 20
>>> vocab = Vocabulary.build(docs, min_count=1)
>>> SoftmaxEmbedder(dim=4, seed=0, epochs=1).fit([vocab.encode(d) for d in docs], vocab).shape
(5, 4)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from notelink.model.embed.base import WordEmbedder, register
from notelink.model.embed.sgns import auto_epochs, skipgram_pairs
from notelink.model.vocab import Vocabulary
from notelink.progress import OnProgress

MAX_VOCAB = 20_000


@register
class SoftmaxEmbedder(WordEmbedder):
    name = "softmax"

    def __init__(self, dim: int = 100, seed: int = 0, window: int = 5, epochs: int | None = None,
                 batch_size: int = 1024, lr: float = 0.01, sample: float = 1e-3, threads: int = 1,
                 **params: Any) -> None:  # fmt: skip
        super().__init__(dim=dim, seed=seed, **params)
        self.window, self.epochs, self.batch_size = window, epochs, batch_size
        self.lr, self.sample, self.threads = lr, sample, threads

    def fit(self, docs: list[np.ndarray], vocab: Vocabulary, progress: OnProgress | None = None) -> np.ndarray:
        import torch

        n_words = len(vocab)
        if n_words > MAX_VOCAB:
            raise ValueError(
                f"softmax: the vocabulary has {n_words:,} words, over its {MAX_VOCAB:,}-word limit "
                "(every step scores the whole vocabulary); use sgns"
            )
        if n_words == 0:
            return np.zeros((0, self.dim), np.float32)
        old = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            torch.manual_seed(self.seed)
            rng = np.random.default_rng(self.seed)
            embeddings = torch.nn.Embedding(n_words, self.dim)
            linear = torch.nn.Linear(self.dim, n_words)
            with torch.no_grad():  # small start, as word2vec: torch's N(0, 1) would drown what is learned
                embeddings.weight.uniform_(-0.5 / self.dim, 0.5 / self.dim)
            opt = torch.optim.Adam([*embeddings.parameters(), *linear.parameters()], lr=self.lr)
            loss_fn = torch.nn.CrossEntropyLoss()
            ids = np.concatenate(docs).astype(np.int64) if docs else np.zeros(0, np.int64)
            doc = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
            keep = vocab.keep_probability(self.sample)
            # Each step costs batch × dim × vocabulary: fewer passes than sgns.
            epochs = self.epochs or auto_epochs(len(ids), target=200_000, low=2, high=30)
            for epoch in range(epochs):
                kept = rng.random(len(ids)) < keep[ids]
                centers, contexts = skipgram_pairs(ids[kept], doc[kept], self.window, rng)
                order = rng.permutation(len(centers))
                c_all, x_all = torch.from_numpy(centers[order]), torch.from_numpy(contexts[order])
                for b in range(math.ceil(len(order) / self.batch_size)):
                    sl = slice(b * self.batch_size, (b + 1) * self.batch_size)
                    loss = loss_fn(linear(embeddings(c_all[sl])), x_all[sl])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                if progress is not None:
                    progress((epoch + 1) / epochs)
            return embeddings.weight.detach().numpy().astype(np.float32, copy=True)
        finally:
            torch.set_num_threads(old)
