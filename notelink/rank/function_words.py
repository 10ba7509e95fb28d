"""Function words by language, from the lists of the ``stopwords`` package (Snowball-style):
the second line after the vault's own rule (``text_matrices.reason_columns``), for the
function words common in a language yet in too few of its notes for that rule.

A note is written in the languages whose list holds at least ``NEAR_BEST`` as many of its
tokens as the best one's (and at least ``MIN_HITS``); their words are never a reason in it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import sparse

from notelink.text.tokens import tokenize

MIN_HITS = 3
NEAR_BEST = 0.5


@lru_cache(maxsize=1)
def lists() -> tuple[frozenset[str], ...]:
    """Every language's function words, cut into tokens as notes are ("i've" → "ve")."""
    import stopwords

    names = sorted(set(stopwords.AVAILABLE_LANGUAGES))
    return tuple(frozenset(t for w in stopwords.get_stopwords(name) for t in tokenize(w)) for name in names)


def language_matrix(vocab: dict[str, int]) -> sparse.csr_matrix:
    """Vocabulary × languages, 1 where the language's list holds the word."""
    rows, cols = [], []
    for k, words in enumerate(lists()):
        held = [vocab[w] for w in words if w in vocab]
        rows += held
        cols += [k] * len(held)
    data = np.ones(len(rows), np.float32)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(vocab), len(lists())))


def bits(member: np.ndarray) -> np.ndarray:
    """Rows of booleans (one column per language) as one bit mask each."""
    weights = np.uint64(1) << np.arange(member.shape[1], dtype=np.uint64)
    return (member.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)


def note_languages(counts: sparse.csr_matrix, languages: sparse.csr_matrix) -> np.ndarray:
    """For each row of word counts (a note), the bit mask of the languages it is written in."""
    hits = np.asarray((counts @ languages).toarray())
    best = hits.max(axis=1, initial=0)[:, None]
    return bits((hits >= NEAR_BEST * best) & (hits >= MIN_HITS))


def drop_function_words(m: sparse.csr_matrix, notes: np.ndarray, languages: sparse.csr_matrix) -> None:
    """Zero, in place, each entry of ``m`` whose word is a function word of its row's languages
    (``notes``: their bit masks, :func:`note_languages`)."""
    words = np.zeros(languages.shape[0], np.uint64)
    held = np.repeat(np.arange(languages.shape[0]), np.diff(languages.indptr))
    np.bitwise_or.at(words, held, np.uint64(1) << languages.indices.astype(np.uint64))
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    m.data[(notes[rows] & words[m.indices]) != 0] = 0
