"""The scorers behind ``--method``: one interface, built from :mod:`notelink.rank.registry`.

:func:`make_scorer` looks the method up in the registry and calls the builder it
names: :func:`hybrid_scorer` (:mod:`notelink.rank.hybrid`), :func:`word_scorer`
(cosine of word-vector means), :func:`tfidf_scorer`, :func:`lsa_scorer` and
:func:`randproj_scorer`. Every builder takes ``(index, method, seed, hybrid_model,
progress)``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from scipy import sparse

from notelink.model import textvec
from notelink.progress import OnProgress
from notelink.rank import binary, function_words, hybrid, registry
from notelink.rank.index import VaultIndex
from notelink.rank.signals import FEATURES, PAIR_CHUNK, candidates_many, pair_features
from notelink.rank.text_matrices import vector_counts
from notelink.rank.topk import best_of, top_k_by

JL_EPS = 0.3
BINARY_RERANK = 100
HYBRID_ROWS = 32  # notes whose candidates go through one pair_features call
MAX_REASONS = 2
TEXT_SIGNALS = ("tfidf", "lsa", "semantic", "pretrained")  # said as the words the notes share
# The strongest kind of reason first: a mention with its phrase, a link back, shared
# neighbours, tags, key terms; then what holds for many pairs (folder, popularity, look-alikes).
REASON_ORDER = ["mention", "backlink", "mentioned", "coupled", "adamic", "cocited", "twohop", "tags", "text",
                "alike", "folder", "popular"]  # fmt: skip


class Scorer:
    def __init__(self, index: VaultIndex, min_score: float) -> None:
        self.index = index
        self.default_min_score = min_score  # the method's own (the registry's), used unless the vault sets one

    def score_rows(self, rows: list[int]) -> np.ndarray:
        raise NotImplementedError

    def pair_scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Scores of the pairs (a[k], b[k])."""
        raise NotImplementedError

    def rank(
        self, rows: list[int], k: int, exclude: list[set[int]], min_score: float, progress: OnProgress | None = None
    ) -> list[list[tuple[int, float]]]:
        return top_k_by(self.score_rows, len(self.index), k, exclude, min_score, rows, progress=progress)

    def ranking_blocks(self, rows: list[int]) -> Iterator[tuple[list[int], np.ndarray]] | None:
        """``rows`` a block at a time, each with its scores of every note: sorted by score
        down, then index, the ranking ``rank`` gives of all notes (-inf: left out); None
        when this scorer's ``rank`` is not such an order."""
        if type(self).rank is not Scorer.rank:
            return None
        return _blocks(rows, 256, lambda chunk: np.array(self.score_rows(chunk), np.float64))

    def reasons(self, a: int, b: int) -> list[str]:
        return self.reasons_many([(a, b)])[0]

    def reasons_many(self, pairs: list[tuple[int, int]]) -> list[list[str]]:
        """Why each pair belongs together: the words they share, for many pairs at once."""
        return [_shared(words) for words in self.shared_words_many(pairs)]

    def shared_words(self, a: int, b: int, n: int = 3) -> list[str]:
        return self.shared_words_many([(a, b)], n)[0]

    def shared_words_many(self, pairs: list[tuple[int, int]], n: int = 3) -> list[list[str]]:
        """For each pair, the ``n`` words that most tie the two notes' prose together
        (idf² × (1 + ln tf) in one × (1 + ln tf) in the other), never a word
        in more than ``text_matrices.COMMON_WORD_SHARE`` of the notes."""
        if not pairs:
            return []
        idx = self.index
        w = idx.shared_word_weights
        words = idx.vocab_words
        out = []
        for start in range(0, len(pairs), PAIR_CHUNK):  # chunks: both notes' rows, for every pair
            part = pairs[start : start + PAIR_CHUNK]
            a = np.array([p[0] for p in part], np.int64)
            b = np.array([p[1] for p in part], np.int64)
            both = sparse.csr_matrix(w[a].multiply(w[b]))
            for r in range(len(part)):
                lo, hi = both.indptr[r], both.indptr[r + 1]
                cols, vals = both.indices[lo:hi], both.data[lo:hi]
                best = np.lexsort((cols, -vals))[:n]  # ties: alphabetical (the vocabulary is sorted)
                out.append([words[c] for c in cols[best]])
        return out


