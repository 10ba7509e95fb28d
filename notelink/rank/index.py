"""The vault as matrices: text (TF-IDF, LSA, word-vector means), links, mentions, tags.

Built from the cached note records (and the trained word model, when there is one)
each time notes are ranked; every matrix is a cached property, computed on first use.
:class:`VaultIndex` puts four parts together, as mixins of one object, so that all
its matrices share one cache (what :meth:`VaultIndex.updated` copies and
:func:`dump` keeps): :class:`~notelink.rank.templates.Templates` (which lines are a
template's), :class:`~notelink.rank.text_matrices.TextMatrices`,
:class:`~notelink.rank.link_graph.LinkGraph` and :class:`~notelink.rank.mentions.Mentions`.
The look-alike neighbours, which use the text and the links together, are its own.
"""

from __future__ import annotations

import copy
from functools import cached_property
from typing import Any

import numpy as np
from scipy import sparse

from notelink.progress import OnProgress
from notelink.rank.link_graph import LinkGraph
from notelink.rank.mentions import Mentions
from notelink.rank.templates import Templates
from notelink.rank.text_matrices import TextMatrices, TextModel
from notelink.text.links import Resolver
from notelink.text.record import NoteRecord

NEIGHBOURS = 10  # how many look-alike notes vote on what a note should link to
# What ranking needs, each with a rough relative cost of building it (the weights of warm()'s progress).
WARM_COSTS = {"tfidf": 1.2, "lsa": 7.0, "semantic": 1.0, "pretrained": 1.0, "out_links": 0.2, "adjacency": 0.1,
              "adjacency_t": 0.1, "undirected": 0.1, "indegree": 0.1, "inv_log_degree": 0.1, "mentions": 2.0,
              "anchor": 0.3, "tags": 0.1, "folders": 0.1, "neighbours": 4.0, "template_lines": 0.1}  # fmt: skip
EXACT_BELOW = 400  # up to this many notes, every pair is scored exactly (no candidate lists)
# Computed from every note's records: dropped when a small update changes some notes' rows.
DERIVED = ("adjacency", "adjacency_t", "undirected", "indegree", "inv_log_degree", "tags", "mentions_t",
           "tfidf_t", "tfidf_rare_t", "template_lines", "anchor_counts", "anchor_rate", "anchor")  # fmt: skip


