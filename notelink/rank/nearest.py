"""The few notes worth scoring for a note, in a large vault, without an N × N matrix.

Scoring every pair of a large vault with every signal is out of reach, so the
hybrid method scores a short list per note: the best ``k`` by each cheap signal, put
together. Rows come in blocks, so memory stays at ``block × N``:

- dense vectors (LSA, word-vector means): one matrix product per block and
  ``torch.topk`` (choosing the top k, not the product, is what costs at this size);
- TF-IDF on rare words only (words in at most ``RARE_DF`` notes): a sparse product
  that stays cheap, because a rare word's posting list is short; it finds notes that
  share an unusual name or term, which topic vectors can blur;
- sparse signals (mentions, links): their largest non-zero entries.

>>> import numpy as np
>>> v = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.6, 0.8]], dtype=np.float32)
>>> top_dense(v[[0, 2]], v, 2, np.array([0, 2])).tolist()
[[1, 3], [3, 1]]
>>> merge([np.array([[3, 1], [-1, -1]]), np.array([[1, 2], [0, 3]])], np.array([0, 2]))
[array([1, 2, 3]), array([0, 3])]
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from scipy import sparse

RARE_DF = 100  # a word in at most this many notes counts as rare
PER_SIGNAL = 50  # candidates each signal brings
FEW_ROWS = 64  # up to this many query rows, numpy instead of torch


@contextmanager
def _one_thread() -> Iterator[None]:
    """torch on one thread: two intra-op threads are slower than one as soon as another
    process holds a core, and blocks are small."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def top_dense(queries: np.ndarray, matrix: np.ndarray, k: int, selves: np.ndarray) -> np.ndarray:
    """For each query row, the ``k`` rows of ``matrix`` with the largest dot product,
    never its own (``selves[r]``; -1 for none). Shape (len(queries), k)."""
    k = min(k, len(matrix) - 1)
    if k < 1 or len(queries) == 0:
        return np.zeros((len(queries), 0), np.int64)
    if len(queries) <= FEW_ROWS and "torch" not in sys.modules:
        # A few rows (a small update): numpy, rather than loading torch for them.
        sims = np.asarray(queries, np.float32) @ np.asarray(matrix, np.float32).T
        own = np.flatnonzero(selves >= 0)
        sims[own, selves[own]] = -np.inf
        return np.argpartition(-sims, k - 1, axis=1)[:, :k].astype(np.int64)
    import torch

    with _one_thread():
        sims = (
            torch.from_numpy(np.ascontiguousarray(queries, np.float32))
            @ torch.from_numpy(np.ascontiguousarray(matrix, np.float32)).T
        )
        own = np.flatnonzero(selves >= 0)
        sims[torch.from_numpy(own), torch.from_numpy(selves[own])] = -float("inf")
        return torch.topk(sims, k, dim=1, sorted=False).indices.numpy().astype(np.int64)


def top_sparse(block: sparse.csr_matrix, k: int) -> np.ndarray:
    """For each row of a sparse block, the columns of its ``k`` largest positive
    entries (read from the row's own entries, never a dense row); -1 pads rows with
    fewer. Shape (rows, k).

    >>> top_sparse(sparse.csr_matrix(np.array([[0, 3, 1, 2], [0, 0, 0, 5]], np.float32)), 2).tolist()
    [[1, 3], [3, -1]]
    """
    block = sparse.csr_matrix(block)
    rows, n = block.shape
    k = min(k, n)
    out = np.full((rows, max(k, 0)), -1, np.int64)
    if k < 1:
        return out
    for r in range(rows):
        lo, hi = block.indptr[r], block.indptr[r + 1]
        vals, cols = block.data[lo:hi], block.indices[lo:hi]
        cols, vals = cols[vals > 0], vals[vals > 0]
        if len(cols) > k:
            best = np.lexsort((cols, -vals))[:k]  # ties: lower index first
            cols = np.sort(cols[best])
        out[r, : len(cols)] = cols
    return out


def merge(picks: list[np.ndarray], selves: np.ndarray) -> list[np.ndarray]:
    """Each row's candidates from every source: sorted, distinct, never itself, no -1."""
    both = np.concatenate([p for p in picks if p.shape[1]], axis=1) if any(p.shape[1] for p in picks) else None
    out = []
    for r, own in enumerate(selves.tolist()):
        if both is None:
            out.append(np.zeros(0, np.int64))
            continue
        row = np.unique(both[r])
        out.append(row[(row >= 0) & (row != own)])
    return out
