"""The vault as matrices: text (TF-IDF, LSA, word-vector means), links, mentions, tags.

Built from the cached note records (and the trained word model, when there is one)
each time notes are ranked; every matrix is computed on first use only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy import sparse

from notelink.model import textvec
from notelink.text.links import Resolver
from notelink.text.record import NoteRecord, Terms

TITLE_WEIGHT = 3  # in a note's word-vector mean, its title and alias words count this many times
MAX_PHRASE = 8  # longest title or alias (in words) looked for as an unlinked mention
COMMON_WORD_SHARE = 0.25  # words in more than this share of notes are never a reason
NEIGHBOURS = 10  # how many look-alike notes vote on what a note should link to
# What ranking needs, each with its rough share of the time to build (10k notes, cProfile).
WARM_COSTS = {"tfidf": 1.2, "lsa": 7.0, "semantic": 1.0, "out_links": 0.2, "adjacency": 0.1,
              "adjacency_t": 0.1, "undirected": 0.1, "indegree": 0.1, "inv_log_degree": 0.1, "mentions": 2.0,
              "tags": 0.1, "folders": 0.1, "neighbours": 4.0}  # fmt: skip
EXACT_BELOW = 400  # up to this many notes, every pair is scored exactly (no candidate lists)


def vector_counts(rec: NoteRecord, minus: dict[str, int] | None = None) -> Counter[str]:
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


class VaultIndex:
    def __init__(
        self,
        records: dict[str, NoteRecord],
        model: Any = None,
        seed: int = 0,
        dims: int | None = None,
        frozen: TextModel | None = None,
    ) -> None:
        self.order = sorted(records)
        self.pos = {rel: i for i, rel in enumerate(self.order)}
        self.frozen = frozen is not None
        if frozen is not None:  # vocabulary, idf and LSA of an earlier run: no new fit
            self.vocab, self.idf, self.lsa_projection = frozen.vocab, frozen.idf, frozen.lsa_projection
        self.records = [records[rel] for rel in self.order]
        self.model = model
        self.seed = seed
        self.dims = dims
        self.resolver = Resolver(self.order)

    def __len__(self) -> int:
        return len(self.order)

    def text_model(self) -> TextModel:
        return TextModel(self.vocab, self.idf, self.lsa_projection)

    # --- text ------------------------------------------------------------------
    @cached_property
    def vocab(self) -> dict[str, int]:
        return textvec.build_vocab(vector_counts(r) for r in self.records)

    @cached_property
    def idf(self) -> np.ndarray:
        self.tfidf  # noqa: B018 -- computes the idf on the way (the counts are not kept)
        return self.__dict__["idf"]

    @cached_property
    def vocab_words(self) -> list[str]:
        """The vocabulary's words by column."""
        return sorted(self.vocab, key=self.vocab.__getitem__)

    @cached_property
    def doc_freq(self) -> np.ndarray:
        """How many notes hold each word."""
        return np.bincount(self.tfidf.indices, minlength=self.tfidf.shape[1])

    @cached_property
    def reason_columns(self) -> np.ndarray:
        """Each word's idf, zero for words in more than ``COMMON_WORD_SHARE`` of the notes
        (never given as a reason)."""
        keep = self.doc_freq <= COMMON_WORD_SHARE * len(self) if len(self) >= 10 else np.ones(len(self.vocab), bool)
        return self.idf.astype(np.float64) * keep

    def shared_word_weights_of(self, records: list[NoteRecord]) -> sparse.csr_matrix:
        """Per note, idf × (1 + ln tf) of its prose words (see :attr:`reason_columns`):
        the product of two rows ranks the words the notes share."""
        m = textvec.counts_matrix((r.terms for r in records), self.vocab)
        # In place (a 50,000-note vault: 7 M entries, 54 MB a copy of the matrix)
        np.log(m.data, out=m.data)
        m.data += 1
        m.data *= self.reason_columns.astype(np.float32)[m.indices]
        m.eliminate_zeros()  # the common words, never a reason
        return m

    @cached_property
    def shared_word_weights(self) -> sparse.csr_matrix:
        return self.shared_word_weights_of(self.records)

    def tfidf_of(self, counts: list[dict[str, int]]) -> sparse.csr_matrix:
        return textvec.tfidf(textvec.counts_matrix(counts, self.vocab), self.idf)

    @cached_property
    def tfidf(self) -> sparse.csr_matrix:
        counts = textvec.counts_matrix((vector_counts(r) for r in self.records), self.vocab)
        if "idf" not in self.__dict__:
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
        return self.semantic_of(self.semantic_counts(r) for r in self.records)

    @staticmethod
    def semantic_counts(rec: NoteRecord, minus: dict[str, int] | None = None) -> Counter[str]:
        c = vector_counts(rec, minus)
        for w, n in rec.title_terms.items():
            c[w] += (TITLE_WEIGHT - 1) * n
        return c

    # --- links -----------------------------------------------------------------
    def targets(self, i: int) -> dict[int, list[str]]:
        """Notes that note i links to (not embeds), with the raw targets that name each."""
        rel = self.order[i]
        out: dict[int, list[str]] = {}
        for raw, _ in self.records[i].edges:
            j = self.pos.get(self.resolver.resolve(raw, rel) or "")
            if j is not None and j != i:
                out.setdefault(j, []).append(raw)
        return out

    @cached_property
    def out_links(self) -> list[dict[int, list[str]]]:
        return [self.targets(i) for i in range(len(self))]

    @cached_property
    def adjacency(self) -> sparse.csr_matrix:
        """A[i, j] = 1 when note i links to note j."""
        rows = [i for i, out in enumerate(self.out_links) for _ in out]
        cols = [j for out in self.out_links for j in out]
        n = len(self)
        return sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))

    @cached_property
    def adjacency_t(self) -> sparse.csr_matrix:
        return sparse.csr_matrix(self.adjacency.T)

    @cached_property
    def undirected(self) -> sparse.csr_matrix:
        u = (self.adjacency + self.adjacency_t).tocsr()
        u.data[:] = 1
        return u

    @cached_property
    def indegree(self) -> np.ndarray:
        return np.asarray(self.adjacency.sum(axis=0), dtype=np.float32).ravel()

    @cached_property
    def inv_log_degree(self) -> np.ndarray:
        deg = np.asarray(self.undirected.sum(axis=1)).ravel()
        return (1 / np.log(np.maximum(deg, 2))).astype(np.float32)

    def link_text(self, i: int, j: int) -> dict[str, int]:
        """Word counts of the text of note i's links to note j."""
        raws = set(self.out_links[i].get(j, []))
        c: Counter[str] = Counter()
        for raw, words in self.records[i].edges:
            if raw in raws:
                c.update(words)
        return dict(c)

    # --- look-alike notes -------------------------------------------------------------
    @cached_property
    def rare_words(self) -> sparse.dia_matrix:
        """Diagonal 0/1 matrix keeping the words in at most ``nearest.RARE_DF`` notes."""
        from notelink.rank.nearest import RARE_DF

        return sparse.diags((self.doc_freq <= RARE_DF).astype(np.float32))

    @cached_property
    def tfidf_rare_t(self) -> sparse.csr_matrix:
        """The TF-IDF matrix on rare words only, transposed (see :mod:`notelink.rank.nearest`)."""
        m = sparse.csr_matrix(self.tfidf @ self.rare_words)
        m.eliminate_zeros()
        return sparse.csr_matrix(m.T)

    def text_candidates(self, x: sparse.csr_matrix, lsa: np.ndarray, selves: np.ndarray, k: int) -> list[np.ndarray]:
        """For each row: the ``k`` notes nearest by LSA and the ``k`` nearest by TF-IDF on
        rare words, together (never the row's own note, ``selves``)."""
        from notelink.rank import nearest

        rare = sparse.csr_matrix(x @ self.rare_words) @ self.tfidf_rare_t
        return nearest.merge([nearest.top_dense(lsa, self.lsa, k, selves), nearest.top_sparse(rare, k)], selves)

    def neighbours_of(
        self, x: sparse.csr_matrix, selves: np.ndarray, keep: list[np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``NEIGHBOURS`` notes most like each row of ``x`` by TF-IDF (never the row's
        own note, ``selves``), and their similarity as weights that sum to 1. Rows are
        scored 256 at a time, so memory stays at 256 × N. Above ``EXACT_BELOW`` notes the
        exact TF-IDF similarity is taken over :meth:`text_candidates` only (appended to
        ``keep``, when given: ranking uses them too)."""
        from notelink.rank.nearest import PER_SIGNAL

        k = min(NEIGHBOURS, len(self) - 1)
        m = x.shape[0]
        top = np.zeros((m, max(k, 0)), np.int64)
        w = np.zeros((m, max(k, 0)), np.float32)
        if k < 1:
            return top, w
        for start in range(0, m, 256):
            stop = min(start + 256, m)
            if len(self) <= EXACT_BELOW:
                sims = np.asarray((x[start:stop] @ self.tfidf_t).toarray(), np.float32)
                sims[np.arange(stop - start), selves[start:stop]] = -np.inf
                part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
                top[start:stop] = part
                w[start:stop] = np.maximum(np.take_along_axis(sims, part, axis=1), 0)
                continue
            block = x[start:stop]
            cands = self.text_candidates(block, self.lsa_of(block), selves[start:stop], PER_SIGNAL)
            if keep is not None:
                keep += [c.astype(np.int32) for c in cands]
            rows = np.repeat(np.arange(stop - start), [len(c) for c in cands])
            flat = np.concatenate(cands)
            exact = np.asarray(block[rows].multiply(self.tfidf[flat]).sum(axis=1), np.float32).ravel()
            at = 0
            for r, c in enumerate(cands):
                s = exact[at : at + len(c)]
                at += len(c)
                best = np.lexsort((c, -s))[:k]  # ties: lower index first
                top[start + r, : len(best)] = c[best]
                w[start + r, : len(best)] = np.maximum(s[best], 0)
        total = w.sum(1, keepdims=True)
        return top, np.divide(w, total, out=np.zeros_like(w), where=total > 0)

    @cached_property
    def neighbours(self) -> tuple[np.ndarray, np.ndarray]:
        keep: list[np.ndarray] = []
        out = self.neighbours_of(self.tfidf, np.arange(len(self)), keep)
        if keep:
            self.text_picks = keep
        return out

    def text_candidates_of(self, rows: list[int]) -> list[np.ndarray]:
        """:meth:`text_candidates` of notes of the index: kept from computing
        :attr:`neighbours` over the whole vault (the LSA products of every pair are
        the dearest part of ranking a large vault: done once, not twice)."""
        from notelink.rank.nearest import PER_SIGNAL

        picks = self.__dict__.get("text_picks")
        if picks is not None:
            return [picks[i].astype(np.int64) for i in rows]
        return self.text_candidates(self.tfidf[rows], self.lsa[rows], np.asarray(rows, np.int64), PER_SIGNAL)

    # --- unlinked mentions --------------------------------------------------------
    @cached_property
    def names(self) -> list[list[tuple[str, ...]]]:
        """Each note's names as token tuples (numbers kept): title, aliases, file name."""
        from notelink.text.tokens import name_tokens

        out = []
        for j, rec in enumerate(self.records):
            found = {tuple(name_tokens(n)) for n in [rec.title, *rec.aliases, _stem(self.order[j])]}
            out.append(sorted(w for w in found if 0 < len(w) <= MAX_PHRASE))
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
        return self._mention_rows(range(len(self)))

    def _mention_rows(self, which: Any) -> sparse.csr_matrix:
        """Rows of :attr:`mentions` for the notes ``which`` (in that order). Each distinct
        name is looked up once per place it could start, however many notes share it."""
        named, lengths = self.phrases
        rows, cols, vals = [], [], []
        for r, i in enumerate(which):
            words = self.records[i].plain_text().split()
            found: set[tuple[str, ...]] = set()
            for k, w in enumerate(words):
                for n in lengths.get(w, ()):
                    phrase = tuple(words[k : k + n])
                    if phrase in named:
                        found.add(phrase)
            best: dict[int, float] = {}
            for phrase in found:
                for j, weight in named[phrase]:
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

    # --- tags and folders ---------------------------------------------------------------
    @cached_property
    def tags(self) -> sparse.csr_matrix:
        names = sorted({t.casefold() for r in self.records for t in r.tags})
        col = {t: k for k, t in enumerate(names)}
        rows = [i for i, r in enumerate(self.records) for _ in {t.casefold() for t in r.tags}]
        cols = [col[t] for r in self.records for t in sorted({t.casefold() for t in r.tags})]
        return sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(self), len(names)))

    @cached_property
    def folders(self) -> np.ndarray:
        names = [rel.rsplit("/", 1)[0] if "/" in rel else "" for rel in self.order]
        ids = {f: k for k, f in enumerate(sorted(set(names)))}
        return np.array([ids[f] for f in names], np.int64)

    def warm(self, progress: Callable[[float], None] | None = None) -> None:
        """Compute now every matrix ranking needs (a daemon does this before the first
        edit); ``progress`` hears the share done, by each matrix's rough cost."""
        done = 0.0
        for name, cost in WARM_COSTS.items():
            getattr(self, name)
            done += cost
            if progress is not None:
                progress(done / sum(WARM_COSTS.values()))

    # --- small updates -------------------------------------------------------------------
    def updated(self, records: dict[str, NoteRecord]) -> VaultIndex | None:
        """This index with a few notes' records replaced, recomputing only their rows.

        None when that cannot be done exactly enough: notes added or removed, or a
        changed note with a new title or aliases (every note's mentions would change)."""
        if sorted(records) != self.order:
            return None
        changed = [i for i, rel in enumerate(self.order) if records[rel] is not self.records[i]]
        for i in changed:
            new, old = records[self.order[i]], self.records[i]
            if (new.title, new.aliases) != (old.title, old.aliases):
                return None
        out = VaultIndex.__new__(VaultIndex)
        out.__dict__.update(self.__dict__)
        out.frozen = True
        out.records = [records[rel] for rel in self.order]
        out.__dict__.pop("text_picks", None)  # other notes' lists may now miss a changed note
        if not changed:
            return out
        for name in ("adjacency", "adjacency_t", "undirected", "indegree", "inv_log_degree", "tags", "mentions_t",
                     "tfidf_t", "tfidf_rare_t"):  # fmt: skip
            out.__dict__.pop(name, None)
        rows = np.array(changed, np.int64)
        counts = [vector_counts(out.records[i]) for i in changed]
        if "tfidf" in self.__dict__:
            new_tfidf = out.tfidf_of(counts)
            out.tfidf = _replace_rows(self.tfidf, rows, new_tfidf)
            if "lsa" in self.__dict__:
                out.lsa = self.lsa.copy()
                out.lsa[rows] = out.lsa_of(new_tfidf)
            if "neighbours" in self.__dict__:
                nbr, w = self.neighbours[0].copy(), self.neighbours[1].copy()
                nbr[rows], w[rows] = out.neighbours_of(new_tfidf, rows)
                out.neighbours = (nbr, w)
        if "semantic" in self.__dict__ and self.semantic is not None:
            out.semantic = self.semantic.copy()
            out.semantic[rows] = out.semantic_of([out.semantic_counts(out.records[i]) for i in changed])
        if "shared_word_weights" in self.__dict__:
            new_weights = out.shared_word_weights_of([out.records[i] for i in changed])
            out.shared_word_weights = _replace_rows(self.shared_word_weights, rows, new_weights)
        if "out_links" in self.__dict__:
            out.out_links = list(self.out_links)
            for i in changed:
                out.out_links[i] = out.targets(i)
        if "mentions" in self.__dict__:
            out.mentions = _replace_rows(self.mentions, rows, out._mention_rows(changed))
        return out


