"""Template text: lines that recur verbatim in many notes are boilerplate, not a reason.

A daily note's template (``## Gym``, ``- [ ] Reading``, ``mood::``) repeats the same
lines in every note made from it; their words would make those notes look alike. A
short line (:func:`notelink.text.lines.short_lines`) held by at least
:func:`template_floor` notes is boilerplate: in the notes that hold it, its words do
not count for TF-IDF, note vectors or shared-word reasons (a mention in one is still a
mention: how often a name is linked where it appears weighs it, :mod:`notelink.rank.mentions`).
:class:`Templates` is one part of :class:`notelink.rank.index.VaultIndex`.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import cached_property

import numpy as np
from scipy import sparse

from notelink.text.lines import line_words
from notelink.text.record import NoteRecord

TEMPLATE_NOTES = 10  # a line in fewer notes than this is never boilerplate
TEMPLATE_SHARE = 0.02  # nor one in fewer than this share of the notes


def template_floor(notes: int) -> int:
    """How many notes must hold a line for it to be boilerplate.

    >>> template_floor(100), template_floor(1000)
    (10, 20)
    """
    return max(TEMPLATE_NOTES, math.ceil(TEMPLATE_SHARE * notes))


class Templates:
    """How many notes hold each short line, and which lines are boilerplate."""

    records: list[NoteRecord]

    @cached_property
    def line_notes(self) -> Counter[str]:
        """Each short line → how many notes hold it."""
        c: Counter[str] = Counter()
        for rec in self.records:
            c.update(rec.lines.keys())
        return c

    @cached_property
    def boilerplate(self) -> frozenset[str]:
        floor = template_floor(len(self.records))
        return frozenset(line for line, n in self.line_notes.items() if n >= floor)

    @cached_property
    def template_lines(self) -> sparse.csr_matrix:
        """L[i, k] = the weight (log N / notes holding it) of boilerplate line k in note i,
        rows of unit length: the product of two rows says how much of a template two
        notes share (the hybrid's ``template`` signal, weighed by the vault's links)."""
        n = len(self.records)
        col = {line: k for k, line in enumerate(sorted(self.boilerplate))}
        weight = np.array([math.log(n / self.line_notes[line]) + 1 for line in sorted(self.boilerplate)], np.float32)
        rows, cols = [], []
        for i, rec in enumerate(self.records):
            held = sorted(col[line] for line in rec.lines if line in col)
            rows += [i] * len(held)
            cols += held
        m = sparse.csr_matrix((weight[cols], (rows, cols)), shape=(n, len(col)), dtype=np.float32)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        return sparse.csr_matrix(sparse.diags(np.divide(1, norms, out=np.zeros_like(norms), where=norms > 0)) @ m)

    def template_words(self, i: int) -> dict[str, int]:
        """The word counts of note i's boilerplate lines (no numbers, as terms count words)."""
        rec = self.records[i]
        if not self.boilerplate:
            return {}
        c: Counter[str] = Counter()
        for line, n in rec.lines.items():
            if line in self.boilerplate:
                for w in line_words(line):
                    c[w] += n
        return dict(c)

    def line_notes_after(self, old: list[NoteRecord], new: list[NoteRecord]) -> Counter[str]:
        """:attr:`line_notes` once the records ``old`` are replaced by ``new``."""
        c = Counter(self.line_notes)
        for rec in old:
            c.subtract(rec.lines.keys())
        for rec in new:
            c.update(rec.lines.keys())
        return +c
