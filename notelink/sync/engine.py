"""Full and incremental updates: vault → notes → model → vectors → ranking → sections.

:class:`Engine` keeps one :class:`NoteRecord` per note (its words, links, title…) in
the cache. ``refresh`` brings them up to date, reading only notes whose size or mtime
changed; ``plan`` ranks and works out every section; ``apply`` writes the ones that
change. The word model is retrained when there is none, when the method, dimension
or seed changed, or when the notes changed since training reach ``RETRAIN_FRACTION``
of the vault; otherwise changed notes are embedded with the current model (words it
has not seen wait for the next retrain).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from notelink.disk.decisions import DECISIONS_PATH, Decisions
from notelink.disk.recordlog import RecordLog
from notelink.disk.store import Store, vault_cache
from notelink.disk.writer import CONFLICT, Conflict, WriteError, remove_stale_temps, replace_note
from notelink.errors import ReadError, VaultError
from notelink.progress import Progress
from notelink.rank.hybrid import MIN_LINKS
from notelink.rank.methods import METHODS, Scorer, make_scorer, word_method
from notelink.sync import review
from notelink.text import section, suggestions
from notelink.text.links import Resolver, suggestible
from notelink.text.record import NoteRecord, sha
from notelink.vault.config import Config, load_config
from notelink.vault.read import read_bytes
from notelink.vault.reading import Got, read_notes, read_one
from notelink.vault.scan import NoteFile, rescan, scan

RETRAIN_FRACTION = 0.2
INDEX_ARRAYS, INDEX_META = "index.npz", "index.json"  # the matrices of the last sync (pipeline.Engine._kept_index)
PENDING = "pending.json"  # sections being written, until the cache that records them is saved
_NO_TOKENS = np.zeros(0, np.int32)
DEFAULT_TOP_K = 5
SECTION_FORMAT = 2  # blocks carry a digest (notelink.sync.review); a sync after an upgrade rewrites older ones


@dataclass
class Options:
    top_k: int | None = None
    min_score: float | None = None
    seed: int | None = None  # None: the seed of the last sync (0 at first)
    method: str | None = None  # None: the method of the last sync ("hybrid" at first)
    dim: int = 100
    min_count: int = 2
    retrain: bool = False
    dims: int | None = None  # Matryoshka: rank with the first ``dims`` dimensions only
    binary: bool = False  # rank by Hamming distance of sign bits, then rerank by cosine
    binary_rerank: int = 100  # how many of the Hamming-nearest are reranked by cosine


@dataclass
class Report:
    notes: int = 0
    vocab: int = 0
    trained: bool = False
    train_seconds: float = 0.0
    read: int = 0
    changed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "path: problem" for each note skipped
    unchanged_run: bool = False  # nothing in the vault changed since the last sync
    renamed: list[tuple[str, str]] = field(default_factory=list)
    retry: set[str] = field(default_factory=set)  # notes whose section is still due (not written)

    @property
    def skipped(self) -> int:
        return len(self.problems)


@dataclass
class Read:
    """What a run keeps of a note it read: its record and its words (ids)."""

    record: NoteRecord
    tokens: np.ndarray  # ids into Engine._lexicon, in text order


@dataclass
class Change:
    rel: str
    old: str  # SHA-256 of the bytes the new ones replace (not the bytes: a cold run holds every note's)
    lines: list[str]  # the section's lines; the new bytes are made again from the file when written
    new_hash: str  # SHA-256 of the new bytes
    record: NoteRecord
    offered: list[str]  # the unticked lines the new bytes hold
    offered_targets: list[str]
    ours: Callable[[str], bool]  # which unticked lines of the old block are notelink's (replaced)
    written: list[list[Any]]  # [raw target, note, ticked] of the lines notelink vouches for in the new block


class Engine:
    def __init__(
        self, root: Path, options: Options | None = None, cache_dir: str | None = None, progress: Progress | None = None
    ) -> None:
        self.root = Path(root)
        self.options = options or Options()
        self.config: Config = load_config(self.root)
        self.store = Store(vault_cache(self.root, cache_dir))
        self.progress = progress or Progress(enabled=False)
        self.report = Report()
        self.records: dict[str, NoteRecord] = {}
        self._index: Any = None
        self._scorer: Scorer | None = None
        self._must_train = False
        self.refitted = False
        self._prev_index: Any = None
        self.keep_index = True  # save the index's matrices for the next run (a daemon keeps them in memory)
        self._log = RecordLog(self.store.folder)
        self._saved: dict[str, NoteRecord] = {}  # the records as the log on disk holds them
        self._dirty: set[str] = set()  # records changed in place since the last save
        self.loaded: dict[str, Read] = {}  # the notes read (and parsed) this run
        self._lexicon: dict[str, int] = {}  # every word read this run → its id in Read.tokens
        self.model: Any = None
        self.decisions = Decisions.load(self.root)
        self._state: dict[str, Any] = self.store.read_json("state.json") or {}
        self.previous: dict[str, NoteRecord] = {}
        self._files: list[NoteFile] | None = None  # the vault's notes at the last refresh
        self._pending: dict[str, list[Any]] = {}  # rel → [file hash, lines, targets, written] of writes not yet saved
        self._verdicts: dict[str, review.Verdict] = {}  # the blocks reviewed this run
        self.decided: set[str] = set()  # notes whose review changed a decision this run
        self.dry_run = False  # write nothing: not the vault, not the cache

    # --- settings -------------------------------------------------------------
    @property
    def top_k(self) -> int:
        k = self.options.top_k if self.options.top_k is not None else self.config.top_k
        return DEFAULT_TOP_K if k is None else k

    @property
    def min_score(self) -> float | None:
        """The configured minimum score; None means the method's own default."""
        return self.options.min_score if self.options.min_score is not None else self.config.min_score

    @property
    def method(self) -> str:
        if self.options.method is not None:
            if self.options.method not in METHODS:
                raise VaultError(f"unknown method {self.options.method!r}; known: {', '.join(METHODS)}")
            return self.options.method
        return str(self._state.get("settings", {}).get("method", "hybrid"))

    @property
    def seed(self) -> int:
        if self.options.seed is not None:
            return self.options.seed
        return int(self._state.get("settings", {}).get("seed", 0))

    def model_params(self) -> dict[str, Any] | None:
        """What the word model is trained with, or None when the method needs none."""
        o = self.options
        method = word_method(self.method)
        if method is None:
            return None
        nested = [16, 32, 64] if o.dims is not None else []
        return {"method": method, "dim": o.dim, "seed": self.seed, "min_count": o.min_count, "matryoshka": nested}

    def _settings(self) -> dict[str, Any]:
        return {
            "model": self.model_params(),
            "method": self.method,
            "seed": self.seed,
            "top_k": self.top_k,
            "dims": self.options.dims,
            "binary": self.options.binary,
            "min_score": self.min_score,
            "heading": self.config.heading,
            "exclude": self.config.exclude,
            "sections": SECTION_FORMAT,
        }

    def _decisions_stamp(self) -> list[int] | None:
        try:
            st = os.stat(self.root / DECISIONS_PATH)
        except OSError:
            return None
        return [st.st_size, st.st_mtime_ns]

    # --- the index -------------------------------------------------------------
    def _load_state(self) -> None:
        self._state = self.store.read_json("state.json") or {}
        try:
            records = self._log.load(NoteRecord.from_json)
        except TypeError:
            records = {}  # a cache from another version: rebuilt
        self.records = records
        self._pending = (self.store.read_json(PENDING) or {}).get("writes", {})
        self.previous = dict(records)
        self._saved = dict(records)
        self._dirty = set()

    def unchanged_since_sync(self, files: list[NoteFile]) -> bool:
        """True when the last sync finished and no note, setting or decision changed since."""
        s = self._state
        if not s.get("synced") or s.get("settings") != self._settings():
            return False
        if s.get("decisions_stamp") != self._decisions_stamp() or s.get("retry"):
            return False
        if [f.rel for f in files] != sorted(self.records):
            return False
        return all(self.records[f.rel].same_file(f) for f in files) and not s.get("problems")

    def _unchanged_at_a_glance(self, files: list[NoteFile]) -> bool:
        """:meth:`unchanged_since_sync` from the state file alone (a digest of every
        note's path, size and mtime), without loading the notes' records."""
        s = self._state
        if not s.get("synced") or s.get("settings") != self._settings() or s.get("problems") or s.get("retry"):
            return False
        stamps = ((f.rel, f.size, f.mtime_ns) for f in files)
        return s.get("decisions_stamp") == self._decisions_stamp() and s.get("files") == _digest(stamps)

    def refresh(
        self, allow_train: bool = True, reload: bool = True, only: set[str] | None = None, quick: bool = False
    ) -> list[NoteFile]:
        """Bring the index up to date with the vault; returns the vault's notes.

        With ``allow_train=False`` an existing model is used as it is, and without one
        no note gets a vector. ``reload=False`` (the daemon, between batches) starts from
        the records in memory instead of the cache on disk; ``only`` (with it) names the
        only paths that may have changed since the last run, so the rest of the vault is
        not even looked at. With ``quick`` (a one-shot ``sync``), a vault unchanged since
        the last sync is recognised before any record is loaded (and none is)."""
        stage = self.progress.stage("scanning", 1)
        if only is not None:  # notes left for a later run are looked at again too
            only = only | set(self._state.get("retry", []))
        if only is not None and not reload and self._files is not None:
            files, problems = rescan(self.root, self.config, self._files, only)
        else:
            temps: list[Path] = []
            files, problems = scan(self.root, self.config, temps)
            for folder in sorted({t.parent for t in temps}):
                if not self.dry_run:
                    remove_stale_temps(folder, self.root)
        stage.done()
        self._files = files
        self.report.problems += problems
        if quick and reload:
            self._state = self.store.read_json("state.json") or {}
            if not problems and not self.options.retrain and self._unchanged_at_a_glance(files):
                self.report.unchanged_run = True
                self.report.notes = len(files)
                return files
        if reload or not self._state:
            self._load_state()
        else:
            self.previous = dict(self.records)
        if not self.options.retrain and self.unchanged_since_sync(files):
            self.report.unchanged_run = True
            self.report.notes = len(files)
            return files
        self.model = self._stored_model()
        drift = int(self._state.get("drift", 0))
        new_records: dict[str, NoteRecord] = {}
        stage = self.progress.stage("reading notes", len(files))
        kept = {nf.rel: rec for nf in files if (rec := self.records.get(nf.rel)) is not None and rec.same_file(nf)}
        reads = read_notes([nf for nf in files if nf.rel not in kept], self.config.max_note_bytes, self._lexicon)
        try:
            for i, nf in enumerate(files):
                old = self.records.get(nf.rel)
                if nf.rel in kept:
                    new_records[nf.rel] = kept[nf.rel]
                else:
                    read_nf, got = next(reads)
                    assert read_nf is nf
                    record = self._take(nf, got)
                    if record is not None:
                        new_records[nf.rel] = self._own_write(self._carry_over(record, old))
                        if old is None or old.body_hash != record.body_hash:
                            drift += 1
                stage.update(i + 1)
        finally:
            reads.close()  # stops the worker processes, if the loop was left early (Ctrl-C)
        stage.done()
        gone = set(self.records) - set(new_records)
        drift += len(gone)
        self._follow_renames(gone, new_records)
        self.records = new_records

        params = self.model_params()
        trained_on = int(self._state.get("trained_notes", 0))
        if self.model is not None and self._state.get("model_id") != self.model.model_id:
            # Trained by another run (``related`` on a changed vault): measure drift anew.
            drift, trained_on = 0, self.model.notes
        must_train = self.model is None or self.options.retrain or drift >= max(1, RETRAIN_FRACTION * trained_on)
        self._must_train = params is not None and must_train and bool(self.records)
        if self._must_train and allow_train:
            self._train(files)
            drift = 0
            self._must_train = False
        self._state["drift"] = drift
        self.report.notes = len(self.records)
        self.report.vocab = len(self.model.vocab) if self.model is not None else 0
        return files

    def _follow_renames(self, gone: set[str], new_records: dict[str, NoteRecord]) -> None:
        """A note that left one path and appeared at another with the same text was
        renamed: its review decisions follow it, and so do the ones about it."""
        arrived: dict[str, list[str]] = {}
        for rel, rec in new_records.items():
            if rel not in self.records:
                arrived.setdefault(rec.body_hash, []).append(rel)
        for old in sorted(gone):
            matches = arrived.get(self.records[old].body_hash, [])
            if len(matches) == 1:
                new = matches[0]
                self.decisions.rename(old, new)
                self.report.renamed.append((old, new))
                rec = new_records[new]
                rec.offered, rec.offered_targets = self.records[old].offered, self.records[old].offered_targets
                rec.written = self.records[old].written

    def needs_training(self) -> bool:
        """After ``refresh(allow_train=False)``: whether the model is due a retrain."""
        return self._must_train

    def _stored_model(self) -> Any:
        """The cached word model, if it is the one the current options ask for."""
        params = self.model_params()
        if params is None:
            return None
        from notelink.model.words import Model

        model = Model.load(self.store, params["method"])
        return model if model is not None and model.params == params else None

    def _load(self, nf: NoteFile) -> NoteRecord | None:
        return self._take(nf, read_one(nf, self.config.max_note_bytes, self._lexicon))

    def _take(self, nf: NoteFile, got: Got) -> NoteRecord | None:
        """What reading ``nf`` gave (:mod:`notelink.vault.reading`): its record, or None and a problem."""
        if isinstance(got, str):
            self.report.problems.append(f"{nf.rel}: {got}")
            return None
        record, tokens = got
        # Kept for the run: the record and the words as ids (not the text: a cold run
        # of a large vault would hold every note twice over).
        self.loaded[nf.rel] = Read(record, tokens)
        self.report.read += 1
        return record

    def _own_write(self, rec: NoteRecord) -> NoteRecord:
        """A note as an interrupted run of notelink left it (written, but the cache not
        saved): what it offers is what that run wrote, not lines the user deleted."""
        pending = self._pending.get(rec.rel)
        if pending is not None and pending[0] == rec.file_hash:
            rec.offered, rec.offered_targets = list(pending[1]), list(pending[2])
            rec.written = list(pending[3]) if len(pending) > 3 else []
        return rec

    @staticmethod
    def _carry_over(new: NoteRecord, old: NoteRecord | None) -> NoteRecord:
        if old is not None:
            new.offered, new.offered_targets, new.floor = old.offered, old.offered_targets, old.floor
            new.written = old.written
        return new

    def _docs(self, files: list[NoteFile], rels: list[str]) -> list[Read]:
        by_rel = {f.rel: f for f in files}
        out = []
        for rel in rels:
            if rel not in self.loaded:
                self._load(by_rel[rel])
            if rel in self.loaded:
                out.append(self.loaded[rel])
        return out

    def _train(self, files: list[NoteFile]) -> None:
        from notelink.model.words import train_ids
        from notelink.rank.index import VaultIndex

        docs = self._docs(files, sorted(self.records))
        self.records = {d.record.rel: self._carry_over(d.record, self.records.get(d.record.rel)) for d in docs}
        stage = self.progress.stage("training", 1)
        self.model = train_ids(
            [d.tokens for d in docs],
            list(self._lexicon),
            vector_counts=(VaultIndex.semantic_counts(d.record) for d in docs),
            progress=lambda f: stage.update(f),
            **(self.model_params() or {}),
        )
        stage.done()
        for d in docs:  # the words were for training only: let the run's memory go
            d.tokens = _NO_TOKENS
        if not self.dry_run:
            self.model.save(self.store)
        self.report.trained = True
        self.report.train_seconds = self.model.train_seconds
        self._state["trained_notes"] = self.model.notes
        self._index = None

    # --- ranking ---------------------------------------------------------------
    def index(self) -> Any:
        """The vault as matrices (:class:`notelink.rank.index.VaultIndex`), built once per run."""
        if self._index is None:
            from notelink.rank.index import VaultIndex

            if self.model is None:
                self.model = self._stored_model()
            if self._prev_index is None and self._reusable():
                self._prev_index = self._kept_index()
            if self._prev_index is not None and self._reusable():
                self._index = self._prev_index.updated(self.records)
            if self._index is None:
                stage = self.progress.stage("note vectors", 1)
                self._index = VaultIndex(self.records, self.model, self.seed, self.options.dims, self._kept_text())
                if self.method == "hybrid":
                    self._index.warm(stage.update)  # it uses every matrix; built here, they are timed here
                stage.done()
        return self._index

    def scorer(self) -> Scorer:
        if self._scorer is None or self._scorer.index is not self.index():
            o = self.options
            kept = self._kept_hybrid()
            index = self.index()
            stage = self.progress.stage("fitting weights", 1)
            self._scorer = make_scorer(self.method, index, self.seed, o.binary, o.binary_rerank, kept, stage.update)
            stage.done()
            self.refitted = self.method == "hybrid" and kept is None
        return self._scorer

    def _reusable(self) -> bool:
        """Whether what the last complete sync fitted (text model, hybrid weights) still
        applies: same settings, same word model, nothing retrained, few notes changed."""
        if self.report.trained or not self._state.get("synced") or self._state.get("settings") != self._settings():
            return False
        if self._state.get("model_id") != (self.model.model_id if self.model is not None else None):
            return False
        changed = len(self._text_changed()) + len(set(self.previous) - set(self.records))
        return changed <= max(20, 0.05 * len(self.records))

    def _kept_index(self) -> Any:
        """The index matrices the last complete sync saved, for the notes as it saw
        them (its records), if they belong to that sync; else None."""
        from notelink.rank import index as index_module

        meta = self.store.read_json(INDEX_META)
        if (
            not meta
            or meta.get("stamp") != self._state.get("index_stamp")
            or meta.get("order") != sorted(self.previous)
        ):
            return None
        arrays = self.store.read_arrays(INDEX_ARRAYS)
        text = self._kept_text()
        if arrays is None or text is None:
            return None
        made = index_module.VaultIndex(self.previous, self.model, self.seed, self.options.dims, text)
        try:
            return index_module.restore(made, arrays)
        except (KeyError, ValueError):
            return None

    def _save_index(self) -> str | None:
        """Keep the index's matrices for the next run (see :meth:`_kept_index`)."""
        from notelink.rank import index as index_module

        if self._index is None or not len(self._index):
            return None
        arrays = index_module.dump(self._index)
        if arrays is None:
            return None
        stamp = secrets.token_hex(8)
        self.store.write_arrays(INDEX_ARRAYS, **arrays)
        self.store.write_json(INDEX_META, {"stamp": stamp, "order": self._index.order})
        return stamp

    def _text_changed(self) -> set[str]:
        """Notes read this run whose text outside the section is new or changed."""
        prev = self.previous
        return {
            rel
            for rel in self.loaded
            if rel in self.records and (rel not in prev or prev[rel].body_hash != self.records[rel].body_hash)
        }

    def _kept_text(self) -> Any:
        from notelink.rank.index import TextModel

        return TextModel.load(self.store) if self._reusable() else None

    def _kept_hybrid(self) -> Any:
        """The hybrid weights of the last sync, while they still fit the vault: same
        settings and word model, and the number of links within 10% of what they were
        fitted on. Otherwise None, and they are fitted anew."""
        from notelink.rank.hybrid import HybridModel

        if self.method != "hybrid" or not self._reusable():
            return None
        model = HybridModel.from_json(self._state.get("hybrid_model") or {})
        if model is None:
            return None
        links = sum(len(out) for out in self.index().out_links)
        if abs(links - model.vault_links) > max(2, 0.1 * model.vault_links) or (model.fitted != (links >= MIN_LINKS)):
            return None
        return model

    def affected(self) -> list[str] | None:
        """The notes whose suggestions this run may change, or None for all of them.

        After a complete sync, with the same settings and model, a few changed notes can
        only move: their own suggestions; notes that offer them (they may drop out);
        notes linked to or from them (graph signals); and notes whose weakest
        suggestion they now beat. Everything else keeps its section as it is."""
        index, scorer = self.index(), self.scorer()
        if self.refitted or not self._reusable():
            return None
        if self._state.get("decisions_stamp") != self._decisions_stamp():
            return None  # the user edited decisions.txt: any note's suggestions may change
        changed = self._text_changed()
        gone = set(self.previous) - set(self.records)
        if len(changed) + len(gone) > max(20, 0.05 * len(index)):
            return None
        touched = changed | gone
        # A note read again whose text is the same (only its section changed: the user
        # reviewed it, or an interrupted run wrote it) is ranked again, alone.
        out = {rel for rel in self.loaded if rel in self.records} | set(self._state.get("retry", []))
        for rel, rec in self.records.items():
            if touched & set(rec.offered_targets):
                out.add(rel)
        for rel in changed:
            i = index.pos[rel]
            out |= {index.order[j] for j in index.out_links[i]}
            out |= {index.order[j] for j in index.adjacency_t[i].indices}
            if rel in self.previous:
                out |= {t for t in (index.resolver.resolve(raw, rel) for raw in self.previous[rel].links) if t}
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
        rec = self.records[rel]
        skip = {resolver.resolve(t, rel) for t in rec.links}
        skip |= {resolver.resolve(t, rel) for t, ticked in rec.items if ticked}
        skip |= self.decisions.rejected(rel) | self.decisions.accepted(rel)
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
        wanted = index.order if rels is None else rels
        exclude = [set() for _ in index.order]
        never = {i for i, rel in enumerate(index.order) if not suggestible(rel)}
        for rel in wanted:
            exclude[index.pos[rel]] = {index.pos[s] for s in self.exclusions(rel) if s in index.pos} | never
        threshold = min_score if min_score is not None else self.min_score
        rows = scorer.rank(
            [index.pos[r] for r in wanted],
            self.top_k if k is None else k,
            exclude,
            scorer.default_min_score if threshold is None else threshold,
            progress,
        )
        return {rel: [(index.order[j], s) for j, s in row] for rel, row in zip(wanted, rows, strict=True)}

    def resolver(self) -> Resolver:
        return self.index().resolver

    # --- sections --------------------------------------------------------------
    def verdict(self, rel: str, resolver: Resolver) -> review.Verdict:
        """What the note's block, as its record saw it, proves (:mod:`notelink.sync.review`)."""
        rec = self.records[rel]
        if not rec.has_section:
            return review.Verdict(False)
        accepted = self.decisions.accepted(rel)
        items = [(t, bool(ticked)) for t, ticked in rec.items]
        links = self.body_links(rel, resolver)
        return review.of_block(
            rel, rec.block_digest, items, rec.written, accepted, resolver, links, dict(self.report.renamed)
        )

    def body_links(self, rel: str, resolver: Resolver) -> set[str]:
        """The notes that ``rel``'s text outside the section links to."""
        return {t for raw in self.records[rel].links if (t := resolver.resolve(raw, rel)) is not None}

    def _review(self, rel: str, resolver: Resolver) -> None:
        """Turn the owner's edits of a re-read section into decisions: only what the block
        proves (:mod:`notelink.sync.review`)."""
        verdict = self.verdict(rel, resolver)
        self._verdicts[rel] = verdict
        if verdict.record(self.decisions, rel):
            self.decided.add(rel)

    def plan(self) -> list[Change]:
        """Every note whose file must change, with its old and new bytes."""
        resolver = self.resolver()
        for rel in sorted(self.loaded):
            if rel in self.records:
                self._review(rel, resolver)
        affected = self.affected()
        stage = self.progress.stage("ranking", 1)
        ranks = self.ranking(affected, progress=stage.update)
        stage.done()
        stage = self.progress.stage("composing sections", len(ranks) + 1)
        self._dirty.update(ranks)
        index, scorer = self.index(), self.scorer()
        threshold = self.min_score if self.min_score is not None else scorer.default_min_score

        changes: list[Change] = []
        rels = sorted(ranks)
        for start in range(0, len(rels), COMPOSE_CHUNK):
            # A chunk of notes at a time: the reasons of every new line in it computed
            # together (one feature pass), and let go before the next chunk.
            picked: dict[str, tuple[list[tuple[str, float]], list[str] | None]] = {}
            for rel in rels[start : start + COMPOSE_CHUNK]:
                rec = self.records[rel]
                ranked = ranks[rel]
                rec.floor = ranked[-1][1] if len(ranked) >= self.top_k else threshold
                picks = ranked if rec.enabled else []
                kept = list(zip(rec.offered_targets, rec.offered, strict=False))
                same = {t for t, _ in picks} == set(rec.offered_targets) and len(kept) == len(picks)
                if same and all(resolver.link_text(t) in line for t, line in kept):
                    # Same notes as on disk: keep their lines, so a nudge in scores or word
                    # statistics never rewrites a note (fewer writes, fewer sync conflicts).
                    picked[rel] = ([(t, 0.0) for t in rec.offered_targets], rec.offered)
                else:
                    picked[rel] = (picks, None)
            fresh = [(rel, t) for rel, (picks, lines) in picked.items() if lines is None for t, _ in picks]
            said = scorer.reasons_many([(index.pos[a], index.pos[b]) for a, b in fresh])
            reasons = dict(zip(fresh, said, strict=True))
            for n, (rel, (picks, lines)) in enumerate(picked.items()):
                stage.update(start + n)
                if lines is None:
                    lines = [suggestions.suggestion_line(resolver.link_text(t), reasons[(rel, t)]) for t, _ in picks]
                change = self._compose(rel, picks, lines, resolver)
                if change is not None:
                    changes.append(change)
        stage.done()
        return changes

    def _compose(self, rel: str, picks: list[tuple[str, float]], lines: list[str], resolver: Resolver) -> Change | None:
        """The note with its section made of ``lines`` (and, in a note without a section,
        its accepted suggestions), as a change if its bytes differ."""
        rec = self.records[rel]
        restore: list[str] = []
        restored: list[list[Any]] = []
        if not rec.has_section:  # after ``clean``: accepted suggestions come back ticked
            linked = self.body_links(rel, resolver)
            for t in sorted(self.decisions.accepted(rel) - linked):
                if t in self.records and t != rel:
                    restore.append(suggestions.suggestion_line(resolver.link_text(t), [], ticked=True))
                    restored.append([suggestions.link_target(resolver.link_text(t)), t, True])
        legacy = rec.has_section and rec.block_digest is None
        if rel not in self.loaded and lines == rec.offered and not restore and not legacy:
            return None
        current = self._reread(rel)
        if current is None:
            return None
        data, text = current
        verdict = self._verdicts.get(rel) or self.verdict(rel, resolver)
        ours = verdict.ours(rec.offered)
        targets = [t for t, _ in picks]
        offered = [[suggestions.link_target(line), t, False] for line, t in zip(lines, targets, strict=True)]
        vouched = [list(v) for v in verdict.vouched]
        written = restored + vouched + offered
        new = suggestions.render(rel, text, self.config.heading, restore + lines, ours, written).encode("utf-8")
        if new == data:
            rec.offered, rec.offered_targets, rec.written = lines, targets, written
        elif section.remove(new.decode("utf-8")) != section.remove(text):
            # The equivalence check: outside the section, not one byte may differ.
            self.report.problems.append(f"{rel}: internal error, refusing a write that would change the note")
            self.report.retry.add(rel)
        else:
            # What notelink offered changes only once the write succeeds.
            return Change(rel, sha(data), restore + lines, sha(new), rec, lines, targets, ours, written)
        return None

    def new_bytes(self, ch: Change) -> bytes:
        """The bytes planned for a note, made again from the file: a plan holds only the
        section's lines (at 50,000 notes the planned bytes were ~80 MB even compressed,
        held from composing to writing). Conflict if the file is no longer the one
        planned from, or (never expected) the bytes come out other than planned."""
        try:
            current = self._read_as(ch.rel, ch.old)
        except ReadError as e:
            raise WriteError(str(e)) from None
        if current is None:
            raise Conflict(CONFLICT)
        new = suggestions.render(ch.rel, current[1], self.config.heading, ch.lines, ch.ours, ch.written).encode("utf-8")
        if sha(new) != ch.new_hash:
            raise Conflict("internal error: the section came out other than planned; left alone, retried next run")
        return new

    def _reread(self, rel: str) -> tuple[bytes, str] | None:
        """The note's bytes and text, read again to be written; None (and
        a retry next run) if they are no longer what its record was made from."""
        try:
            current = self._read_as(rel, self.records[rel].file_hash)
        except ReadError:
            current = None
        if current is None:
            self.report.problems.append(f"{rel}: changed during sync; left alone, retried next run")
            self.report.retry.add(rel)
        return current

    def _read_as(self, rel: str, expected: str) -> tuple[bytes, str] | None:
        """The note's bytes and text if its SHA-256 is still ``expected`` (None if not;
        ReadError if it cannot be read)."""
        data = read_bytes(NoteFile(rel, self.root / rel, 0, 0), self.config.max_note_bytes)
        if sha(data) != expected:
            return None
        return data, data.decode("utf-8")

    def apply(self, changes: list[Change]) -> None:
        if changes:
            # Said before the first write, so a run stopped after it is understood (_own_write).
            self._pending.update({ch.rel: [ch.new_hash, ch.offered, ch.offered_targets, ch.written] for ch in changes})
            self.store.write_json(PENDING, {"writes": self._pending})
        stage = self.progress.stage("writing sections", len(changes))

        def write(ch: Change) -> tuple[os.stat_result, bytes] | Exception:
            try:
                new = self.new_bytes(ch)  # the record is updated from the same bytes
                return replace_note(self.root / ch.rel, ch.old, new, root=self.root), new
            except (Conflict, WriteError) as e:
                return e

        # Each write waits on two fsyncs (the file, its folder): a few at a time keep the
        # disk busy. The results are taken in order, so a run is the same whatever
        # finishes first.
        pool = ThreadPoolExecutor(WRITERS) if len(changes) > 1 else None
        try:
            results = _in_order(pool, write, changes) if pool else map(write, changes)
            for n, (ch, result) in enumerate(zip(changes, results, strict=True)):
                stage.update(n)
                if isinstance(result, Exception):
                    self.report.problems.append(f"{ch.rel}: {result}")
                    self.report.retry.add(ch.rel)
                    continue
                self._written(ch, *result)
        finally:
            if pool is not None:  # on Ctrl-C: no new write starts; those under way finish (each is atomic)
                pool.shutdown(wait=False, cancel_futures=True)
        stage.done()
        if self._files is not None and self.report.changed:
            # What the files look like now, so the next run does not read them again.
            done = set(self.report.changed)
            self._files = [
                NoteFile(f.rel, f.path, self.records[f.rel].size, self.records[f.rel].mtime_ns) if f.rel in done else f
                for f in self._files
            ]

    def _written(self, ch: Change, st: os.stat_result, new: bytes) -> None:
        """Bring the note's record up to what was just written (``new``)."""
        ch.record.size, ch.record.mtime_ns, ch.record.file_hash = st.st_size, st.st_mtime_ns, ch.new_hash
        ch.record.offered, ch.record.offered_targets, ch.record.written = ch.offered, ch.offered_targets, ch.written
        _, loc, _ = section.parts(new.decode("utf-8"))
        items = suggestions.items(loc.body if loc else [])
        ch.record.items = [[sys.intern(i.target), i.checked] for i in items]
        ch.record.has_section, ch.record.block_digest = loc is not None, loc.digest if loc else None
        self.report.changed.append(ch.rel)

    def next_run(self) -> None:
        """Ready the engine for another run on the same vault (the daemon's next batch):
        per-run results are dropped; records, model and the last index are kept."""
        self.report = Report()
        self.loaded, self._lexicon = {}, {}
        self._verdicts, self.decided = {}, set()
        self.decisions = Decisions.load(self.root)
        self.config = load_config(self.root)
        self._prev_index = self._index
        self._index, self._scorer = None, None
        self._must_train = False
        self.refitted = False

    def save_decisions(self) -> bool:
        """Write ``.notelink/decisions.txt`` if this run changed a decision; False if it
        could not be written."""
        try:
            self.decisions.save(self.root)
        except (Conflict, WriteError, OSError) as e:
            self.report.problems.append(f"{DECISIONS_PATH}: {e}")
            return False
        return True

    def commit(self, changes: list[Change], held: set[str] | frozenset[str] = frozenset()) -> None:
        """Record the run: decisions first, then the sections, then the cache.

        A note whose review made a decision that could not be saved keeps its section
        as it is (the evidence of the decision) and its old record, so the next run
        reviews it again and records the decision then."""
        if self.save_decisions():
            unsaved: set[str] = set()
        else:
            unsaved = set(self.decided)
            for rel in sorted(unsaved):
                self.report.problems.append(f"{rel}: its review is kept in the note until the decisions can be saved")
        self.apply([ch for ch in changes if ch.rel not in held and ch.rel not in unsaved])
        self.hold(set(held) | unsaved)
        for rel in unsaved:
            old = self.previous.get(rel)
            if old is not None:
                self.records[rel] = old
            else:
                self.records.pop(rel, None)
            self._dirty.discard(rel)
        self.save(synced=True)

    def hold(self, rels: set[str]) -> None:
        """Leave these notes' sections for a later run (the daemon: being edited)."""
        self.report.retry |= rels

    def save(self, synced: bool) -> None:
        order = sorted(self.records)
        if self._index is not None and len(self._index) and "idf" in self._index.__dict__ and not self._index.frozen:
            self._index.text_model().save(self.store)
        meta = self._state_to_save(synced)
        meta["index_stamp"] = self._save_index() if synced and self.keep_index else None
        # Records first, then the state that vouches for them: only the records that
        # changed since the last save are written (see notelink.disk.recordlog).
        saved, dirty = self._saved, self._dirty
        changed = _Lines({rel: rec for rel, rec in self.records.items() if saved.get(rel) is not rec or rel in dirty})
        self._log.save(changed, set(saved) - set(self.records), lambda: (_json(self.records[r]) for r in order))
        self._saved, self._dirty = dict(self.records), set()
        self.store.write_json("state.json", meta)
        self._state = meta
        if self._pending:
            self.store.remove(PENDING)  # the records now say what was written
            self._pending = {}

    def _state_to_save(self, synced: bool) -> dict[str, Any]:
        return {
            "settings": self._settings(),
            "synced": synced,
            "problems": bool(self.report.problems),
            "retry": sorted(self.report.retry),
            "decisions_stamp": self._decisions_stamp(),
            "model_id": self.model.model_id if self.model is not None else None,
            "hybrid": self._scorer.model.describe() if hasattr(self._scorer, "model") else None,
            "hybrid_model": self._scorer.model.to_json() if hasattr(self._scorer, "model") else None,
            "trained_notes": self._state.get("trained_notes", 0),
            "drift": self._state.get("drift", 0),
            "synced_at": time.time(),
            # The notes as the records say they are on disk now (after this run's writes).
            "files": _digest((rel, rec.size, rec.mtime_ns) for rel, rec in self.records.items()),
        }


