"""Unlinked mentions: where a note's text names another note without linking to it.

:class:`Mentions` is one part of :class:`notelink.rank.index.VaultIndex`: its
matrices are cached properties of the index, computed on first use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import cached_property

import numpy as np
from scipy import sparse

from notelink.text.links import stem
from notelink.text.record import NoteRecord
from notelink.text.tokens import case_matters, fold_accents, mention_key, name_tokens, vault_language, written_tokens

MAX_PHRASE = 8  # longest title or alias (in words) looked for as an unlinked mention
ANCHOR_PRIOR = 2.0  # a name's link probability counts as this many notes at the vault's rate


class Mentions:
    """Each note's names (title, aliases, file name) and where other notes' text holds them."""

    order: list[str]
    records: list[NoteRecord]
    vocab: dict[str, int]
    idf: np.ndarray
    doc_freq: np.ndarray  # by rank/text_matrices.py

    out_links: list[dict[int, list[str]]]  # these three by rank/link_graph.py
    adjacency_t: sparse.csr_matrix
    link_text: Callable[[int, int], dict[str, int]]

    @cached_property
    def names(self) -> list[list[tuple[str, ...]]]:
        """Each note's names as token tuples (numbers kept): title, aliases, file name."""
        out = []
        for j, rec in enumerate(self.records):
            found = {tuple(name_tokens(n)) for n in [rec.title, *rec.aliases, stem(self.order[j])]}
            out.append(sorted(w for w in found if 0 < len(w) <= MAX_PHRASE))
        return out

    @cached_property
    def language(self) -> str | None:
        """``en`` or ``es`` when the vault is written in one of them (its function words,
        :func:`~notelink.text.tokens.vault_language`): where plurals are safe to fold."""
        return vault_language({w: int(self.doc_freq[i]) for w, i in self.vocab.items() if len(w) <= 4})

    @cached_property
    def word_keys(self) -> tuple[dict[str, str], dict[str, str]]:
        """Memos of each word's form with its accents folded, and with its plural folded too."""
        return {}, {}

    def fold(self, word: str) -> str:
        folded = self.word_keys[0].get(word)
        if folded is None:
            folded = self.word_keys[0][word] = fold_accents(word)
        return folded

    def stem(self, word: str) -> str:
        """``word``'s form in a name of two words or more: accents and plural folded
        (:func:`~notelink.text.tokens.mention_key`). A one-word name is matched with its
        accents folded only: ``News`` is not mentioned by every "new"."""
        key = self.word_keys[1].get(word)
        if key is None:
            key = self.word_keys[1][word] = mention_key(word, self.language)
        return key

    def keyed(self, phrase: tuple[str, ...]) -> tuple[str, ...]:
        """A name as mentions are matched: see :meth:`stem`."""
        return (self.fold(phrase[0]),) if len(phrase) == 1 else tuple(self.stem(w) for w in phrase)

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
                    forms.setdefault((self.fold(spelled[0].casefold()),), set()).add(spelled[0])
            out.append({k: next(iter(v)) for k, v in forms.items() if len(v) == 1 and case_matters(next(iter(v)))})
        return out

    def names_in(self, j: int, words: dict[str, int]) -> bool:
        """Whether ``words`` (token counts of a link's text, numbers kept as in names)
        hold all the tokens of a title or alias of note j: whether that text, unlinked,
        would be a mention of j."""
        return self.name_weight(j, words) > 0

    def name_weight(self, j: int, words: dict[str, int]) -> float:
        """The weight (as in :attr:`mentions`) of the heaviest title or alias of note j
        that ``words`` hold; 0 when they hold none."""
        folded: Counter[str] = Counter()
        stemmed: Counter[str] = Counter()
        for w, n in words.items():
            folded[self.fold(w)] += n
            stemmed[self.stem(w)] += n
        best = 0.0
        for p in self.names[j]:
            pool = folded if len(p) == 1 else stemmed
            if all(pool[w] >= n for w, n in Counter(self.keyed(p)).items()):
                best = max(best, sum(float(self.idf[self.vocab[w]]) if w in self.vocab else 1.0 for w in p))
        return best

    @cached_property
    def phrases(self) -> tuple[dict[tuple[str, ...], list[tuple[int, float]]], dict[str, list[int]]]:
        """Every title and alias → the notes it names and its weight (the sum of its
        words' idf); and for each first word, the lengths of the names starting with it."""
        idf = {w: float(self.idf[i]) for w, i in self.vocab.items()}
        unseen = 1.0  # a number (never in the vocabulary): the lowest idf
        named: dict[tuple[str, ...], list[tuple[int, float]]] = {}
        for j in range(len(self)):
            for words in self.names[j]:
                named.setdefault(self.keyed(words), []).append((j, sum(idf.get(w, unseen) for w in words)))
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
            folded = [self.fold(w) for w in self.records[i].plain_text().split()]
            words = [self.stem(w) for w in folded]
            written = set(self.records[i].cased)
            found: set[tuple[str, ...]] = set()
            for k, w in enumerate(words):
                if (folded[k],) in named:
                    found.add((folded[k],))
                for n in lengths.get(w, ()):
                    phrase = tuple(words[k : k + n])
                    if n > 1 and phrase in named:
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

    def named_link(self, i: int, j: int) -> bool:
        """Whether note i links to note j by a text that names j (its title or an alias)."""
        return j in self.out_links[i] and self.names_in(j, self.link_text(i, j))

    @cached_property
    def anchor_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Per note j: how many notes link to it by a text naming it, and how many name it
        at all (such a link, or a mention outside links)."""
        n = len(self)
        linked = np.zeros(n, np.float64)
        named = np.zeros(n, np.float64)
        mentioned = self.mentions_t
        for j in range(n):
            by = {int(i) for i in mentioned.indices[mentioned.indptr[j] : mentioned.indptr[j + 1]]}
            links = self.adjacency_t.indices[self.adjacency_t.indptr[j] : self.adjacency_t.indptr[j + 1]]
            naming = {int(i) for i in links if self.names_in(j, self.link_text(int(i), j))}
            linked[j], named[j] = len(naming), len(by | naming)
        return linked, named

    @cached_property
    def anchor_rate(self) -> float:
        """The vault's link probability: of the notes naming some note, the share linking it."""
        linked, named = self.anchor_counts
        return float(linked.sum() / named.sum()) if named.sum() else 0.5

    def link_share(self, linked: np.ndarray, named: np.ndarray) -> np.ndarray:
        """The link probability of notes linked by name ``linked`` times and named ``named``
        times: (linked + ``ANCHOR_PRIOR`` × the vault's rate) / (named + ``ANCHOR_PRIOR``)."""
        return (linked + ANCHOR_PRIOR * self.anchor_rate) / (named + ANCHOR_PRIOR)

    def link_odds(self, linked: np.ndarray, named: np.ndarray) -> np.ndarray:
        """The log odds of :meth:`link_share` against the vault's rate."""
        rate = float(np.clip(self.anchor_rate, 0.01, 0.99))
        p = np.clip(self.link_share(linked, named), 0.01, 0.99)
        return (np.log(p / (1 - p)) - np.log(rate / (1 - rate))).astype(np.float32)

    @cached_property
    def anchor(self) -> np.ndarray:
        """Each note's :meth:`link_odds`: low for a name that is an ordinary word, seen
        everywhere and hardly ever linked; high for one linked wherever it is named."""
        return self.link_odds(*self.anchor_counts)