def _blocks(
    rows: list[int], size: int, scores: Callable[[list[int]], np.ndarray]
) -> Iterator[tuple[list[int], np.ndarray]]:
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        yield chunk, scores(chunk)


def _shared(words: list[str]) -> list[str]:
    return [f"shared: {', '.join(words)}"] if words else []


class CosineScorer(Scorer):
    def __init__(self, index: VaultIndex, matrix: Any, min_score: float) -> None:
        super().__init__(index, min_score)
        self.matrix = matrix

    def pair_scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        x, y = self.matrix[a], self.matrix[b]
        prod = x.multiply(y) if hasattr(x, "multiply") else x * y
        return np.asarray(prod.sum(axis=1), np.float64).ravel()

    def score_rows(self, rows: list[int]) -> np.ndarray:
        s = self.matrix[rows] @ self.matrix.T
        return s.toarray() if hasattr(s, "toarray") else np.asarray(s)


class HybridScorer(Scorer):
    def __init__(
        self,
        index: VaultIndex,
        seed: int = 0,
        model: hybrid.HybridModel | None = None,
        progress: OnProgress | None = None,
        min_score: float = registry.REGISTRY["hybrid"].min_score,
    ) -> None:
        super().__init__(index, min_score)
        self.model = model if model is not None else hybrid.fit(index, seed, progress)
        if self.model.fitted and self.model.threshold is not None:
            self.default_min_score = self.model.threshold  # fitted on this vault: see hybrid.shown_threshold

    def pair_scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self.model.scores(pair_features(self.index, a, b))

    def score_rows(self, rows: list[int], full: bool = True) -> np.ndarray:
        """Scores of every note for each row: the model's for its candidates; with
        ``full``, the other notes follow in TF-IDF order, below every candidate (so a
        complete ranking exists, as evaluation needs); without, they score -1."""
        n = len(self.index)
        if not rows:
            return np.full((0, n), -1.0, np.float64)
        cands = candidates_many(self.index, rows)
        if full and n > len(cands[0]) + 1:
            out = -1.0 + 0.5 * np.asarray((self.index.tfidf[rows] @ self.index.tfidf_t).toarray(), np.float64)
            out[np.arange(len(rows)), rows] = -1.0
        else:
            out = np.full((len(rows), n), -1.0, np.float64)
        a = np.concatenate([np.full(len(c), i) for i, c in zip(rows, cands, strict=True)])
        scores = self.pair_scores(a.astype(np.int64), np.concatenate(cands))
        at = 0
        for r, cand in enumerate(cands):
            out[r, cand] = scores[at : at + len(cand)]
            at += len(cand)
        return out

    def rank(
        self, rows: list[int], k: int, exclude: list[set[int]], min_score: float, progress: OnProgress | None = None
    ) -> list[list[tuple[int, float]]]:
        """Each row's best ``k``, scored by the probability that the owner links the pair
        (its logit and its place in the row: see :mod:`notelink.rank.calibration`), kept
        while that is at least ``min_score``. Notes outside the candidates score 0."""
        out = []
        full = k > 50  # a complete ranking (evaluation) needs the notes outside the candidates too
        for start in range(0, len(rows), HYBRID_ROWS):
            chunk = rows[start : start + HYBRID_ROWS]
            scores = self.score_rows(chunk, full)
            out += [self._calibrated(best_of(scores[r], k, exclude[i] | {i}, -math.inf), min_score)
                    for r, i in enumerate(chunk)]  # fmt: skip
            if progress is not None:
                progress(len(out) / len(rows))
        return out

    def _calibrated(self, ranked: list[tuple[int, float]], min_score: float) -> list[tuple[int, float]]:
        s = np.clip(np.array([score for _, score in ranked], np.float64), 1e-15, 1 - 1e-15)
        p = self.model.probabilities(np.log(s) - np.log1p(-s), np.arange(len(ranked), dtype=np.float64))
        p[s <= 1e-15] = 0.0  # outside the candidates (scored below 0 by score_rows)
        return [(j, float(q)) for (j, _), q in zip(ranked, p, strict=True) if q >= min_score]

    def ranking_blocks(self, rows: list[int]) -> Iterator[tuple[list[int], np.ndarray]] | None:
        full = len(self.index) > 50  # as in rank(rows, k=every note)
        return _blocks(rows, HYBRID_ROWS, lambda chunk: self.score_rows(chunk, full))

    def reasons_many(self, pairs: list[tuple[int, int]]) -> list[list[str]]:
        if not pairs:
            return []
        feats = pair_features(self.index, np.array([a for a, _ in pairs]), np.array([b for _, b in pairs]))
        shared = self.shared_words_many(pairs)
        return [self._reasons(a, b, x, _shared(w)) for (a, b), x, w in zip(pairs, feats, shared, strict=True)]

    def _reasons(self, a: int, b: int, x: np.ndarray, shared: list[str]) -> list[str]:
        """Up to ``MAX_REASONS`` reasons, the strongest kind first (:data:`REASON_ORDER`),
        from the signals that raised this pair's score; when none did, from every signal
        the pair has (so each suggestion says why)."""
        contrib = self.model.contributions(x)
        for raised in (True, False):
            found: dict[str, tuple[int, float]] = {}
            for f in np.argsort(-contrib, kind="stable"):
                if raised and contrib[f] <= 0:
                    break
                name = FEATURES[f]
                said = shared if name in TEXT_SIGNALS else [self._graph_reason(name, a, b, x[f])]
                for reason in said:
                    if reason is not None and reason not in found:
                        found[reason] = (REASON_ORDER.index(name if name not in TEXT_SIGNALS else "text"), -contrib[f])
            if found:
                return sorted(found, key=found.__getitem__)[:MAX_REASONS]
        return _shared(self._name_words(a, b))

    def _name_words(self, a: int, b: int, n: int = 3) -> list[str]:
        """The key words the two notes share counting their titles and aliases (a note of
        links only, say), rarest first: the last reason, when the pair has no other."""
        idx = self.index
        other = vector_counts(idx.records[b])
        cols = [idx.vocab[w] for w in vector_counts(idx.records[a]) if w in other and w in idx.vocab]
        counts = textvec.counts_matrix([idx.records[a].terms, idx.records[b].terms], idx.vocab)
        langs = np.bitwise_or.reduce(function_words.note_languages(counts, idx.function_word_languages))
        held = function_words.bits(np.asarray(idx.function_word_languages[cols].toarray() > 0))
        keep = sorted(
            (-idx.reason_columns[c], idx.vocab_words[c])
            for c, h in zip(cols, held, strict=True)
            if idx.reason_columns[c] > 0 and not h & langs
        )
        return [w for _, w in keep[:n]]

    def _graph_reason(self, name: str, a: int, b: int, value: float) -> str | None:
        idx = self.index
        link = functools.partial(idx.resolver.link_text, source=idx.order[a])  # written into note a
        if value <= 0:
            return None
        if name == "mention":
            return f'mentions "{self._mentioned_name(a, b)}"'
        if name == "mentioned":
            return "mentions this note"
        if name == "backlink":
            return "links here"
        if name in ("coupled", "adamic"):
            common = sorted(set(idx.out_links[a]) & set(idx.out_links[b]))
            if common:
                return f"both link to {link(idx.order[common[0]])}"
            common = sorted(set(idx.undirected[a].indices) & set(idx.undirected[b].indices))
            return f"both connected to {link(idx.order[common[0]])}" if common else None
        if name == "cocited":
            common = sorted(set(idx.adjacency_t[a].indices) & set(idx.adjacency_t[b].indices))
            return f"both linked from {link(idx.order[common[0]])}" if common else None
        if name == "twohop":
            via = sorted(set(idx.out_links[a]) & set(idx.adjacency_t[b].indices))
            return f"via {link(idx.order[via[0]])}" if via else None
        if name == "tags":
            shared = sorted({t.casefold() for t in idx.records[a].tags} & {t.casefold() for t in idx.records[b].tags})
            return " ".join(f"#{t}" for t in shared[:3]) if shared else None
        if name == "folder":
            return "same folder"
        if name == "popular":
            count = round(math.expm1(value))
            return f"linked from {count} note{'s' if count != 1 else ''}"
        if name == "alike":
            return "notes like this one link to it"
        return None

    def _mentioned_name(self, a: int, b: int) -> str:
        from notelink.text.tokens import name_tokens

        idx = self.index
        rec = idx.records[b]
        text = f" {idx.records[a].plain_text()} "
        for name in sorted([rec.title, *rec.aliases], key=len, reverse=True):
            words = name_tokens(name)
            if words and f" {' '.join(words)} " in text:
                return name
        return rec.title