WRITERS = 4  # notes written at once


def _in_order(pool: ThreadPoolExecutor, fn: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
    """``pool.map(fn, items)`` with only a few items under way at once (``map`` makes a
    future for every item up front: 50,000 of them at 50,000 notes)."""
    window: deque[Any] = deque()
    for item in items:
        window.append(pool.submit(fn, item))
        if len(window) > 2 * WRITERS:
            yield window.popleft().result()
    while window:
        yield window.popleft().result()


COMPOSE_CHUNK = 512  # notes whose sections are composed together (their reasons: one pass, ~5,000 pairs)


def _digest(stamps: Iterable[tuple[str, int, int]]) -> str:
    """One hash of every note's (path, size, mtime): equal digests, unchanged vault."""
    h = hashlib.sha256()
    for rel, size, mtime_ns in sorted(stamps):
        h.update(f"{rel}\0{size}\0{mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


class _Lines(Mapping[str, str]):
    """Records by path, each made into its JSON line only when asked for: a cold run
    of a large vault never holds every record's line at once."""

    def __init__(self, records: dict[str, NoteRecord]) -> None:
        self.records = records

    def __getitem__(self, rel: str) -> str:
        return _json(self.records[rel])

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def _json(rec: NoteRecord) -> str:
    return json.dumps(rec.to_cache(), ensure_ascii=False, separators=(",", ":"))


def sync(engine: Engine, dry_run: bool = False, quick: bool = False) -> tuple[Report, list[Change]]:
    """One full pass; with ``dry_run`` nothing is written (not even the cache). ``quick``:
    see :meth:`Engine.refresh` (the records are not loaded when nothing changed)."""
    engine.dry_run = dry_run
    engine.refresh(quick=quick)
    if engine.report.unchanged_run:
        return engine.report, []
    changes = engine.plan()
    if dry_run:
        return engine.report, changes
    engine.commit(changes)
    return engine.report, changes
