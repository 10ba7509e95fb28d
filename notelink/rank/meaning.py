"""The methods of the optional pretrained sentence model (``notelink[pretrained]``):
``minilm``, the cosine of its note vectors, and ``tfidf-minilm``, the baseline that
averages that cosine with the TF-IDF one. Both refuse, in one line, an index that has no
pretrained vectors (the extra not installed, or switched off).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from notelink.rank import registry
from notelink.rank.index import VaultIndex
from notelink.rank.methods import CosineScorer, Scorer


def _vectors(index: VaultIndex, method: registry.Method) -> np.ndarray:
    if index.pretrained is None:
        from notelink.model.pretrained import INSTALL

        raise ValueError(f"method {method.name!r} needs the pretrained sentence model ({INSTALL})")
    return index.pretrained


def minilm_scorer(index: VaultIndex, method: registry.Method, seed: int, *_: Any) -> Scorer:
    """Cosine of the notes' pretrained sentence-model vectors."""
    return CosineScorer(index, _vectors(index, method), method.min_score)


class MeanScorer(Scorer):
    """The mean of the TF-IDF cosine and the pretrained-vector cosine."""

    def __init__(self, index: VaultIndex, vectors: np.ndarray, min_score: float) -> None:
        super().__init__(index, min_score)
        self.vectors = vectors

    def pair_scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        tfidf = np.asarray(self.index.tfidf[a].multiply(self.index.tfidf[b]).sum(axis=1), np.float64).ravel()
        dense = (self.vectors[a].astype(np.float64) * self.vectors[b]).sum(1)
        return 0.5 * (tfidf + dense)

    def score_rows(self, rows: list[int]) -> np.ndarray:
        tfidf = np.asarray((self.index.tfidf[rows] @ self.index.tfidf_t).toarray(), np.float64)
        dense = self.vectors[rows].astype(np.float64) @ self.vectors.T.astype(np.float64)
        return 0.5 * (tfidf + dense)


def tfidf_minilm_scorer(index: VaultIndex, method: registry.Method, seed: int, *_: Any) -> Scorer:
    """The issue's "TF-IDF combined with MiniLM" baseline: the mean of the two cosines."""
    return MeanScorer(index, _vectors(index, method), method.min_score)
