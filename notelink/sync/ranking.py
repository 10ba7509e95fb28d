"""The ranking stage: the vault as matrices, the scorer of the run's method, and which
notes' suggestions a run may change.

What the last complete sync fitted (its text model, index matrices and hybrid
weights) is reused while it still applies, so a run after a few edits recomputes
only what those edits touch. The hybrid is fitted on the owner's review decisions
too, and fitted again when they change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from notelink.disk.decisions import Decisions
from notelink.progress import Progress
from notelink.rank.feedback import Feedback
from notelink.rank.hybrid import MIN_LINKS
from notelink.rank.methods import Scorer, make_scorer
from notelink.sync.refresh import Report
from notelink.sync.settings import Settings
from notelink.sync.state import Cache
from notelink.text.links import Resolver, suggestible
from notelink.text.record import NoteRecord

LINK_DRIFT = 0.1  # the share of the vault's links that may change before the hybrid is refitted


class RunView(Protocol):
    """What the ranking stage reads of the run (the engine): the notes now and at the
    last sync, what was read and changed, the model and the decisions."""

    settings: Settings
    state: dict[str, Any]  # the last sync's state file
    records: dict[str, NoteRecord]
    previous: dict[str, NoteRecord]
    model: Any
    decisions: Decisions
    report: Report  # report.trained: this run trained the word model

    def read_now(self) -> set[str]: ...  # the notes read this run

    def text_changed(self) -> set[str]: ...

    def decisions_stamp(self) -> list[int] | None: ...


class Ranker:
    """The index and scorer of one run, built on first use."""

    def __init__(self, run: RunView, cache: Cache, progress: Progress, previous_index: Any = None) -> None:
        self.run = run
        self.cache = cache
        self.progress = progress
        self.previous_index = previous_index  # the last run's index (a daemon keeps it in memory)
        self.refitted = False
        self._index: Any = None
        self._scorer: Scorer | None = None

    @property
    def built(self) -> Any:
        """The index, if this run built one already (else None)."""
        return self._index

    def index(self) -> Any:
        """The vault as matrices (:class:`notelink.rank.index.VaultIndex`), built once per run."""
        if self._index is None:
            from notelink.rank.index import VaultIndex

            run, s = self.run, self.run.settings
            encoder = self.cache.encoder() if s.pretrained else None
            if self.previous_index is None and self.reusable():
                self.previous_index = self.cache.kept_index(
                    run.state.get("index_stamp"),
                    run.previous,
                    lambda text: VaultIndex(run.previous, run.model, s.seed, s.options.dims, text, encoder),
                )
            if self.previous_index is not None and self.reusable():
                self._index = self.previous_index.updated(run.records)
            if self._index is None:
                stage = self.progress.stage("note vectors", 1)
                text = self.cache.text_model() if self.reusable() else None
                self._index = VaultIndex(run.records, run.model, s.seed, s.options.dims, text, encoder)
                if s.method == "hybrid":
                    self._index.warm(stage.update)  # it uses every matrix; built here, they are timed here
                stage.done()
        return self._index

    def scorer(self) -> Scorer:
        if self._scorer is None or self._scorer.index is not self.index():
            o, s = self.run.settings.options, self.run.settings
            kept = self.kept_hybrid()
            index = self.index()
            stage = self.progress.stage("fitting weights", 1)
            model = kept
            if s.method == "hybrid" and kept is None:
                from notelink.rank import hybrid

                model = hybrid.fit(index, s.seed, stage.update, self.feedback())
            self._scorer = make_scorer(s.method, index, s.seed, o.binary, o.binary_rerank, model, stage.update)
            stage.done()
            self.refitted = s.method == "hybrid" and kept is None
        return self._scorer

    def reusable(self) -> bool:
        """Whether what the last complete sync fitted (text model, hybrid weights) still
        applies: same settings, same word model, nothing retrained, few notes changed."""
        run = self.run
        if run.report.trained or not run.state.get("synced") or run.state.get("settings") != run.settings.as_dict():
            return False
        if run.state.get("model_id") != (run.model.model_id if run.model is not None else None):
            return False
        changed = len(run.text_changed()) + len(set(run.previous) - set(run.records))
        return changed <= max(20, 0.05 * len(run.records))

    def feedback(self) -> Feedback:
        """The review decisions known to this run, as the hybrid fits them."""
        return Feedback.of(self.run.decisions.entries, self.index().pos)

    def kept_hybrid(self) -> Any:
        """The hybrid weights of the last sync, while they still fit the vault: same
        settings, word model and review decisions, and the number of links within
        ``LINK_DRIFT`` of what they were fitted on. Otherwise None, and they are fitted anew."""
        from notelink.rank.hybrid import HybridModel

        if self.run.settings.method != "hybrid" or not self.reusable():
            return None
        model = HybridModel.from_json(self.run.state.get("hybrid_model") or {})
        if model is None or model.feedback != self.feedback().stamp:
            return None
        links = sum(len(out) for out in self.index().out_links)
        if abs(links - model.vault_links) > max(2, LINK_DRIFT * model.vault_links) or (
            model.fitted != (links >= MIN_LINKS)
        ):
            return None
        return model

    def hybrid(self) -> Any:
        """The fitted hybrid model of this run's scorer, if it has one (built or not)."""
        return getattr(self._scorer, "model", None)

    def affected(self) -> list[str] | None:
        """The notes whose suggestions this run may change, or None for all of them.

        After a complete sync, with the same settings and model, a few changed notes can
        only move: their own suggestions; notes that offer them (they may drop out);
        notes linked to or from them (graph signals); and notes whose weakest
        suggestion they now beat. Everything else keeps its section as it is."""
        index, scorer, run = self.index(), self.scorer(), self.run
        if self.refitted or not self.reusable():
            return None
        if run.state.get("decisions_stamp") != run.decisions_stamp():
            return None  # the user edited decisions.txt: any note's suggestions may change
        changed = run.text_changed()
        gone = set(run.previous) - set(run.records)
        if len(changed) + len(gone) > max(20, 0.05 * len(index)):
            return None
        touched = changed | gone
        # A note read again whose text is the same (only its section changed: the user
        # reviewed it, or an interrupted run wrote it) is ranked again, alone.
        out = {rel for rel in run.read_now() if rel in run.records} | set(run.state.get("retry", []))
        for rel, rec in run.records.items():
            if touched & set(rec.offered_targets):
                out.add(rel)
        for rel in changed:
            i = index.pos[rel]
            out |= {index.order[j] for j in index.out_links[i]}
            out |= {index.order[j] for j in index.adjacency_t[i].indices}
            if rel in run.previous:
                out |= {t for t in (index.resolver.resolve(raw, rel) for raw in run.previous[rel].links) if t}
        floors = np.array([r.floor for r in index.records])
        others = np.arange(len(index))
        for rel in sorted(changed):
            c = index.pos[rel]
            scores = scorer.pair_scores(others, np.full(len(others), c))
            out |= {index.order[j] for j in np.flatnonzero(scores > floors) if j != c}
        return sorted(r for r in out if r in index.pos)

    def exclusions(self, rel: str) -> set[str]:
        """Notes never suggested for ``rel``: what it links to or embeds, what the user
        accepted (ticked) or rejected."""
        resolver = self.index().resolver
        rec = self.run.records[rel]
        skip = {resolver.resolve(t, rel) for t in rec.links}
        skip |= {resolver.resolve(t, rel) for t, ticked in rec.items if ticked}
        skip |= self.run.decisions.rejected(rel) | self.run.decisions.accepted(rel)
        skip.discard(None)
        return skip  # type: ignore[return-value]

    def ranking(
        self,
        rels: list[str] | None = None,
        k: int | None = None,
        min_score: float | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> dict[str, list[tuple[str, float]]]:
        """Related notes for ``rels`` (all notes by default), best first."""
        index = self.index()
        if not len(index):
            return {}
        scorer = self.scorer()
        settings = self.run.settings
        wanted = index.order if rels is None else rels
        exclude = [set() for _ in index.order]
        never = {i for i, rel in enumerate(index.order) if not suggestible(rel)}
        for rel in wanted:
            exclude[index.pos[rel]] = {index.pos[s] for s in self.exclusions(rel) if s in index.pos} | never
        threshold = min_score if min_score is not None else settings.min_score
        rows = scorer.rank(
            [index.pos[r] for r in wanted],
            settings.top_k if k is None else k,
            exclude,
            scorer.default_min_score if threshold is None else threshold,
            progress,
        )
        return {rel: [(index.order[j], s) for j, s in row] for rel, row in zip(wanted, rows, strict=True)}

    def resolver(self) -> Resolver:
        return self.index().resolver
