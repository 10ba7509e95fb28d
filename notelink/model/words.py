"""The vault's word model: vocabulary, word vectors, and what note vectors need.

The querying side only (like gensim's ``KeyedVectors``): :mod:`notelink.model.train`
makes a :class:`Model`, :mod:`notelink.model.persist` keeps it in the cache.

>>> import numpy as np
>>> from notelink.model.vocab import Vocabulary
>>> m = Model(Vocabulary(["cosine", "angle", "bread"], np.array([3, 2, 1])),
...           np.array([[1, 0], [0.9, 0.1], [0, 1]], np.float32), np.zeros(2, np.float32),
...           {"method": "sgns"}, trained_at=0.0, train_seconds=0.0)
>>> [w for w, _ in m.similar_words("cosine", 2)], m.embed([["cosine", "angle"]]).shape
(['angle', 'bread'], (1, 2))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from notelink.model import vectors as vec
from notelink.model.vocab import Vocabulary


@dataclass
class Model:
    vocab: Vocabulary
    word_vectors: np.ndarray
    component: np.ndarray  # the common component removed from note vectors
    params: dict[str, Any]  # method, dim, seed, min_count
    trained_at: float
    train_seconds: float
    notes: int = 0  # how many notes it was trained on

    @property
    def model_id(self) -> str:
        return f"{self.params['method']}-{self.trained_at:.6f}"

    def embed(self, docs: list[list[str]]) -> np.ndarray:
        """Unit vectors for notes given as token lists, consistent with the training run."""
        return self.embed_counts([Counter(d) for d in docs])

    def embed_counts(self, counts: Iterable[Mapping[str, int]], dims: int | None = None) -> np.ndarray:
        """Unit vectors for notes given as word counts (the same as :meth:`embed`).

        ``dims`` keeps only the first dimensions of every word vector (Matryoshka)."""
        from notelink.model.textvec import counts_matrix

        wv, comp = self.word_vectors, self.component
        if dims is not None and dims < wv.shape[1]:
            wv = wv[:, :dims]
            comp = comp[:dims] / max(float(np.linalg.norm(comp[:dims])), 1e-12)
        m = counts_matrix(counts, self.vocab.index)
        means = vec.weighted_means_sparse(wv, vec.sif_weights(self.vocab.frequencies()), m)
        return vec.normalize_rows(vec.project_out(means, comp))

    def similar_words(self, word: str, limit: int = 10) -> list[tuple[str, float]]:
        """The seed note's ``find_similar_words``: nearest vocabulary words by cosine."""
        i = self.vocab.index.get(word)
        if i is None:
            return []
        unit = vec.normalize_rows(self.word_vectors)
        scores = unit @ unit[i]
        scores[i] = -np.inf
        order = sorted(range(len(scores)), key=lambda j: (-float(scores[j]), j))[:limit]
        return [(self.vocab.words[j], float(scores[j])) for j in order]
