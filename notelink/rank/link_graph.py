"""The vault's links, tags and folders as matrices: what notes are attached to.

:class:`LinkGraph` is one part of :class:`notelink.rank.index.VaultIndex`: every
matrix is a cached property of the index, computed on first use.
"""

from __future__ import annotations

from collections import Counter
from functools import cached_property

import numpy as np
from scipy import sparse

from notelink.text.links import Resolver
from notelink.text.record import NoteRecord


class LinkGraph:
    """Note i's links (not embeds) resolved to notes of the index; tags and folders."""

    order: list[str]
    pos: dict[str, int]
    records: list[NoteRecord]
    resolver: Resolver

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

    @cached_property
    def tags(self) -> sparse.csr_matrix:
        """T[i, t] = 1 when note i has tag t (tags case-folded, in sorted order)."""
        names = sorted({t.casefold() for r in self.records for t in r.tags})
        col = {t: k for k, t in enumerate(names)}
        rows = [i for i, r in enumerate(self.records) for _ in {t.casefold() for t in r.tags}]
        cols = [col[t] for r in self.records for t in sorted({t.casefold() for t in r.tags})]
        return sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(self), len(names)))

    @cached_property
    def folders(self) -> np.ndarray:
        """Each note's folder, as a number (the same for notes in the same folder)."""
        names = [rel.rsplit("/", 1)[0] if "/" in rel else "" for rel in self.order]
        ids = {f: k for k, f in enumerate(sorted(set(names)))}
        return np.array([ids[f] for f in names], np.int64)