def _replace_rows(m: sparse.csr_matrix, rows: np.ndarray, new: sparse.csr_matrix) -> sparse.csr_matrix:
    """``m`` with rows ``rows`` (sorted) replaced by the rows of ``new``."""
    blocks, prev = [], 0
    for r, i in enumerate(rows.tolist()):
        blocks += [m[prev:i], new[r : r + 1]]
        prev = i + 1
    blocks.append(m[prev:])
    return sparse.csr_matrix(sparse.vstack(blocks, format="csr"))


def _stem(rel: str) -> str:
    name = rel.rsplit("/", 1)[-1]
    return name[:-3] if name.lower().endswith(".md") else name


# --- kept between runs -------------------------------------------------------------------
# The matrices a small update needs (every note's rows), saved after a run so that the
# next run with a few edited notes loads them and recomputes only those notes' rows
# (VaultIndex.updated) instead of building everything again.
KEPT_DENSE = ("lsa", "semantic")
KEPT_SPARSE = ("tfidf", "mentions", "shared_word_weights")


def dump(index: VaultIndex) -> dict[str, np.ndarray] | None:
    """The arrays to keep of ``index``, or None when it has not computed them all."""
    d = index.__dict__
    if not all(name in d for name in (*KEPT_DENSE, *KEPT_SPARSE, "neighbours")):
        return None
    out: dict[str, np.ndarray] = {}
    for name in KEPT_DENSE:
        if d[name] is not None:
            out[name] = np.asarray(d[name])
    for name in KEPT_SPARSE:
        m = sparse.csr_matrix(d[name])
        out[f"{name}.data"], out[f"{name}.indices"], out[f"{name}.indptr"] = m.data, m.indices, m.indptr
        out[f"{name}.shape"] = np.array(m.shape, np.int64)
    out["neighbours.top"], out["neighbours.weight"] = d["neighbours"]
    picks = d.get("text_picks")
    if picks is not None:
        lengths = np.array([len(p) for p in picks], np.int64)
        out["text_picks.flat"] = np.concatenate(picks) if picks else np.zeros(0, np.int32)
        out["text_picks.lengths"] = lengths
    return out


def restore(index: VaultIndex, arrays: dict[str, np.ndarray]) -> VaultIndex:
    """``index`` (just made, frozen) with the kept matrices put back in place."""
    d = index.__dict__
    for name in KEPT_DENSE:
        d[name] = arrays.get(name)
    for name in KEPT_SPARSE:
        shape = tuple(int(v) for v in arrays[f"{name}.shape"])
        d[name] = sparse.csr_matrix(
            (arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"]), shape=shape
        )
    d["neighbours"] = (arrays["neighbours.top"], arrays["neighbours.weight"])
    if "text_picks.flat" in arrays:
        ends = np.cumsum(arrays["text_picks.lengths"])
        d["text_picks"] = np.split(arrays["text_picks.flat"], ends[:-1]) if len(ends) else []
    return index
