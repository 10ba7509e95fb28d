"""Unlinked mentions: where a note's text names another note without linking to it.

:class:`Mentions` is one part of :class:`notelink.rank.index.VaultIndex`: its
matrices are cached properties of the index, computed on first use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cached_property

import numpy as np
from scipy import sparse

from notelink.text.links import stem
from notelink.text.record import NoteRecord
from notelink.text.tokens import case_matters, name_tokens, written_tokens

MAX_PHRASE = 8  # longest title or alias (in words) looked for as an unlinked mention


class Mentions:
    """Each note's names (title, aliases, file name) and where other notes' text holds them."""

    order: list[str]
    records: list[NoteRecord]
    vocab: dict[str, int]
    idf: np.ndarray

    @cached_property
    def names(self) -> list[list[tuple[str, ...]]]:
        """Each note's names as token tuples (numbers kept): title, aliases, file name."""
        out = []
        for j, rec in enumerate(self.records):
            found = {tuple(name_tokens(n)) for n in [rec.title, *rec.aliases, stem(self.order[j])]}
            out.append(sorted(w for w in found if 0 < len(w) <= MAX_PHRASE))
        return out

    @cached_property
    def exact_names(self) -> list[dict[tuple[str, ...], str]]:
        """Each note's one-word names that only their own spelling mentions (``SO``,
        ``Go``, ``MaaS``: :func:`~notelink.text.tokens.case_matters`), by their folded form."""
        out = []
        for j, rec in enumerate(self.records):
            forms: dict[tuple[str, ...], set[str]] = {}
            for n in [rec.title, *rec.aliases, stem(self.order[j])]:
                spelled = written_tokens(n)
                if len(spelled) == 1:
                    forms.setdefault((spelled[0].casefold(),), set()).add(spelled[0])
            out.append({k: next(iter(v)) for k, v in forms.items() if len(v) == 1 and case_matters(next(iter(v)))})
        return out

    def names_in(self, j: int, words: dict[str, int]) -> bool:
        """Whether ``words`` (token counts of a link's text, numbers kept as in names)
        hold all the tokens of a title or alias of note j: whether that text, unlinked,
        would be a mention of j."""
        return any(all(words.get(w, 0) >= n for w, n in Counter(p).items()) for p in self.names[j])

    @cached_property
    def phrases(self) -> tuple[dict[tuple[str, ...], list[tuple[int, float]]], dict[str, list[int]]]:
        """Every title and alias → the notes it names and its weight (the sum of its
        words' idf); and for each first word, the lengths of the names starting with it."""
        idf = {w: float(self.idf[i]) for w, i in self.vocab.items()}
        unseen = 1.0  # a number (never in the vocabulary): the lowest idf
        named: dict[tuple[str, ...], list[tuple[int, float]]] = {}
        for j in range(len(self)):
            for words in self.names[j]:
                named.setdefault(words, []).append((j, sum(idf.get(w, unseen) for w in words)))
        lengths: dict[str, set[int]] = {}
        for words in named:
            lengths.setdefault(words[0], set()).add(len(words))
        return named, {w: sorted(ls) for w, ls in lengths.items()}

    @cached_property
    def mentions(self) -> sparse.csr_matrix:
        """M[i, j] = weight (idf sum) of the longest title or alias of note j that note i's
        text outside links contains as whole words; 0 when it has none."""
        return self.mention_rows(range(len(self)))

    def mention_rows(self, which: Sequence[int]) -> sparse.csr_matrix:
        """Rows of :attr:`mentions` for the notes ``which`` (in that order). Each distinct
        name is looked up once per place it could start, however many notes share it."""
        named, lengths = self.phrases
        exact = self.exact_names
        rows, cols, vals = [], [], []
        for r, i in enumerate(which):
            words = self.records[i].plain_text().split()
            written = set(self.records[i].cased)
            found: set[tuple[str, ...]] = set()
            for k, w in enumerate(words):
                for n in lengths.get(w, ()):
                    phrase = tuple(words[k : k + n])
                    if phrase in named:
                        found.add(phrase)
            best: dict[int, float] = {}
            for phrase in found:
                for j, weight in named[phrase]:
                    spelled = exact[j].get(phrase)
                    if spelled is not None and spelled not in written:
                        continue  # "so" is not a mention of SO
                    if j != i and weight > best.get(j, 0):
                        best[j] = weight
            for j, weight in sorted(best.items()):
                rows.append(r)
                cols.append(j)
                vals.append(weight)
        return sparse.csr_matrix((np.array(vals, np.float32), (rows, cols)), shape=(len(which), len(self)))

    @cached_property
    def mentions_t(self) -> sparse.csr_matrix:
        return sparse.csr_matrix(self.mentions.T)
