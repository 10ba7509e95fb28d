"""A long-lived engine on one vault, for ``notelink watch``: it holds the vault's lock,
syncs once, then runs one batch per burst of file events, and retrains in the
background when enough notes have changed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from notelink.app import synced
from notelink.app.results import Synced
from notelink.disk.lock import VaultLock
from notelink.disk.store import vault_cache
from notelink.sync.engine import Engine, Options, sync
from notelink.vault.config import CONFIG_NAME, load_config
from notelink.vault.scan import NoteFilter


class Session:
    """The daemon's view of a vault: :meth:`open`, then :meth:`read` and :meth:`write` per batch."""

    def __init__(self, root: Path, options: Options | None = None, cache_dir: str | None = None) -> None:
        self.root = Path(root)
        self.options = options or Options()
        self.cache_dir = cache_dir
        self.lock = VaultLock(self.root, vault_cache(self.root, cache_dir), "watch")
        self.engine: Engine | None = None
        self.filter = NoteFilter([])  # the config's excludes, read once the lock is taken
        self.new_model = False  # a background retrain finished: the next batch uses its model
        self.started = 0.0  # when the batch under way started

    def watches(self, rel: str) -> bool:
        """Whether a change of the vault path ``rel`` matters: a note, the config, the decisions."""
        return self.filter.watched(rel)

    @staticmethod
    def is_config(rel: str) -> bool:
        """The config: when it changes, any note may come or go (its excludes)."""
        return rel == CONFIG_NAME

    def acquire(self) -> None:
        """Take the vault's lock (:class:`notelink.app.Locked` if another run has it)."""
        self.lock.acquire()
        try:
            self.filter = NoteFilter(load_config(self.root).exclude)
        except BaseException:
            self.lock.release()
            raise

    def open(self) -> Synced:
        """Bring every section up to date (the lock taken)."""
        start = time.perf_counter()
        self.engine = Engine(self.root, self.options, cache_dir=self.cache_dir)
        sync(self.engine)
        self.engine.index().warm()  # so the first edit does not pay for building it
        self.engine.keep_index = False  # batches keep the index in memory, not on disk each time
        return synced(self.engine, time.perf_counter() - start)

    def close(self) -> None:
        """Let go of the vault's lock."""
        self.lock.release()

    def read(self, only: set[str] | None, training: bool) -> bool:
        """A batch's first half: bring the records up to date; False when nothing changed.

        ``only`` names the notes that may have changed (None: look at every note);
        ``training``: a retrain is under way in the background."""
        self.filter = NoteFilter(load_config(self.root).exclude)  # .notelink.toml may have changed
        engine = self.engine
        assert engine is not None, "open() first"
        self.started = time.perf_counter()
        engine.next_run()
        if self.new_model:
            self.new_model = False
            engine.model = engine.stored_model()
        engine.refresh(allow_train=False, reload=False, only=only)
        if engine.report.unchanged_run:
            return False
        if engine.model is None and engine.model_params() is not None and not training:
            engine.refresh()  # no model yet (first run): train now, in the foreground
        return True

    def write(self, held: Callable[[list[str]], set[str]]) -> Synced:
        """A batch's second half: rank, and write the sections, except those of the notes
        ``held(rels)`` says are being edited (left for a later batch)."""
        engine = self.engine
        assert engine is not None, "open() first"
        changes = engine.plan()
        hold = held([ch.rel for ch in changes])
        engine.commit(changes, hold)
        out = synced(engine, time.perf_counter() - self.started)
        out.held = hold
        return out

    def update(self, paths: set[str] | None, held: Callable[[list[str]], set[str]] | None = None) -> Synced:
        """One whole batch for the notes at ``paths`` (None: every note), as an editor
        asks after a save: :meth:`read`, then :meth:`write` unless nothing changed."""
        if not self.read(paths, training=False):
            assert self.engine is not None
            return synced(self.engine, time.perf_counter() - self.started)
        return self.write(held or (lambda rels: set()))

    def retrain_due(self) -> bool:
        """After :meth:`read`: whether enough notes changed for a retrain."""
        return self.engine is not None and self.engine.needs_training()

    def retrain(self) -> float:
        """Train a new model and save it (run in a background thread: it uses its own
        engine); the next batch after :attr:`new_model` is set picks it up."""
        engine = Engine(self.root, replace(self.options, retrain=True), cache_dir=self.cache_dir)
        engine.refresh()  # retrain=True: trains even if this batch's sync is saved before it reads the vault
        return engine.report.train_seconds

    def model(self) -> Any:
        """The word model in the cache now (the one the next batches use)."""
        assert self.engine is not None, "open() first"
        return self.engine.stored_model()