class BinaryScorer(CosineScorer):
    """Sign bits and Hamming distance first, cosine on the ``rerank`` best."""

    def __init__(self, index: VaultIndex, matrix: np.ndarray, min_score: float, rerank: int = BINARY_RERANK) -> None:
        super().__init__(index, matrix, min_score)
        self.bits = binary.pack(matrix)
        self.rerank = rerank

    def rank(
        self, rows: list[int], k: int, exclude: list[set[int]], min_score: float, progress: OnProgress | None = None
    ) -> list[list[tuple[int, float]]]:
        out = []
        limit = None if k >= len(self.index) else k
        for notes, scores in binary.rank_rows(self.matrix, self.bits, rows, self.rerank, exclude, limit):
            keep = scores >= min_score
            out.append([(int(j), float(s)) for j, s in zip(notes[keep][:k], scores[keep][:k], strict=True)])
            if progress is not None and len(out) % 256 == 0:
                progress(len(out) / len(rows))
        return out


def make_scorer(
    method: str,
    index: VaultIndex,
    seed: int = 0,
    use_binary: bool = False,
    rerank: int = BINARY_RERANK,
    hybrid_model: hybrid.HybridModel | None = None,
    progress: OnProgress | None = None,
) -> Scorer:
    """The scorer of ``method``; ``progress`` hears how fitting the hybrid's weights goes.
    With ``use_binary``, a method ranking dense vectors by cosine ranks by sign bits first."""
    spec = registry.get(method)
    scorer = spec.builder()(index, spec, seed, hybrid_model, progress)
    if use_binary and isinstance(scorer, CosineScorer) and isinstance(scorer.matrix, np.ndarray):
        return BinaryScorer(index, scorer.matrix, scorer.default_min_score, rerank)
    return scorer


