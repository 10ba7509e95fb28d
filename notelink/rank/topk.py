"""Rank related notes by cosine similarity.

Vectors are unit length, so cosine similarity is a dot product. Rows are scored in
blocks, so memory stays at ``block × N`` scores, never N × N.

>>> import numpy as np
>>> v = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.6, 0.8]], dtype=np.float32)
>>> [[j for j, _ in row] for row in top_k(v, k=2, exclude=[{1}, set(), set(), set()], min_score=0.5)]
[[3], [0, 3], [3], [2, 1]]
>>> first_k(np.array([0.5, 0.0, 0.0, 0.9, 0.0, -np.inf]), 3).tolist()
[3, 0, 1]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from notelink.progress import OnProgress


def top_k(
    vectors: np.ndarray,
    k: int,
    exclude: list[set[int]],
    min_score: float = 0.0,
    rows: list[int] | None = None,
    block: int = 256,
) -> list[list[tuple[int, float]]]:
    """For each row (all rows by default): up to ``k`` (index, score) pairs, best first,
    never the row itself nor anything in ``exclude[row]``, each scoring ≥ ``min_score``.
    Ties break by index, so the ranking is deterministic."""
    return top_k_by(lambda chunk: np.asarray(vectors[chunk] @ vectors.T), len(vectors), k, exclude, min_score,
                    rows, block)  # fmt: skip


def top_k_by(
    score_rows: Callable[[list[int]], np.ndarray],
    n: int,
    k: int,
    exclude: list[set[int]],
    min_score: float = 0.0,
    rows: list[int] | None = None,
    block: int = 256,
    progress: OnProgress | None = None,
) -> list[list[tuple[int, float]]]:
    """:func:`top_k` for any scores: ``score_rows(chunk)`` gives a (len(chunk), n) array.
    ``progress`` hears the share of rows done after each block."""
    rows = list(range(n)) if rows is None else rows
    out: list[list[tuple[int, float]]] = []
    if n == 0 or k <= 0:
        return [[] for _ in rows]
    for start in range(0, len(rows), block):
        chunk = rows[start : start + block]
        scores = np.array(score_rows(chunk), dtype=np.float64)
        for r, i in enumerate(chunk):
            out.append(best_of(scores[r], k, exclude[i] | {i}, min_score))
        if progress is not None:
            progress(len(out) / len(rows))
    return out


def best_of(s: np.ndarray, k: int, exclude: set[int], min_score: float) -> list[tuple[int, float]]:
    """The ``k`` best (index, score) of one row of scores, ties broken by index."""
    s = s.copy()
    for j in exclude:
        s[j] = -np.inf
    n = len(s)
    want = min(n, k + 1)
    cand = np.argpartition(-s, want - 1)[:want] if want < n else np.arange(n)
    order = sorted(cand.tolist(), key=lambda j: (-float(s[j]), j))
    return [(j, float(s[j])) for j in order if s[j] >= min_score and s[j] > -np.inf][:k]


def first_k(s: np.ndarray, k: int) -> np.ndarray:
    """The indices of the ``k`` best scores of one row, best first, ties broken by index even
    at the k-th place (as a full sort by (-score, index) would), never a -inf."""
    n = len(s)
    if k >= n:
        cand = np.flatnonzero(s > -np.inf)
        return cand[np.lexsort((cand, -s[cand]))][:k]
    if k <= 0:
        return np.zeros(0, np.int64)
    t = -np.partition(-s, k - 1)[k - 1]  # the k-th best score
    above = np.flatnonzero(s > t)
    above = above[np.lexsort((above, -s[above]))]
    tied = np.flatnonzero(s == t)[: k - len(above)] if t > -np.inf else np.zeros(0, np.int64)
    return np.concatenate([above, tied])
