"""Pair features: the independent reasons two notes may belong together.

For a pair (a, b) — "should note a link to note b?" — :func:`pair_features` gives:

========== =================================================================
tfidf      cosine of TF-IDF vectors (shared distinctive words)
lsa        cosine of LSA vectors (shared topics, even without shared words)
semantic   cosine of word-vector means trained on the vault (0 without a model)
mention    a's text outside links contains b's title or an alias (idf weight)
mentioned  b's text contains a's title or an alias
backlink   b links to a
cocited    log(1 + notes that link to both)
coupled    log(1 + notes both link to)
adamic     Adamic–Adar over the undirected link graph
twohop     log(1 + paths a → c → b)
tags       Jaccard overlap of tags
folder     same folder
popular    log(1 + notes linking to b), the link a → b itself not counted
alike      share of a's 10 most similar notes (TF-IDF, weighted) that link to b
========== =================================================================

``text_rows`` replaces a's text vectors, so a training pair can be scored without the
very link that makes it positive (see :mod:`notelink.hybrid`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from notelink.index import VaultIndex

FEATURES = [
    "tfidf",
    "lsa",
    "semantic",
    "mention",
    "mentioned",
    "backlink",
    "cocited",
    "coupled",
    "adamic",
    "twohop",
    "tags",
    "folder",
    "popular",
    "alike",
]


@dataclass
class TextRows:
    """Text vectors standing in for the a-side of each pair."""

    tfidf: sparse.csr_matrix
    lsa: np.ndarray
    semantic: np.ndarray | None


def _rowdot(x: sparse.csr_matrix, y: sparse.csr_matrix) -> np.ndarray:
    return np.asarray(x.multiply(y).sum(axis=1), dtype=np.float32).ravel()


def _gather(m: sparse.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(m[a, b], dtype=np.float32).ravel()


def pair_features(index: VaultIndex, a: np.ndarray, b: np.ndarray, text_rows: TextRows | None = None) -> np.ndarray:
    """Feature matrix, one row per pair (a[k], b[k]), columns as in :data:`FEATURES`."""
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    out = np.zeros((len(a), len(FEATURES)), np.float32)
    if len(a) == 0:
        return out
    col = {name: k for k, name in enumerate(FEATURES)}
    ta = text_rows.tfidf if text_rows is not None else index.tfidf[a]
    out[:, col["tfidf"]] = _rowdot(ta, index.tfidf[b])
    la = text_rows.lsa if text_rows is not None else index.lsa[a]
    out[:, col["lsa"]] = (la * index.lsa[b]).sum(1)
    if index.semantic is not None:
        sa = text_rows.semantic if text_rows is not None else index.semantic[a]
        out[:, col["semantic"]] = (sa * index.semantic[b]).sum(1)
    out[:, col["mention"]] = _gather(index.mentions, a, b)
    out[:, col["mentioned"]] = _gather(index.mentions, b, a)
    adj, adj_t, und = index.adjacency, index.adjacency_t, index.undirected
    out[:, col["backlink"]] = _gather(adj, b, a)
    out[:, col["cocited"]] = np.log1p(_rowdot(adj_t[a], adj_t[b]))
    out[:, col["coupled"]] = np.log1p(_rowdot(adj[a], adj[b]))
    weighted = sparse.csr_matrix(und[a].multiply(index.inv_log_degree[None, :]))
    out[:, col["adamic"]] = _rowdot(weighted, und[b])
    out[:, col["twohop"]] = np.log1p(_rowdot(adj[a], adj_t[b]))
    tags = index.tags
    inter = _rowdot(tags[a], tags[b])
    sizes = np.asarray(tags.sum(axis=1), dtype=np.float32).ravel()
    union = sizes[a] + sizes[b] - inter
    out[:, col["tags"]] = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    out[:, col["folder"]] = (index.folders[a] == index.folders[b]).astype(np.float32)
    indegree = index.indegree[b] - _gather(adj, a, b)
    out[:, col["popular"]] = np.log1p(indegree)
    if text_rows is not None:
        nbr, w = index.neighbours_of(text_rows.tfidf, a)
    else:
        nbr, w = index.neighbours[0][a], index.neighbours[1][a]
    if nbr.shape[1]:
        votes = np.asarray(adj[nbr.ravel(), np.repeat(b, nbr.shape[1])], np.float32).reshape(nbr.shape)
        out[:, col["alike"]] = (votes * w).sum(1)
    return out


def candidates_many(
    index: VaultIndex, rows: list[int], per_signal: int = 50, everyone_below: int = 400
) -> list[np.ndarray]:
    """The notes worth scoring for each row: all of them in a small vault; in a large
    one the best ``per_signal`` by each text signal plus every mention and graph
    neighbour. The rows' text scores are computed together."""
    n = len(index)
    if n <= everyone_below:
        return [np.array([j for j in range(n) if j != row], np.int64) for row in rows]
    blocks = [np.asarray((index.tfidf[rows] @ index.tfidf_t).toarray(), np.float32), index.lsa[rows] @ index.lsa.T]
    if index.semantic is not None:
        blocks.append(index.semantic[rows] @ index.semantic.T)
    two = index.undirected[rows] @ index.undirected
    out = []
    for r, row in enumerate(rows):
        picked: set[int] = set()
        for scores in blocks:
            top = np.argpartition(-scores[r], min(per_signal, n - 1))[: per_signal + 1]
            picked.update(int(j) for j in top)
        for m in (index.mentions, index.mentions_t, index.undirected):
            picked.update(int(j) for j in m[row].indices)
        picked.update(int(j) for j in two[r].indices)
        picked.discard(row)
        out.append(np.array(sorted(picked), np.int64))
    return out
