"""The traditional note vectors: TF-IDF, LSA and random projection (numpy + scipy).

>>> from collections import Counter
>>> docs = [Counter("cat sat mat".split()), Counter("cat cat dog".split()), Counter("stars moon".split())]
>>> vocab = build_vocab(docs)
>>> x = tfidf(counts_matrix(docs, vocab), idf_weights(counts_matrix(docs, vocab)))
>>> np.round((x @ x.T).toarray().astype(float), 2).tolist()
[[1.0, 0.37, 0.0], [0.37, 1.0, 0.0], [0.0, 0.0, 1.0]]
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping
from itertools import repeat

import numpy as np
from scipy import sparse


def build_vocab(docs: Iterable[Mapping[str, int]]) -> dict[str, int]:
    words = sorted({w for d in docs for w in d})
    return {w: i for i, w in enumerate(words)}


COUNTS_BLOCK = 2048  # notes gathered before words outside the vocabulary are dropped


def counts_matrix(docs: Iterable[Mapping[str, int]], vocab: Mapping[str, int]) -> sparse.csr_matrix:
    """Rows of word counts (words outside ``vocab`` dropped). ``docs`` may be a
    generator: one block of notes' counts at a time is ever held beside the result.

    >>> counts_matrix([{"b": 2, "zz": 1}, {}, {"a": 1, "b": 0}], {"a": 0, "b": 1}).toarray().tolist()
    [[0.0, 2.0], [0.0, 0.0], [1.0, 0.0]]
    """
    get = vocab.get
    cols, counts, indptr = array("i"), array("f"), array("q", [0])  # 4 bytes an entry, not a Python int
    block_cols, block_counts, block_ends = array("i"), array("f"), []

    def flush() -> None:  # the block's entries that are in the vocabulary, appended to the result
        c, n = np.frombuffer(block_cols, np.int32), np.frombuffer(block_counts, np.float32)
        keep = (c >= 0) & (n > 0)
        kept = np.concatenate([[0], np.cumsum(keep)])[block_ends]
        indptr.extend((indptr[-1] + kept).tolist())
        cols.frombytes(c[keep].tobytes())
        counts.frombytes(n[keep].tobytes())

    for d in docs:  # a note's words are looked up in C (map), not one Python step each
        block_cols.extend(map(get, d, repeat(-1, len(d))))
        block_counts.fromlist(list(d.values()))
        block_ends.append(len(block_cols))
        if len(block_ends) == COUNTS_BLOCK:
            flush()
            block_cols, block_counts, block_ends = array("i"), array("f"), []
    if block_ends:
        flush()
    index_type = np.int32 if len(cols) < 2**31 else np.int64
    m = sparse.csr_matrix(
        (
            np.frombuffer(counts, np.float32),
            np.frombuffer(cols, np.int32).astype(index_type, copy=False),
            np.frombuffer(indptr, np.int64).astype(index_type),
        ),
        shape=(len(indptr) - 1, len(vocab)),
    )
    m.sort_indices()
    return m


def idf_weights(counts: sparse.csr_matrix) -> np.ndarray:
    """Smoothed idf: ln((1 + N) / (1 + df)) + 1."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)


