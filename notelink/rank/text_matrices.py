"""The vault's text as matrices: vocabulary, TF-IDF, LSA, word-vector means, shared words.

:class:`TextMatrices` is one part of :class:`notelink.rank.index.VaultIndex`: every
matrix is a cached property of the index, computed on first use.
:class:`TextModel` is what they were fitted with, kept between runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy import sparse

from notelink.model import pretrained as sentence_model
from notelink.model import textvec
from notelink.rank import function_words
from notelink.text.record import NoteRecord, Terms
from notelink.text.tokens import is_number

TITLE_WEIGHT = 3  # in a note's word-vector mean, its title and alias words count this many times
COMMON_WORD_SHARE = 0.25  # words in more than this share of the notes of their language are never a reason
LANGUAGE_COVER = 0.8  # a word's language is that of the commonest anchor word this share of its notes hold
ANCHOR_COVER = 0.5  # an anchor: the commonest word of the notes no anchor holds yet, held by this share of them
MAX_ANCHORS = 8
MIN_NOTES = 10  # fewer notes than this tell nothing about how common a word is


def vector_counts(rec: NoteRecord, minus: Mapping[str, int] | None = None) -> Counter[str]:
    """The words a note's vectors are made of: its prose, plus its title and aliases.

    ``minus`` takes words out (a link's own text, when that link is a training example)."""
    terms = rec.terms  # copied as a dict first: C speed, where Terms' lookups are not
    c = Counter(terms.to_dict() if isinstance(terms, Terms) else terms)
    c.update(rec.title_terms)
    if minus:
        c.subtract(minus)
        c = Counter({w: n for w, n in c.items() if n > 0})
    return c


@dataclass
class TextModel:
    """What the text signals were fitted with: kept between small updates, so a few
    changed notes do not refit the vocabulary, idf and LSA of the whole vault."""

    vocab: dict[str, int]
    idf: np.ndarray
    lsa_projection: np.ndarray

    def save(self, store: Any) -> None:
        words = sorted(self.vocab, key=self.vocab.__getitem__)
        store.write_json("text-model.json", {"words": words})
        store.write_array("text-idf.npy", self.idf)
        store.write_array("text-lsa.npy", self.lsa_projection)

    @classmethod
    def load(cls, store: Any) -> TextModel | None:
        meta, idf, lsa = (
            store.read_json("text-model.json"),
            store.read_array("text-idf.npy"),
            store.read_array("text-lsa.npy"),
        )
        if meta is None or idf is None or lsa is None or len(meta["words"]) != len(idf) or len(idf) != len(lsa):
            return None
        return cls({w: i for i, w in enumerate(meta["words"])}, idf, lsa)


class TextMatrices:
    """The text side of the index. ``vocab``, ``idf`` and ``lsa_projection`` are fitted
    on the vault unless the index was given a :class:`TextModel` (then they are set)."""

    records: list[NoteRecord]
    model: Any  # the trained word model (notelink.model.words.Model), or None
    dims: int | None
    frozen: bool  # given a TextModel: vocab, idf and LSA projection are not fitted
    encoder: Any  # the pretrained sentence model's cached encoder (notelink.model.pretrained), or None

    template_words: Callable[[int], dict[str, int]]  # by rank/templates.py
    boilerplate: frozenset[str]  # by rank/templates.py

    def counts_of(self, i: int, minus: Mapping[str, int] | None = None) -> Counter[str]:
        """:func:`vector_counts` of note i, the words of its boilerplate lines and ``minus`` taken out."""
        template = self.template_words(i)
        if template and minus:
            template = dict(Counter(template) + Counter(minus))
        return vector_counts(self.records[i], template or minus)

    def prose_counts(self, i: int) -> Mapping[str, int]:
        """Note i's prose word counts, the words of its boilerplate lines taken out."""
        terms, template = self.records[i].terms, self.template_words(i)
        if not template:
            return terms
        c = Counter(terms.to_dict() if isinstance(terms, Terms) else terms)
        c.subtract(template)
        return {w: n for w, n in c.items() if n > 0}

    @cached_property
    def vocab(self) -> dict[str, int]:
        return textvec.build_vocab(self.counts_of(i) for i in range(len(self.records)))

    @cached_property
    def idf(self) -> np.ndarray:
        self.tfidf  # noqa: B018 -- computes the idf on the way (the counts are not kept)
        return self.__dict__["idf"]

    def text_model(self) -> TextModel:
        return TextModel(self.vocab, self.idf, self.lsa_projection)

    def fitted_text(self) -> TextModel | None:
        """The text model this index fitted itself (to keep for the next run's small
        updates); None when it was given one (frozen) or has not computed its idf."""
        if self.frozen or "idf" not in self.__dict__:
            return None
        return self.text_model()

    @cached_property
    def vocab_words(self) -> list[str]:
        """The vocabulary's words by column."""
        return sorted(self.vocab, key=self.vocab.__getitem__)

    @cached_property
    def doc_freq(self) -> np.ndarray:
        """How many notes hold each word."""
        return np.bincount(self.tfidf.indices, minlength=self.tfidf.shape[1])

    @cached_property
    def language_notes(self) -> np.ndarray:
        """For each word, how many notes are written in its language, as the notes that hold
        its anchor: anchors are picked one by one as the commonest word of the notes that
        hold no anchor yet (in a vault of two languages, the commonest word of each), and a
        word's anchor is the commonest one that ``LANGUAGE_COVER`` of its notes hold (none:
        every note)."""
        n, df = len(self), self.doc_freq
        notes = self.tfidf_t  # word → the notes that hold it
        out = np.zeros(len(df), np.int64)
        free = np.ones(n, bool)  # notes that hold no anchor yet
        for _ in range(MAX_ANCHORS):
            if free.sum() < MIN_NOTES:
                break
            held = np.bincount(self.tfidf[np.flatnonzero(free)].indices, minlength=len(df))
            u = int(np.argmax(held))  # ties: the first column (the vocabulary is sorted)
            if held[u] < max(MIN_NOTES, ANCHOR_COVER * free.sum()):
                break
            with_u = notes[u].indices
            free[with_u] = False
            both = np.bincount(self.tfidf[with_u].indices, minlength=len(df))
            cover = both >= LANGUAGE_COVER * np.maximum(df, 1)
            out[cover] = np.maximum(out[cover], df[u])
        return np.where(out > 0, out, n)

    @cached_property
    def reason_columns(self) -> np.ndarray:
        """Each word's idf, zero for the words never given as a reason: those in more than
        ``COMMON_WORD_SHARE`` of the notes of their language (:attr:`language_notes`), and
        numbers (:func:`~notelink.text.tokens.is_number`)."""
        keep = ~np.fromiter((is_number(w) for w in self.vocab_words), bool, len(self.vocab))
        if len(self) >= MIN_NOTES:
            keep &= self.doc_freq <= COMMON_WORD_SHARE * self.language_notes
        return self.idf.astype(np.float64) * keep

    def shared_word_weights_of(self, rows: Iterable[int]) -> sparse.csr_matrix:
        """Per note of ``rows``, idf × (1 + ln tf) of its prose words, boilerplate left out
        (see :attr:`reason_columns`), less the function words of its languages
        (:mod:`notelink.rank.function_words`): the product of two rows ranks the words the
        notes share."""
        m = textvec.counts_matrix((self.prose_counts(i) for i in rows), self.vocab)
        languages = function_words.note_languages(m, self.function_word_languages)
        # In place: a copy of a vault-sized matrix is not free
        np.log(m.data, out=m.data)
        m.data += 1
        m.data *= self.reason_columns.astype(np.float32)[m.indices]
        function_words.drop_function_words(m, languages, self.function_word_languages)
        m.eliminate_zeros()  # the common words, never a reason
        return m

    @cached_property
    def function_word_languages(self) -> sparse.csr_matrix:
        """Vocabulary × languages: which languages' lists of function words hold each word."""
        return function_words.language_matrix(self.vocab)

    @cached_property
    def shared_word_weights(self) -> sparse.csr_matrix:
        return self.shared_word_weights_of(range(len(self.records)))

    def tfidf_of(self, counts: list[dict[str, int]]) -> sparse.csr_matrix:
        return textvec.tfidf(textvec.counts_matrix(counts, self.vocab), self.idf)

    @cached_property
    def tfidf(self) -> sparse.csr_matrix:
        counts = textvec.counts_matrix((self.counts_of(i) for i in range(len(self.records))), self.vocab)
        if "idf" not in self.__dict__:  # fitted on these counts, unless it was given (a frozen index)
            self.__dict__["idf"] = textvec.idf_weights(counts)
        return textvec.tfidf(counts, self.__dict__["idf"])

    @cached_property
    def tfidf_t(self) -> sparse.csr_matrix:
        """The TF-IDF matrix transposed, kept in row form for fast products."""
        return sparse.csr_matrix(self.tfidf.T)

    @cached_property
    def lsa_projection(self) -> np.ndarray:
        n, v = self.tfidf.shape
        return textvec.lsa(self.tfidf, textvec.lsa_rank(n, v))[1]

    def lsa_of(self, x: sparse.csr_matrix) -> np.ndarray:
        return textvec.unit_rows(np.asarray(x @ self.lsa_projection))

    @cached_property
    def lsa(self) -> np.ndarray:
        return self.lsa_of(self.tfidf)

    def semantic_of(self, counts: Iterable[Mapping[str, int]]) -> np.ndarray:
        """Unit word-vector means (SIF) of notes given as word counts."""
        return self.model.embed_counts((Counter(c) for c in counts), self.dims)

    @cached_property
    def semantic(self) -> np.ndarray | None:
        if self.model is None:
            return None
        return self.semantic_of(self.semantic_counts_of(i) for i in range(len(self.records)))

    def pretrained_text(self, i: int) -> str:
        """What the pretrained model encodes of note i: its title and its prose outside
        links (so no link's own text, as a training positive must be seen), boilerplate
        lines left out."""
        rec, boilerplate = self.records[i], self.boilerplate
        lines = [line for line in rec.plain_text().splitlines() if line not in boilerplate]
        return sentence_model.note_text(rec.title, lines)

    @cached_property
    def pretrained(self) -> np.ndarray | None:
        """Unit vectors of the pretrained sentence model, one per note (None when it is not in use)."""
        if self.encoder is None:
            return None
        return self.encoder.vectors([self.pretrained_text(i) for i in range(len(self.records))])

    def semantic_counts_of(self, i: int, minus: Mapping[str, int] | None = None) -> Counter[str]:
        """:meth:`semantic_counts` of note i, the words of its boilerplate lines taken out."""
        return titled(self.counts_of(i, minus), self.records[i])

    @staticmethod
    def semantic_counts(rec: NoteRecord, minus: dict[str, int] | None = None) -> Counter[str]:
        """The words a note's word-vector mean is made of: :func:`vector_counts`, title words weighted."""
        return titled(vector_counts(rec, minus), rec)


def titled(c: Counter[str], rec: NoteRecord) -> Counter[str]:
    """``c`` with the title and alias words of ``rec`` counted ``TITLE_WEIGHT`` times in all."""
    for w, n in rec.title_terms.items():
        c[w] += (TITLE_WEIGHT - 1) * n
    return c
