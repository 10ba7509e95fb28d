"""Binary note vectors: one sign bit per dimension, ranked by Hamming distance.

32 times smaller than float32 vectors; candidates found by Hamming distance are
reranked with the full vectors' cosine.

>>> import numpy as np
>>> bits = pack(np.array([[0.5, -1, 2], [0.1, -0.2, 0.3], [-1, 1, -1]], dtype=np.float32))
>>> hamming(bits[:1], bits).tolist()
[[0, 0, 3]]
"""

from __future__ import annotations

import numpy as np

POPCOUNT = np.array([bin(i).count("1") for i in range(256)], np.uint8)


def pack(vectors: np.ndarray) -> np.ndarray:
    """Sign bits, packed 8 to a byte: (N, ⌈d/8⌉) uint8."""
    return np.packbits(vectors > 0, axis=1)


def hamming(query: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Hamming distances, shape (len(query), len(bits))."""
    return POPCOUNT[np.bitwise_xor(query[:, None, :], bits[None, :, :])].sum(-1, dtype=np.int32)


def rank_rows(
    vectors: np.ndarray, bits: np.ndarray, rows: list[int], rerank: int, exclude: list[set[int]]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each row: (notes, scores), best first. The ``rerank`` nearest by Hamming
    distance are scored by cosine; the rest follow by Hamming distance, below them."""
    n, d = len(vectors), vectors.shape[1]
    out = []
    for start in range(0, len(rows), 256):
        chunk = rows[start : start + 256]
        dist = hamming(bits[chunk], bits).astype(np.float64)
        for r, i in enumerate(chunk):
            dist[r, i] = np.inf
            for j in exclude[i]:
                dist[r, j] = np.inf
            order = np.lexsort((np.arange(n), dist[r]))
            order = order[np.isfinite(dist[r][order])]
            head, tail = order[:rerank], order[rerank:]
            cos = vectors[head] @ vectors[i]
            head_order = np.lexsort((head, -cos))
            scores = np.concatenate([cos[head_order], -1.0 - dist[r][tail] / d])
            out.append((np.concatenate([head[head_order], tail]), scores))
    return out
