"""The vault's vocabulary: the words a model is trained on, most frequent first.

>>> v = Vocabulary.build([["b", "a", "b"], ["b", "c"]], min_count=1)
>>> v.words, v.counts.tolist(), v.encode(["c", "zzz", "b"]).tolist()
(['b', 'a', 'c'], [3, 1, 1], [2, 0])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass
class Vocabulary:
    words: list[str]
    counts: np.ndarray  # int64, aligned with words, most frequent first

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    @classmethod
    def build(cls, docs: Iterable[list[str]], min_count: int = 2, max_size: int | None = None) -> Vocabulary:
        """Words seen at least ``min_count`` times, most frequent first (ties alphabetical)."""
        counter: Counter[str] = Counter()
        for doc in docs:
            counter.update(doc)
        items = sorted(((w, c) for w, c in counter.items() if c >= min_count), key=lambda x: (-x[1], x[0]))
        if max_size is not None:
            items = items[:max_size]
        return cls([w for w, _ in items], np.array([c for _, c in items], dtype=np.int64))

    @classmethod
    def from_counts(cls, words: list[str], counts: np.ndarray, min_count: int = 2) -> Vocabulary:
        """The same vocabulary as :meth:`build`, from words and their counts.

        >>> Vocabulary.from_counts(["b", "a", "c"], np.array([2, 2, 1])).words
        ['a', 'b']
        """
        items = sorted(((w, int(c)) for w, c in zip(words, counts, strict=True) if c >= min_count),
                       key=lambda x: (-x[1], x[0]))  # fmt: skip
        return cls([w for w, _ in items], np.array([c for _, c in items], dtype=np.int64))

    def encode(self, tokens: list[str]) -> np.ndarray:
        """Token ids, words outside the vocabulary dropped."""
        idx = self.index
        return np.array([idx[t] for t in tokens if t in idx], dtype=np.int64)

    def frequencies(self) -> np.ndarray:
        total = max(int(self.counts.sum()), 1)
        return self.counts / total

    def keep_probability(self, sample: float = 1e-3) -> np.ndarray:
        """word2vec's subsampling: frequent words are kept with probability (√(f/t) + 1)·t/f."""
        f = np.maximum(self.frequencies(), 1e-12)
        return np.minimum(1.0, (np.sqrt(f / sample) + 1) * sample / f)
