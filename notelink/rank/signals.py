"""Pair features: the independent reasons two notes may belong together.

For a pair (a, b) — "should note a link to note b?" — :func:`pair_features` gives:

========== =================================================================
tfidf      cosine of TF-IDF vectors (shared distinctive words)
lsa        cosine of LSA vectors (shared topics, even without shared words)
semantic   cosine of word-vector means trained on the vault (0 without a model)
mention    a's text outside links contains b's title or an alias (idf weight)
anchor     when it does: log odds that a note naming b links it, against the vault's average name
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
template   cosine of the boilerplate lines both hold (a template's text, kept out of the text signals)
pretrained cosine of the notes' pretrained sentence-model vectors (0 without the optional extra)
========== =================================================================

``text_rows`` replaces a's text vectors, so a training pair can be scored without the
very link that makes it positive (see :mod:`notelink.rank.hybrid`). The pretrained
vectors need no stand-in: they are made of the text outside links only, so a pair's
own link text is never in them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from notelink.progress import OnProgress
from notelink.rank.index import EXACT_BELOW, VaultIndex

FEATURES = [
    "tfidf",
    "lsa",
    "semantic",
    "mention",
    "anchor",
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
    "template",
    "pretrained",
]


PAIR_CHUNK = 16384  # pairs whose features are computed together (sparse rows of both notes)


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


def pair_features(
    index: VaultIndex,
    a: np.ndarray,
    b: np.ndarray,
    text_rows: TextRows | None = None,
    progress: OnProgress | None = None,
) -> np.ndarray:
    """Feature matrix, one row per pair (a[k], b[k]), columns as in :data:`FEATURES`.
    Pairs are taken ``PAIR_CHUNK`` at a time, so memory does not grow with their number
    (``progress`` hears the share done after each chunk)."""
    a = np.asarray(a, np.int64)
    b = np.asarray(b, np.int64)
    if len(a) <= PAIR_CHUNK:
        return _pair_features(index, a, b, text_rows)
    parts = []
    for start in range(0, len(a), PAIR_CHUNK):
        part = slice(start, start + PAIR_CHUNK)
        rows = None
        if text_rows is not None:
            sem = text_rows.semantic
            rows = TextRows(text_rows.tfidf[part], text_rows.lsa[part], None if sem is None else sem[part])
        parts.append(_pair_features(index, a[part], b[part], rows))
        if progress is not None:
            progress(min(1.0, (start + PAIR_CHUNK) / len(a)))
    return np.concatenate(parts)


def _pair_features(index: VaultIndex, a: np.ndarray, b: np.ndarray, text_rows: TextRows | None) -> np.ndarray:
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
    if index.pretrained is not None:  # a's text outside links: no link's own text, training positive or not
        out[:, col["pretrained"]] = (index.pretrained[a] * index.pretrained[b]).sum(1)
    out[:, col["mention"]] = _gather(index.mentions, a, b)
    out[:, col["anchor"]] = index.anchor[b] * (out[:, col["mention"]] > 0)
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
    out[:, col["template"]] = _rowdot(index.template_lines[a], index.template_lines[b])
    if text_rows is not None:
        nbr, w = index.neighbours_of(text_rows.tfidf, a)
    else:
        nbr, w = index.neighbours[0][a], index.neighbours[1][a]
    if nbr.shape[1]:
        votes = np.asarray(adj[nbr.ravel(), np.repeat(b, nbr.shape[1])], np.float32).reshape(nbr.shape)
        out[:, col["alike"]] = (votes * w).sum(1)
    return out


def candidates_many(index: VaultIndex, rows: list[int], per_signal: int | None = None) -> list[np.ndarray]:
    """The notes worth scoring for each row: all of them in a small vault (up to
    ``EXACT_BELOW`` notes); in a large one the best ``per_signal`` (default
    ``nearest.PER_SIGNAL``) by word vectors (and pretrained vectors), by mentions either way and by links
    (notes linking here, then notes sharing the most neighbours), with the LSA and
    rare-word TF-IDF lists kept from the neighbours: see :mod:`notelink.rank.nearest`."""
    from notelink.rank import nearest

    per_signal = nearest.PER_SIGNAL if per_signal is None else per_signal
    n = len(index)
    if n <= EXACT_BELOW:
        return [np.array([j for j in range(n) if j != row], np.int64) for row in rows]
    selves = np.asarray(rows, np.int64)
    picks = [_padded(index.text_candidates_of(rows))]
    if index.semantic is not None:
        picks.append(nearest.top_dense(index.semantic[rows], index.semantic, per_signal, selves))
    if index.pretrained is not None:
        picks.append(nearest.top_dense(index.pretrained[rows], index.pretrained, per_signal, selves))
    graph = index.adjacency_t[rows] * 1000.0 + index.undirected[rows] @ index.undirected
    for block in (index.mentions[rows], index.mentions_t[rows], graph):
        picks.append(nearest.top_sparse(sparse.csr_matrix(block), per_signal))
    return nearest.merge(picks, selves)


def _padded(rows: list[np.ndarray]) -> np.ndarray:
    """Ragged rows as one array, padded with -1."""
    width = max((len(r) for r in rows), default=0)
    out = np.full((len(rows), width), -1, np.int64)
    for r, row in enumerate(rows):
        out[r, : len(row)] = row
    return out