# --- the builders the registry names: (index, method, seed, hybrid_model, progress) -> Scorer ---
def hybrid_scorer(
    index: VaultIndex,
    method: registry.Method,
    seed: int,
    hybrid_model: hybrid.HybridModel | None = None,
    progress: OnProgress | None = None,
) -> Scorer:
    """Every signal, weighted by ``hybrid_model`` (fitted on the vault's links when None)."""
    return HybridScorer(index, seed, hybrid_model, progress, method.min_score)


def word_scorer(index: VaultIndex, method: registry.Method, seed: int, *_: Any) -> Scorer:
    """Cosine of the notes' word-vector means (the index's trained model)."""
    if index.semantic is None:
        raise ValueError(f"method {method.name!r} needs a trained model")
    return CosineScorer(index, index.semantic, method.min_score)


def tfidf_scorer(index: VaultIndex, method: registry.Method, seed: int, *_: Any) -> Scorer:
    return CosineScorer(index, index.tfidf, method.min_score)


def lsa_scorer(index: VaultIndex, method: registry.Method, seed: int, *_: Any) -> Scorer:
    return CosineScorer(index, index.lsa, method.min_score)


def randproj_scorer(index: VaultIndex, method: registry.Method, seed: int, *_: Any) -> Scorer:
    """Cosine of a seeded Gaussian projection of TF-IDF, its dimension from the JL bound."""
    dim = min(textvec.jl_dimension(len(index), JL_EPS), max(1, index.tfidf.shape[1]))
    proj = textvec.unit_rows(textvec.random_projection(index.tfidf, dim, seed))
    return CosineScorer(index, proj, method.min_score)
