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


def pack(vectors: np.ndarray) -> np.ndarray:
    """Sign bits, packed 64 to a word: (N, ⌈d/64⌉) uint64."""
    packed = np.packbits(vectors > 0, axis=1)
    pad = (-packed.shape[1]) % 8
    if pad:
        packed = np.pad(packed, ((0, 0), (0, pad)))
    return np.ascontiguousarray(packed).view(np.uint64)


def hamming(query: np.ndarray, bits: np.ndarray) -> np.ndarray:
    """Hamming distances, shape (len(query), len(bits)): XOR, then popcount."""
    out = np.zeros((len(query), len(bits)), np.int32)
    for w in range(bits.shape[1]):  # a few 64-bit words: one 2-D pass each
        out += np.bitwise_count(query[:, w, None] ^ bits[None, :, w])
    return out


def rank_rows(
    vectors: np.ndarray,
    bits: np.ndarray,
    rows: list[int],
    rerank: int,
    exclude: list[set[int]],
    limit: int | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each row: (notes, scores), best first, ``limit`` of them (all by default).
    The ``rerank`` nearest by Hamming distance are scored by cosine; the rest follow
    by Hamming distance, below them."""
    n, d = len(vectors), vectors.shape[1]
    want = n if limit is None else min(n, max(limit, rerank) + 1)
    out = []
    for start in range(0, len(rows), 256):
        chunk = np.asarray(rows[start : start + 256])
        dist = hamming(bits[chunk], bits)  # int32; d + 1 marks a note that may not be suggested
        dist[np.arange(len(chunk)), chunk] = d + 1
        for r, i in enumerate(chunk):
            for j in exclude[i]:
                dist[r, j] = d + 1
        cand = np.argpartition(dist, want - 1, axis=1)[:, :want] if want < n else np.tile(np.arange(n), (len(chunk), 1))
        cand_dist = np.take_along_axis(dist, cand, axis=1).astype(np.float64)
        cand_dist[cand_dist > d] = np.inf
        order = np.lexsort((cand, cand_dist), axis=1)  # by distance, then by note
        cand, cand_dist = np.take_along_axis(cand, order, axis=1), np.take_along_axis(cand_dist, order, axis=1)
        head = cand[:, :rerank]
        cos = np.einsum("rkd,rd->rk", vectors[head], vectors[chunk])
        cos[~np.isfinite(cand_dist[:, :rerank])] = -np.inf  # excluded notes stay out
        head_order = np.lexsort((head, -cos), axis=1)
        head, cos = np.take_along_axis(head, head_order, axis=1), np.take_along_axis(cos, head_order, axis=1)
        notes = np.concatenate([head, cand[:, rerank:]], axis=1)
        scores = np.concatenate([cos, -1.0 - cand_dist[:, rerank:] / d], axis=1)
        for r in range(len(chunk)):
            keep = np.isfinite(scores[r])
            out.append((notes[r][keep][:limit], scores[r][keep][:limit]))
    return out