def normalize(m: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.csr_matrix(sparse.diags(1 / norms) @ m)


def tfidf(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Unit rows of sublinear tf (1 + ln tf) times idf."""
    m = counts.copy().astype(np.float32)
    m.data = 1 + np.log(m.data)
    return normalize(sparse.csr_matrix(m @ sparse.diags(idf)))


def lsa_rank(n_docs: int, n_words: int, cap: int = 200) -> int:
    """LSA's rank from the vault's size: up to ``cap``, never more than the matrix allows.

    >>> lsa_rank(173, 2800), lsa_rank(5000, 40000), lsa_rank(3, 10)
    (86, 200, 1)
    """
    return max(1, min(cap, n_docs // 2, n_words - 1, n_docs - 1))


def lsa(x: sparse.csr_matrix, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """Truncated SVD of the TF-IDF matrix: (unit note vectors N×rank, projection V×rank).

    A note's LSA vector is its TF-IDF row times the projection (fold-in), so changed
    notes and queries land in the same space.

    Exact (ARPACK's Lanczos on the Gram matrix of the smaller side, float64), with
    every product in float32 and no dense N×rank or V×rank float64 copy, which
    ``scipy.sparse.linalg.svds`` makes (a float64 copy of the matrix, then a dense SVD
    of X·V) and a large vault's peak memory shows. A randomised SVD (Halko et al.) was
    faster but ranked held-out links worse.

    >>> x = sparse.csr_matrix(np.array([[1, 1, 0, 0], [1, 0.9, 0, 0], [0, 0, 1, 1.1]], np.float32))
    >>> vecs, proj = lsa(x, 2)
    >>> (np.round(vecs @ vecs.T, 2) + 0.0).tolist()  # the first two notes alike, the third apart
    [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    >>> proj.shape
    (4, 2)
    """
    from scipy.sparse.linalg import LinearOperator, eigsh

    rank = min(rank, min(x.shape) - 1)
    if rank < 1:
        return np.zeros((x.shape[0], 1), np.float32), np.zeros((x.shape[1], 1), np.float32)
    x = sparse.csr_matrix(x, dtype=np.float32)
    xt = x.T  # a CSC view of the same arrays
    notes_side = x.shape[0] <= x.shape[1]
    inner, outer = (xt, x) if notes_side else (x, xt)

    def gram_times(y: np.ndarray) -> np.ndarray:
        return np.asarray(outer @ (inner @ y.astype(np.float32)), np.float64).ravel()

    side = min(x.shape)
    op = LinearOperator((side, side), matvec=gram_times, dtype=np.float64)  # type: ignore[call-arg]
    v0 = np.full(side, 1 / math.sqrt(side))  # fixed start: deterministic
    values, vectors = eigsh(op, k=rank, v0=v0, tol=0)
    basis = np.linalg.qr(vectors[:, np.argsort(-values)])[0].astype(np.float32)
    if notes_side:  # the basis holds note-side vectors U; the word side is XᵀU / s
        words = np.asarray(xt @ basis, np.float32)
        gram = _gram(words)
    else:  # the basis is word-side already; rotate it to the singular vectors of X·basis
        words = basis
        gram = _gram_of_product(x, basis)
    values, rotation = np.linalg.eigh(gram)
    order = np.argsort(-values)
    values, rotation = values[order], rotation[:, order]
    if notes_side:
        rotation = rotation / np.sqrt(np.maximum(values, 1e-30))
    proj = words @ rotation.astype(np.float32)
    # Directions the notes do not span (a vault of near-copies has fewer than ``rank``)
    # are rounding noise, which the division above would magnify: they are left out.
    proj[:, values <= NULL_SHARE * max(values[0], 0)] = 0
    # Fix each singular vector's sign so results never depend on the solver.
    signs = np.sign(proj[np.argmax(np.abs(proj), axis=0), np.arange(proj.shape[1])])
    proj *= np.where(signs == 0, 1, signs).astype(np.float32)
    return unit_rows(np.asarray(x @ proj)), proj


NULL_SHARE = 1e-5  # of the largest squared singular value: below it, a direction is noise
GRAM_BLOCK = 8192  # rows at a time: the float64 Gram is built without a float64 copy


def _gram(m: np.ndarray) -> np.ndarray:
    """mᵀm in float64."""
    g = np.zeros((m.shape[1], m.shape[1]))
    for start in range(0, m.shape[0], GRAM_BLOCK):
        b = m[start : start + GRAM_BLOCK].astype(np.float64)
        g += b.T @ b
    return g


def _gram_of_product(x: sparse.csr_matrix, w: np.ndarray) -> np.ndarray:
    """(x·w)ᵀ(x·w) in float64, never holding x·w whole."""
    g = np.zeros((w.shape[1], w.shape[1]))
    for start in range(0, x.shape[0], GRAM_BLOCK):
        b = np.asarray(x[start : start + GRAM_BLOCK] @ w, np.float64)
        g += b.T @ b
    return g


def jl_dimension(n_points: int, eps: float) -> int:
    """Johnson–Lindenstrauss: dimension that keeps pairwise distances within 1 ± eps.

    k ≥ 4 ln n / (eps²/2 − eps³/3).

    >>> jl_dimension(173, 0.3), jl_dimension(50_000, 0.3)
    (573, 1203)
    """
    return math.ceil(4 * math.log(max(n_points, 2)) / (eps**2 / 2 - eps**3 / 3))


def random_projection(x: sparse.csr_matrix, dim: int, seed: int) -> np.ndarray:
    """Gaussian random projection to ``dim`` dimensions (entries N(0, 1/dim))."""
    rng = np.random.default_rng(seed)
    r = rng.standard_normal((x.shape[1], dim)).astype(np.float32) / np.float32(math.sqrt(dim))
    return np.asarray(x @ r, dtype=np.float32)


def unit_rows(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)
