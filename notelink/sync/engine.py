"""One sync run: refresh (vault → records) → plan (rank, review, compose) → commit
(decisions, sections, cache). :class:`Engine` holds what the stages of this folder
share for one vault, and runs them. The word model is retrained when there is none,
when its settings changed, or when the notes changed since it was trained reach
``RETRAIN_FRACTION`` of the vault; otherwise changed notes use the current model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from notelink.disk.decisions import DECISIONS_PATH, Decisions
from notelink.disk.store import Store, vault_cache
from notelink.disk.writer import Conflict, WriteError
from notelink.model import persist
from notelink.progress import Progress
from notelink.rank.methods import Scorer
from notelink.sync import apply, state
from notelink.sync.plan import Change, Planner
from notelink.sync.ranking import Ranker
from notelink.sync.refresh import Reader, Report, follow_renames, scan_vault, train, training_due
from notelink.sync.settings import Options, Settings
from notelink.text.links import Resolver
from notelink.text.record import NoteRecord
from notelink.text.tokens import VERSION as TOKENS_VERSION
from notelink.vault.config import load_config
from notelink.vault.scan import NoteFile

RETRAIN_FRACTION = 0.2
__all__ = ["Change", "Engine", "Options", "Report", "sync"]


class Engine:
    def __init__(
        self, root: Path, options: Options | None = None, cache_dir: str | None = None, progress: Progress | None = None
    ) -> None:
        self.root = Path(root)
        self.options = options or Options()
        self.config = load_config(self.root)
        self.store = Store(vault_cache(self.root, cache_dir))
        self.cache = state.Cache(self.store)
        self.progress = progress or Progress(enabled=False)
        self.state: dict[str, Any] = self.cache.read_state()  # the last sync's; updated in place
        self.settings = Settings.resolve(self.options, self.config, self.state.get("settings", {}))
        self.report = Report()
        self.records: dict[str, NoteRecord] = {}
        self.previous: dict[str, NoteRecord] = {}  # the records as the last sync left them
        self.model: Any = None
        self.decisions = Decisions.load(self.root)
        self.keep_index = True  # save the index's matrices for the next run (a daemon keeps them in memory)
        self.dry_run = False  # write nothing: not the vault, not the cache
        self.files: list[NoteFile] | None = None  # the vault's notes at the last refresh
        self._saved: dict[str, NoteRecord] = {}  # the records as the log on disk holds them
        self._dirty: set[str] = set()  # records changed in place since the last save
        self._pending: dict[str, list[Any]] = {}  # rel → [file hash, lines, targets, written] not yet saved
        self._must_train = False
        self._retokenize = False  # the cache's tokens are another version's: retrain
        self._reader = Reader(self.config.max_note_bytes, self.report, self._pending)
        self._ranker: Ranker | None = None
        self._last_index: Any = None
        self._planner = self._new_planner()

    # --- what the stages read (notelink.sync.ranking.RunView) ----------------------
    def read_now(self) -> set[str]:
        return set(self._reader.loaded)

    def text_changed(self) -> set[str]:
        return self._reader.text_changed(self.records, self.previous)

    def decisions_stamp(self) -> list[int] | None:
        return state.decisions_stamp(self.root)

    def model_params(self) -> dict[str, Any] | None:
        return self.settings.model_params()

    @property
    def method(self) -> str:
        return self.settings.method

    @property
    def refitted(self) -> bool:
        return self._ranker is not None and self._ranker.refitted

    def _set_state(self, new: dict[str, Any]) -> None:
        self.state.clear()
        self.state.update(new)
        self.settings = Settings.resolve(self.options, self.config, self.state.get("settings", {}))

    def _load_state(self) -> None:
        self._set_state(self.cache.read_state())
        self._saved = self.cache.load_records()  # as the journal on disk holds them
        self._retokenize = state.other_tokens(self.state, TOKENS_VERSION)  # then every note is read again
        self.records = dict(self._saved)  # kept even then: what notelink wrote in each section
        self._pending.clear()
        self._pending.update(self.cache.read_pending())
        self.previous = dict(self.records)
        self._dirty = set()

    def refresh(
        self, allow_train: bool = True, reload: bool = True, only: set[str] | None = None, quick: bool = False
    ) -> list[NoteFile]:
        """Bring the records up to date with the vault; returns the vault's notes.

        With ``allow_train=False`` an existing model is used as it is, and without one
        no note gets a vector. ``reload=False`` (the daemon, between batches) starts from
        the records in memory instead of the cache on disk; ``only`` (with it) names the
        only paths that may have changed since the last run. With ``quick`` (a one-shot
        ``sync``), a vault unchanged since the last sync is recognised before any record
        is loaded."""
        stage = self.progress.stage("scanning", 1)
        if only is not None:  # notes left for a later run are looked at again too
            only = only | set(self.state.get("retry", []))
        files, problems = scan_vault(self.root, self.config, None if reload else self.files, only, self.dry_run)
        stage.done()
        self.files = files
        self.report.problems += problems
        if quick and reload:
            self._set_state(self.cache.read_state())
            stamp = self.decisions_stamp()
            glance = state.unchanged_at_a_glance(self.state, self.settings.as_dict(), stamp, files)
            if not problems and not self.options.retrain and glance:
                return self._unchanged_run(files)
        if reload or not self.state:
            self._load_state()
        else:
            self.previous = dict(self.records)
        stamp = self.decisions_stamp()
        if not self.options.retrain and state.unchanged(
            self.state, self.settings.as_dict(), stamp, files, self.records
        ):
            return self._unchanged_run(files)
        self.model = self.stored_model()
        stage = self.progress.stage("reading notes", len(files))
        new_records, drift = self._reader.read(files, self.records, stage.update, self._retokenize)
        stage.done()
        drift += int(self.state.get("drift", 0)) + len(set(self.records) - set(new_records))
        follow_renames(self.records, new_records, self.decisions, self.report)
        self.records = new_records
        retrain = self.options.retrain or self._retokenize
        self._must_train, drift = training_due(self.model, self.state, retrain, drift, RETRAIN_FRACTION)
        self._must_train = self._must_train and self.model_params() is not None and bool(self.records)
        if self._must_train and allow_train:
            self.records, self.model = train(self._reader, files, self.records, self.model_params(), self.progress)
            if not self.dry_run:
                persist.save(self.model, self.store)
            self.report.trained, self.report.train_seconds = True, self.model.train_seconds
            self.state["trained_notes"] = self.model.notes
            self._ranker, self._must_train, self._retokenize, drift = None, False, False, 0
        self.state["drift"] = drift
        self.report.notes = len(self.records)
        self.report.vocab = len(self.model.vocab) if self.model is not None else 0
        return files

    def _unchanged_run(self, files: list[NoteFile]) -> list[NoteFile]:
        self.report.unchanged_run = True
        self.report.notes = len(files)
        return files

    def needs_training(self) -> bool:
        """After ``refresh(allow_train=False)``: whether the model is due a retrain."""
        return self._must_train

    def stored_model(self) -> Any:
        """The cached word model, if it is the one the current options ask for."""
        return self.cache.stored_model(self.model_params())

    # --- ranking (notelink.sync.ranking) -------------------------------------------
    def ranker(self) -> Ranker:
        if self._ranker is None:
            if self.model is None:
                self.model = self.stored_model()
            self._ranker = Ranker(self, self.cache, self.progress, self._last_index)
        return self._ranker

    def index(self) -> Any:
        return self.ranker().index()

    def scorer(self) -> Scorer:
        return self.ranker().scorer()

    def affected(self) -> list[str] | None:
        return self.ranker().affected()

    def ranking(
        self,
        rels: list[str] | None = None,
        k: int | None = None,
        min_score: float | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> dict[str, list[tuple[str, float]]]:
        """Related notes for ``rels`` (all notes by default), best first."""
        return self.ranker().ranking(rels, k, min_score, progress)

    def resolver(self) -> Resolver:
        return self.ranker().resolver()

    # --- sections (notelink.sync.plan, notelink.sync.apply) ------------------------
    def _new_planner(self) -> Planner:
        return Planner(self.root, self.settings, self.records, self.decisions, self.report, self.progress)

    def plan(self) -> list[Change]:
        """Every note whose file must change."""
        self._planner = self._new_planner()
        return self._planner.plan(self.ranker(), self.read_now(), self._dirty)

    def new_bytes(self, ch: Change) -> bytes:
        """The bytes planned for a note, made again from the file (see :func:`apply.new_bytes`)."""
        return apply.new_bytes(self.root, self.config.heading, self.config.max_note_bytes, ch)

    def apply(self, changes: list[Change]) -> None:
        """Write the sections of ``changes``; the records follow what was written."""
        if changes:
            # Said before the first write, so a run stopped after it is understood (Reader.own_write).
            self._pending.update({ch.rel: [ch.new_hash, ch.offered, ch.offered_targets, ch.written] for ch in changes})
            self.cache.say_pending(self._pending)
        apply.write_all(self.root, changes, self.new_bytes, self.report, self.progress)
        if self.files is not None and self.report.changed:
            self.files = apply.restamped(self.files, self.records, set(self.report.changed))

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
            unsaved = set(self._planner.decided)
            for rel in sorted(unsaved):
                self.report.problems.append(f"{rel}: its review is kept in the note until the decisions can be saved")
        self.apply([ch for ch in changes if ch.rel not in held and ch.rel not in unsaved])
        self.report.retry |= set(held) | unsaved  # their sections are left for a later run
        for rel in unsaved:  # back to the record of before this run's review
            if rel in self.previous:
                self.records[rel] = self.previous[rel]
            else:
                self.records.pop(rel, None)
            self._dirty.discard(rel)
        self.save(synced=True)

    def save(self, synced: bool) -> None:
        """Save the run in the cache: records first, then the state that vouches for them."""
        index = self._ranker.built if self._ranker is not None else None
        text = index.fitted_text() if index is not None and len(index) else None
        if text is not None:
            text.save(self.store)
        hybrid = self._ranker.hybrid() if self._ranker is not None else None
        meta = state.run_state(self, synced, hybrid)
        meta["index_stamp"] = self.cache.save_index(index) if synced and self.keep_index else None
        saved = self._saved
        changed = [rel for rel, rec in self.records.items() if saved.get(rel) is not rec or rel in self._dirty]
        self.cache.save_records(self.records, changed, set(saved) - set(self.records))
        self._saved, self._dirty = dict(self.records), set()
        self.cache.write_state(meta)
        self._set_state(meta)
        if self._pending:
            self.cache.clear_pending()  # the records now say what was written
            self._pending.clear()

    def next_run(self) -> None:
        """Ready the engine for another run on the same vault (the daemon's next batch):
        per-run results are dropped; records, model and the last index are kept."""
        self.report = Report()
        self.decisions = Decisions.load(self.root)
        self.config = load_config(self.root)
        self.settings = Settings.resolve(self.options, self.config, self.state.get("settings", {}))
        self._reader = Reader(self.config.max_note_bytes, self.report, self._pending)
        self._last_index = self._ranker.built if self._ranker is not None else None
        self._ranker = None
        self._planner = self._new_planner()
        self._must_train = False


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
