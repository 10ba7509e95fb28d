"""Training a word model on the vault's notes (like gensim's ``Word2Vec``).

>>> m = train([["cosine", "vector", "angle"] * 20, ["bread", "flour", "yeast"] * 20], method="sgns",
...           dim=8, seed=3, min_count=1, epochs=3)
>>> len(m.vocab), m.word_vectors.shape
(6, (6, 8))
>>> m.embed([["cosine", "vector"]]).shape
(1, 8)
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from notelink.model import vectors as vec
from notelink.model.embed import create
from notelink.model.textvec import counts_matrix
from notelink.model.vocab import Vocabulary
from notelink.model.words import Model
from notelink.progress import OnProgress
from notelink.text.tokens import token_ids


def train(docs: list[list[str]], **params: Any) -> Model:
    """Build the vocabulary from ``docs`` (token lists) and train word vectors on them;
    see :func:`train_ids` for the parameters."""
    lexicon: dict[str, int] = {}
    ids = [token_ids(d, lexicon) for d in docs]
    if params.get("vector_counts") is None:
        params["vector_counts"] = [Counter(d) for d in docs]
    return train_ids(ids, list(lexicon), **params)


def train_ids(
    docs: list[np.ndarray],
    words: list[str],
    method: str = "sgns",
    dim: int = 100,
    seed: int = 0,
    min_count: int = 2,
    progress: OnProgress | None = None,
    vector_counts: Iterable[Mapping[str, int]] | None = None,
    **method_params: Any,
) -> Model:
    """Build the vocabulary from ``docs`` (arrays of ids into ``words``) and train word
    vectors on them.

    ``vector_counts`` are what the notes' vectors are made of (default: the words of
    ``docs``); the common component is fitted on them. Read once, after training, so a
    generator keeps one note's counts in memory at a time.
    """
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
