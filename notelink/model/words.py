"""The vault's trained model: vocabulary, word vectors, and what note vectors need.

>>> m = train([["cosine", "vector", "angle"] * 20, ["bread", "flour", "yeast"] * 20], method="sgns",
...           dim=8, seed=3, min_count=1, epochs=3)
>>> len(m.vocab), m.word_vectors.shape
(6, (6, 8))
>>> m.embed([["cosine", "vector"]]).shape
(1, 8)
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from notelink.disk.store import Store
from notelink.model import vectors as vec
from notelink.model.embed import create
from notelink.model.embed.base import Progress
from notelink.model.vocab import Vocabulary, token_ids


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

    def save(self, store: Store) -> None:
        """One ``.npz`` file, replaced atomically: a reader (the daemon, between batches)
        sees the old model or the new one, never half of each."""
        meta = {
            "format": 1, "params": self.params, "trained_at": self.trained_at,
            "train_seconds": self.train_seconds, "notes": self.notes,
        }  # fmt: skip
        store.write_arrays(
            f"{self.params['method']}-model.npz",
            word_vectors=self.word_vectors,
            component=self.component,
            words=np.array(self.vocab.words, dtype=str),
            counts=self.vocab.counts,
            meta=np.array(json.dumps(meta)),
        )

    @classmethod
    def load(cls, store: Store, method: str = "sgns") -> Model | None:
        arrays = store.read_arrays(f"{method}-model.npz")
        if arrays is None:
            return None
        try:
            meta = json.loads(str(arrays["meta"]))
            words = arrays["words"].tolist()
            wv, comp, counts = arrays["word_vectors"], arrays["component"], arrays["counts"]
        except (KeyError, ValueError):
            return None
        if meta.get("format") != 1 or len(wv) != len(words) or len(counts) != len(words):
            return None
        return cls(Vocabulary(words, counts.astype(np.int64)), wv, comp, meta["params"], meta["trained_at"],
                   meta["train_seconds"], meta.get("notes", 0))  # fmt: skip


def train(docs: list[list[str]], **params: Any) -> Model:
    """Build the vocabulary from ``docs`` (token lists) and train word vectors on them;
    see :func:`train_ids` for the parameters."""
    lexicon: dict[str, int] = {}
    ids = [token_ids(d, lexicon) for d in docs]
    if params.get("vector_counts") is None:
        from collections import Counter

        params["vector_counts"] = [Counter(d) for d in docs]
    return train_ids(ids, list(lexicon), **params)


def train_ids(
    docs: list[np.ndarray],
    words: list[str],
    method: str = "sgns",
    dim: int = 100,
    seed: int = 0,
    min_count: int = 2,
    progress: Progress | None = None,
    vector_counts: Iterable[Mapping[str, int]] | None = None,
    **method_params: Any,
) -> Model:
    """Build the vocabulary from ``docs`` (arrays of ids into ``words``) and train word
    vectors on them.

    ``vector_counts`` are what the notes' vectors are made of (default: the words of
    ``docs``); the common component is fitted on them. Read once, after training, so a
    generator keeps one note's counts in memory at a time.
    """
    from collections import Counter

    from notelink.model.textvec import counts_matrix

    start = time.perf_counter()
    all_ids = np.concatenate(docs) if docs else np.zeros(0, np.int32)
    vocab = Vocabulary.from_counts(words, np.bincount(all_ids, minlength=len(words)), min_count)
    remap = np.full(len(words), -1, np.int32)
    remap[[i for i, w in enumerate(words) if w in vocab.index]] = [vocab.index[w] for w in words if w in vocab.index]
    encoded = [r[r >= 0] for r in (remap[d] for d in docs)]
    del all_ids
    embedder = create(method, dim=dim, seed=seed, **method_params)
    wv = embedder.fit(encoded, vocab, progress)
    if vector_counts is None:
        vector_counts = (Counter(words[i] for i in d.tolist()) for d in docs)
    means = vec.weighted_means_sparse(
        wv, vec.sif_weights(vocab.frequencies()), counts_matrix(vector_counts, vocab.index)
    )
    component = vec.common_component(means)
    params = {"method": method, "dim": dim, "seed": seed, "min_count": min_count, **method_params}
    return Model(vocab, wv, component, params, time.time(), time.perf_counter() - start, len(docs))