class VaultIndex(Templates, TextMatrices, LinkGraph, Mentions):
    text_picks: list[np.ndarray] | None = None  # set by :attr:`neighbours` when it used candidate lists

    def __init__(
        self,
        records: dict[str, NoteRecord],
        model: Any = None,
        seed: int = 0,
        dims: int | None = None,
        frozen: TextModel | None = None,
        encoder: Any = None,
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
        self.encoder = encoder  # the pretrained sentence model's (notelink.model.pretrained.Encoder), or None
        self.resolver = Resolver(self.order)

    def __len__(self) -> int:
        return len(self.order)

    def computed(self, name: str) -> bool:
        """Whether the matrix ``name`` (a cached property) has been computed or set."""
        return name in self.__dict__

    def forget(self, *names: str) -> None:
        """Drop these computed matrices: each is computed again on next use."""
        for name in names:
            self.__dict__.pop(name, None)

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

        if self.text_picks is not None:
            return [self.text_picks[i].astype(np.int64) for i in rows]
        return self.text_candidates(self.tfidf[rows], self.lsa[rows], np.asarray(rows, np.int64), PER_SIGNAL)

    def warm(self, progress: OnProgress | None = None) -> None:
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

        None when that cannot be done exactly enough: notes added or removed, a changed
        note with a new title or aliases (every note's mentions would change), or a line
        that the change makes boilerplate or not (:mod:`notelink.rank.templates`)."""
        if sorted(records) != self.order:
            return None
        changed = [i for i, rel in enumerate(self.order) if records[rel] is not self.records[i]]
        for i in changed:
            new, old = records[self.order[i]], self.records[i]
            if (new.title, new.aliases) != (old.title, old.aliases):
                return None
        out = copy.copy(self)  # every matrix computed so far, shared until replaced
        out.frozen = True
        out.records = [records[rel] for rel in self.order]
        if any(out.records[i].lines != self.records[i].lines for i in changed):
            before, after = [self.records[i] for i in changed], [out.records[i] for i in changed]
            out.line_notes = self.line_notes_after(before, after)
            out.forget("boilerplate")
            if out.boilerplate != self.boilerplate:
                return None  # a line became boilerplate or stopped being one: every note holding it changes
        out.forget("text_picks")  # other notes' lists may now miss a changed note
        if not changed:
            return out
        out.forget(*DERIVED)
        rows = np.array(changed, np.int64)
        counts = [out.counts_of(i) for i in changed]
        if self.computed("tfidf"):
            new_tfidf = out.tfidf_of(counts)
            out.tfidf = _replace_rows(self.tfidf, rows, new_tfidf)
            if self.computed("lsa"):
                out.lsa = self.lsa.copy()
                out.lsa[rows] = out.lsa_of(new_tfidf)
            if self.computed("neighbours"):
                nbr, w = self.neighbours[0].copy(), self.neighbours[1].copy()
                nbr[rows], w[rows] = out.neighbours_of(new_tfidf, rows)
                out.neighbours = (nbr, w)
        if self.computed("semantic") and self.semantic is not None:
            out.semantic = self.semantic.copy()
            out.semantic[rows] = out.semantic_of([out.semantic_counts_of(i) for i in changed])
        if self.computed("pretrained") and self.pretrained is not None:
            out.pretrained = self.pretrained.copy()
            out.pretrained[rows] = out.encoder.vectors([out.pretrained_text(i) for i in changed])
        if self.computed("shared_word_weights"):
            new_weights = out.shared_word_weights_of(changed)
            out.shared_word_weights = _replace_rows(self.shared_word_weights, rows, new_weights)
        if self.computed("out_links"):
            out.out_links = list(self.out_links)
            for i in changed:
                out.out_links[i] = out.targets(i)
        if self.computed("mentions"):
            out.mentions = _replace_rows(self.mentions, rows, out.mention_rows(changed))
        return out


def _replace_rows(m: sparse.csr_matrix, rows: np.ndarray, new: sparse.csr_matrix) -> sparse.csr_matrix:
    """``m`` with rows ``rows`` (sorted) replaced by the rows of ``new``."""
    blocks, prev = [], 0
    for r, i in enumerate(rows.tolist()):
        blocks += [m[prev:i], new[r : r + 1]]
        prev = i + 1
    blocks.append(m[prev:])
    return sparse.csr_matrix(sparse.vstack(blocks, format="csr"))


# --- kept between runs -------------------------------------------------------------------
# The matrices a small update needs (every note's rows), saved after a run so that the
# next run with a few edited notes loads them and recomputes only those notes' rows
# (VaultIndex.updated) instead of building everything again.
KEPT_DENSE = ("lsa", "semantic")
KEPT_SPARSE = ("tfidf", "mentions", "shared_word_weights")


def dump(index: VaultIndex) -> dict[str, np.ndarray] | None:
    """The arrays to keep of ``index``, or None when it has not computed them all."""
    if not all(index.computed(name) for name in (*KEPT_DENSE, *KEPT_SPARSE, "neighbours")):
        return None
    out: dict[str, np.ndarray] = {}
    for name in KEPT_DENSE:
        value = getattr(index, name)
        if value is not None:
            out[name] = np.asarray(value)
    for name in KEPT_SPARSE:
        m = sparse.csr_matrix(getattr(index, name))
        out[f"{name}.data"], out[f"{name}.indices"], out[f"{name}.indptr"] = m.data, m.indices, m.indptr
        out[f"{name}.shape"] = np.array(m.shape, np.int64)
    out["neighbours.top"], out["neighbours.weight"] = index.neighbours
    picks = index.text_picks
    if picks is not None:
        lengths = np.array([len(p) for p in picks], np.int64)
        out["text_picks.flat"] = np.concatenate(picks) if picks else np.zeros(0, np.int32)
        out["text_picks.lengths"] = lengths
    return out


def restore(index: VaultIndex, arrays: dict[str, np.ndarray]) -> VaultIndex:
    """``index`` (just made, frozen) with the kept matrices put back in place."""
    for name in KEPT_DENSE:
        setattr(index, name, arrays.get(name))
    for name in KEPT_SPARSE:
        shape = tuple(int(v) for v in arrays[f"{name}.shape"])
        matrix = sparse.csr_matrix(
            (arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"]), shape=shape
        )
        setattr(index, name, matrix)
    index.neighbours = (arrays["neighbours.top"], arrays["neighbours.weight"])
    if "text_picks.flat" in arrays:
        ends = np.cumsum(arrays["text_picks.lengths"])
        index.text_picks = np.split(arrays["text_picks.flat"], ends[:-1]) if len(ends) else []
    return index
