"""One vector per note from word vectors: a SIF-weighted mean (Arora et al., 2017).

A word's weight is a / (a + p(w)), p its frequency in the vault: rare, telling words
count, "the" and "und" hardly do. The first principal component shared by all notes (what every
note has in common) is removed, and vectors are L2-normalised, so cosine similarity
is a dot product.

>>> import numpy as np
>>> from scipy import sparse
>>> words = np.eye(3, dtype=np.float32)
>>> counts = sparse.csr_matrix(np.array([[0, 2, 0], [0, 0, 1]], dtype=np.float32))
>>> normalize_rows(weighted_means_sparse(words, sif_weights(np.array([0.5, 0.25, 0.25])), counts)).tolist()
[[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

SIF_A = 1e-3


def sif_weights(freq: np.ndarray, a: float = SIF_A) -> np.ndarray:
    return (a / (a + freq)).astype(np.float32)


def normalize_rows(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return np.divide(m, norms, out=np.zeros_like(m), where=norms > 0)


def common_component(vectors: np.ndarray) -> np.ndarray:
    """The first right singular vector of the non-zero rows (unit length), or zeros."""
    rows = vectors[np.linalg.norm(vectors, axis=1) > 0]
    if len(rows) < 2:
        return np.zeros(vectors.shape[1], np.float32)
    _, _, vt = np.linalg.svd(rows.astype(np.float64), full_matrices=False)
    pc = vt[0]
    # A singular vector's sign is arbitrary; fix it so results never depend on it.
    if pc[np.argmax(np.abs(pc))] < 0:
        pc = -pc
    return pc.astype(np.float32)


def project_out(vectors: np.ndarray, component: np.ndarray) -> np.ndarray:
    return vectors - np.outer(vectors @ component, component).astype(np.float32)


def weighted_means_sparse(word_vectors: np.ndarray, weights: np.ndarray, counts: Any) -> np.ndarray:
    """Like :func:`weighted_means`, for notes given as a sparse (notes × words) count matrix."""
    unit = normalize_rows(word_vectors.astype(np.float32))
    w = counts.multiply(weights[None, :]).tocsr()
    sums = np.asarray(w.sum(axis=1)).ravel()
    means = np.asarray(w @ unit, dtype=np.float32)
    return means / np.maximum(sums, 1e-12)[:, None].astype(np.float32)
