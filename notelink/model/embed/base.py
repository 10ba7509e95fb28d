"""The interface every word-embedding method implements, and the registry of methods.

A method learns one vector per vocabulary word from the vault's notes::

    embedder = create("sgns", dim=64, seed=7)
    vectors = embedder.fit(docs, vocab)   # float32 array, shape (len(vocab), dim)

``docs`` are the notes as arrays of word ids (see :meth:`Vocabulary.encode`).
Methods import torch themselves, so importing this module stays cheap.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from notelink.model.vocab import Vocabulary
from notelink.progress import OnProgress


class WordEmbedder(ABC):
    name: ClassVar[str]

    def __init__(self, dim: int = 100, seed: int = 0, **params: Any) -> None:
        self.dim = dim
        self.seed = seed
        self.params = params

    @abstractmethod
    def fit(self, docs: list[np.ndarray], vocab: Vocabulary, progress: OnProgress | None = None) -> np.ndarray:
        """Learn and return the word vectors, shape ``(len(vocab), self.dim)``."""


EMBEDDERS: dict[str, type[WordEmbedder]] = {}


def register(cls: type[WordEmbedder]) -> type[WordEmbedder]:
    EMBEDDERS[cls.name] = cls
    return cls


def create(name: str, **params: Any) -> WordEmbedder:
    if name not in EMBEDDERS:
        # Importing the method modules registers them.
        from notelink.model.embed import glove, sgns, softmax  # noqa: F401
    if name not in EMBEDDERS:
        raise KeyError(f"unknown embedding method {name!r}; known: {', '.join(sorted(EMBEDDERS))}")
    return EMBEDDERS[name](**params)
