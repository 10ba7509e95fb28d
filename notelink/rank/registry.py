"""Every way notelink can rank notes (``--method``), in the one table everything reads.

A :class:`Method` says which word model it needs trained, its default minimum score,
what builds its scorer and what it is, in a line. All rank by cosine similarity except
``hybrid``, which ranks by its fitted model's score (a probability-like number in 0..1),
and the baselines of :mod:`notelink.rank.baselines` (a signal first, then cosine).

Light on purpose: the CLI imports this module at startup (``--method``'s choices), so
it imports no numpy, scipy or torch. A scorer's builder is named ``module:function``
and imported only when a scorer is made (:meth:`Method.builder`).

>>> METHODS[0], WORD_METHODS, word_method("hybrid"), word_method("lsa"), REGISTRY["tfidf"].min_score
('hybrid', ('sgns', 'softmax', 'glove'), 'sgns', None, 0.1)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Method:
    name: str
    words: str | None  # the word-embedding method (notelink.model.embed) it needs trained, or None
    min_score: float  # a suggestion scores at least this, unless the vault's config says otherwise
    scorer: str  # "module:function" building its scorer (see notelink.rank.methods.make_scorer)
    about: str  # what it is, in a line
    needs_pretrained: bool = False  # ranks with the optional pretrained sentence model (notelink[pretrained])

    def builder(self) -> Callable[..., Any]:
        """The function that builds this method's scorer (imported now)."""
        module, _, name = self.scorer.partition(":")
        return getattr(importlib.import_module(module), name)


_SCORERS = "notelink.rank.methods"
_BASELINES = "notelink.rank.baselines"
_MEANING = "notelink.rank.meaning"
REGISTRY: dict[str, Method] = {
    m.name: m
    for m in (
        Method("hybrid", "sgns", 0.5, f"{_SCORERS}:hybrid_scorer",
               "default: every signal of notelink.rank.signals, weighted by a model fitted on the vault's own links"),
        Method("sgns", "sgns", 0.35, f"{_SCORERS}:word_scorer",
               "word2vec skip-gram word vectors trained on the vault, SIF note means"),
        Method("softmax", "softmax", 0.35, f"{_SCORERS}:word_scorer",
               "the seed note's embedding + linear model over the vocabulary, SIF means"),
        Method("glove", "glove", 0.35, f"{_SCORERS}:word_scorer",
               "GloVe vectors fitted to the vault's co-occurrence counts, SIF means"),
        Method("tfidf", None, 0.1, f"{_SCORERS}:tfidf_scorer", "sparse TF-IDF vectors, sublinear tf"),
        Method("lsa", None, 0.3, f"{_SCORERS}:lsa_scorer", "truncated SVD of TF-IDF (rank from the vault's size)"),
        Method("randproj", None, 0.1, f"{_SCORERS}:randproj_scorer",
               "Gaussian random projection of TF-IDF (dimension from the JL bound)"),
        Method("mention-tfidf", None, 0.1, f"{_BASELINES}:mention_scorer",
               "baseline: notes whose title or alias the note's prose names, unlinked, first; TF-IDF within and after"),
        Method("adamic", None, 0.1, f"{_BASELINES}:adamic_scorer",
               "baseline: Adamic-Adar on the undirected link graph; TF-IDF for ties and notes without one"),
        Method("minilm", None, 0.3, f"{_MEANING}:minilm_scorer",
               "cosine of the pretrained sentence model's note vectors (needs notelink[pretrained])", True),
        Method("tfidf-minilm", None, 0.2, f"{_MEANING}:tfidf_minilm_scorer",
               "baseline: the mean of the TF-IDF and pretrained-vector cosines (needs notelink[pretrained])", True),
    )
}  # fmt: skip
METHODS = tuple(REGISTRY)
# The methods that are a word model's own vectors (the names of notelink.model.embed's methods).
WORD_METHODS = tuple(m.name for m in REGISTRY.values() if m.words == m.name)


def word_method(method: str) -> str | None:
    """The word-embedding method a note method needs trained, if any."""
    spec = REGISTRY.get(method)
    return None if spec is None else spec.words


def available(pretrained: bool | None = None) -> tuple[str, ...]:
    """The methods that can run here: all but those needing the pretrained extra when
    it is not installed or is switched off (``NOTELINK_PRETRAINED=0``, or ``pretrained``
    False: ``--no-pretrained``)."""
    from notelink.model import pretrained as sentence_model

    on = sentence_model.wanted(pretrained)
    return tuple(m.name for m in REGISTRY.values() if on or not m.needs_pretrained)


def get(method: str) -> Method:
    """The method called ``method``; ValueError names the known ones."""
    if method not in REGISTRY:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    return REGISTRY[method]
