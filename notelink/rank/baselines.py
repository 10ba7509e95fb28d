"""Simple baselines the default method must beat (docs/quality.md, the baseline table).

Both put notes with a primary signal first and order the rest by TF-IDF cosine:

* ``mention-tfidf``: notes whose title, alias or file name the query note's prose
  names without linking to it (:attr:`~notelink.rank.mentions.Mentions.mentions`)
  first, each group in TF-IDF order. Score: cosine + 2 for a mentioned note.
* ``adamic``: Adamic–Adar on the undirected link graph, Σ over common neighbours
  z of 1 / log(degree(z)). Notes with a common neighbour first (score 2 + AA),
  AA kept to ``AA_DECIMALS`` decimals and equal AA ordered by TF-IDF; the notes
  with none follow in TF-IDF order (score: the cosine).

The cosine is clipped to 1, so the groups never overlap.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from notelink.rank import registry
from notelink.rank.index import VaultIndex
from notelink.rank.methods import Scorer

TIER = 2.0  # added to a note with the primary signal: above any cosine
AA_DECIMALS = 6  # Adamic–Adar is compared to this precision; TF-IDF breaks what is equal then


def _cosines(index: VaultIndex, rows: list[int]) -> np.ndarray:
    return np.minimum(np.asarray((index.tfidf[rows] @ index.tfidf_t).toarray(), np.float64), 1.0)


def _pair_cosines(index: VaultIndex, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    prod = index.tfidf[a].multiply(index.tfidf[b])
    return np.minimum(np.asarray(prod.sum(axis=1), np.float64).ravel(), 1.0)


class MentionScorer(Scorer):
    """Unlinked mentions first, TF-IDF cosine within and after them."""

    def score_rows(self, rows: list[int]) -> np.ndarray:
        mentioned = np.asarray(self.index.mentions[rows].toarray() > 0, np.float64)
        return _cosines(self.index, rows) + TIER * mentioned

    def pair_scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        mentioned = np.asarray(self.index.mentions[a, b], np.float64).ravel() > 0
        return _pair_cosines(self.index, a, b) + TIER * mentioned


class AdamicAdarScorer(Scorer):
    """Adamic–Adar over the undirected link graph; TF-IDF cosine for ties and the rest."""

    def adamic(self, rows: list[int]) -> np.ndarray:
        """AA[r, j]: Σ over the common neighbours z of rows[r] and j of 1 / log(degree(z))."""
        idx = self.index
        weighted = sparse.csr_matrix(idx.undirected[rows].multiply(idx.inv_log_degree[None, :]))
        return np.asarray((weighted @ idx.undirected).toarray(), np.float64)

    def combine(self, aa: np.ndarray, cosine: np.ndarray) -> np.ndarray:
        tie = 10.0 ** -(AA_DECIMALS + 1)  # below AA's last kept decimal: only orders equal AA
        return np.where(aa > 0, TIER + np.round(aa, AA_DECIMALS) + tie * cosine, cosine)

    def score_rows(self, rows: list[int]) -> np.ndarray:
        return self.combine(self.adamic(rows), _cosines(self.index, rows))

    def pair_scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        idx = self.index
        weighted = sparse.csr_matrix(idx.undirected[a].multiply(idx.inv_log_degree[None, :]))
        aa = np.asarray(weighted.multiply(idx.undirected[b]).sum(axis=1), np.float64).ravel()
        return self.combine(aa, _pair_cosines(idx, a, b))


# --- the builders the registry names: (index, method, seed, hybrid_model, progress) -> Scorer ---
def mention_scorer(index: VaultIndex, method: registry.Method, seed: int, *_: Any) -> Scorer:
    return MentionScorer(index, method.min_score)


def adamic_scorer(index: VaultIndex, method: registry.Method, seed: int, *_: Any) -> Scorer:
    return AdamicAdarScorer(index, method.min_score)
