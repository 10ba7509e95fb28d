"""The vault's trained model: vocabulary, word vectors, and what note vectors need.

>>> m = train([["cosine", "vector", "angle"] * 20, ["bread", "flour", "yeast"] * 20], method="sgns",
...           dim=8, seed=3, min_count=1, epochs=3)
>>> len(m.vocab), m.word_vectors.shape
(6, (6, 8))
>>> m.embed([["cosine", "vector"]]).shape
(1, 8)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from notelink import vectors as vec
from notelink.embed import create
from notelink.embed.base import Progress
from notelink.store import Store
from notelink.vocab import Vocabulary


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
        from collections import Counter

        return self.embed_counts([Counter(d) for d in docs])

    def embed_counts(self, counts: list[dict[str, int]], dims: int | None = None) -> np.ndarray:
        """Unit vectors for notes given as word counts (the same as :meth:`embed`).

        ``dims`` keeps only the first dimensions of every word vector (Matryoshka)."""
        from notelink.textvec import counts_matrix

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

    def save(self, store: Store) -> None:
        name = self.params["method"]
        store.write_array(f"{name}-word_vectors.npy", self.word_vectors)
        store.write_array(f"{name}-component.npy", self.component)
        store.write_json(
            f"{name}-model.json",
            {
                "params": self.params,
                "trained_at": self.trained_at,
                "train_seconds": self.train_seconds,
                "notes": self.notes,
                "words": self.vocab.words,
                "counts": self.vocab.counts.tolist(),
            },
        )

    @classmethod
    def load(cls, store: Store, method: str = "sgns") -> Model | None:
        meta = store.read_json(f"{method}-model.json")
        wv = store.read_array(f"{method}-word_vectors.npy")
        comp = store.read_array(f"{method}-component.npy")
        if meta is None or wv is None or comp is None or len(wv) != len(meta["words"]):
            return None
        vocab = Vocabulary(list(meta["words"]), np.array(meta["counts"], dtype=np.int64))
        return cls(vocab, wv, comp, meta["params"], meta["trained_at"], meta["train_seconds"], meta.get("notes", 0))


def train(
    docs: list[list[str]],
    method: str = "sgns",
    dim: int = 100,
    seed: int = 0,
    min_count: int = 2,
    progress: Progress | None = None,
    vector_counts: list[dict[str, int]] | None = None,
    **method_params: Any,
) -> Model:
    """Build the vocabulary from ``docs`` and train word vectors on them.

    ``vector_counts`` (default: the words of ``docs``) are what the notes' vectors are
    made of; the common component is fitted on them.
    """
    from collections import Counter

    from notelink.textvec import counts_matrix

    start = time.perf_counter()
    vocab = Vocabulary.build(docs, min_count=min_count)
    embedder = create(method, dim=dim, seed=seed, **method_params)
    wv = embedder.fit([vocab.encode(d) for d in docs], vocab, progress)
    counts = vector_counts if vector_counts is not None else [Counter(d) for d in docs]
    means = vec.weighted_means_sparse(wv, vec.sif_weights(vocab.frequencies()), counts_matrix(counts, vocab.index))
    component = vec.common_component(means)
    params = {"method": method, "dim": dim, "seed": seed, "min_count": min_count, **method_params}
    return Model(vocab, wv, component, params, time.time(), time.perf_counter() - start, len(docs))
