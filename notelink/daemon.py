"""``notelink watch``: keep every section current while the user writes.

watchdog's Observer reports file events from the vault; the daemon only translates
them into batches of its :class:`notelink.app.session.Session`:

* every event on a note (created, modified, deleted, moved — whatever way an editor
  saves: in place, temp file + rename, backup + rename) marks the vault dirty;
* once the vault has been quiet for ``quiet`` seconds, one batch runs: the same
  incremental update as ``notelink sync`` (changed notes re-read and embedded with the
  current model, the notes they can affect re-ranked, only changed sections written).
  Only the notes the events named are looked at; a folder event, a config change or
  ``RESCAN_SECONDS`` without any batch looks at the whole vault (events can be lost);
* a note saved in the last ``hold`` seconds (an event named it, or its mtime is that
  recent) is not written to (the user is typing in it); it is picked up by a later batch;
* notelink's own writes are recognised (the size and mtime it left behind) and do
  not count as changes, so the daemon never feeds itself;
* when the notes changed since training reach the retrain threshold, a new model is
  trained in a background thread and swapped in when ready; batches keep using the
  old one meanwhile.

One daemon per vault: it holds the vault's lock (the session takes it) for its
whole life, so a second ``watch`` or a ``sync`` refuses with a clear message.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from notelink.app import Options, Synced
from notelink.app.session import Session

log = logging.getLogger("notelink.watch")

DEFAULT_QUIET = 2.0
DEFAULT_HOLD = 3.0
RESCAN_SECONDS = 600.0  # idle this long: look at the whole vault once (events can be dropped)


class Watcher:
    def __init__(
        self,
        root: Path,
        options: Options | None = None,
        cache_dir: str | None = None,
        quiet: float = DEFAULT_QUIET,
        hold: float = DEFAULT_HOLD,
    ) -> None:
        self.root = Path(root)
        self.options = options or Options()
        self.cache_dir = cache_dir
        self.quiet = quiet
        self.hold = hold
        self.stop_event = threading.Event()
        self.wake = threading.Condition()
        self.dirty_at: float | None = None  # monotonic time of the last relevant event
        self.held: set[str] = set()
        self.seen: dict[str, float] = {}  # note → monotonic time of the last event naming it
        # The notes events named since the last batch; None: look at the whole vault.
        self.pending: set[str] | None = set()
        self.last_scan = time.monotonic()  # of the whole vault
        self.own: dict[str, tuple[int, int]] = {}  # rel → (size, mtime_ns) notelink left
        self.batches = 0
        self.writes = 0
        self.session = Session(self.root, self.options, cache_dir)
        self._observer: Any = None
        self._trainer: threading.Thread | None = None

    # --- events ------------------------------------------------------------------
    def relevant(self, path: str) -> bool:
        try:
            rel = Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return False
        return self.session.watches(rel)

    def is_own_write(self, path: str) -> bool:
        try:
            rel = Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return False
        stamp = self.own.get(rel)
        if stamp is None:
            return False
        try:
            st = os.stat(path)
        except OSError:
            return False
        return (st.st_size, st.st_mtime_ns) == stamp

    def on_event(self, event: Any) -> None:
        kind = event.event_type
        if kind in ("opened", "closed_no_write"):
            return
        paths = [os.fsdecode(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        rels: set[str] | None
        if event.is_directory:
            # A folder created, moved or deleted brings or takes notes with it: the next
            # batch looks at the whole vault.
            if kind not in ("created", "moved", "deleted") or not any(self.visible(p) for p in paths):
                return
            rels = None
        else:
            hits = [p for p in paths if self.relevant(p)]
            if not hits:
                return
            if kind in ("modified", "closed", "created", "moved") and self.is_own_write(hits[-1]):
                return  # what notelink itself just wrote (moved: its temp file onto the note)
            rels = {self.rel(p) for p in hits}
            if any(self.session.is_config(rel) for rel in rels):
                rels = None  # new excludes: any note may come or go
        log.debug("%s %s", kind, " -> ".join(paths))
        with self.wake:
            now = time.monotonic()
            for rel in rels or ():
                self.seen[rel] = now
            if rels is None or self.pending is None:
                self.pending = None
            else:
                self.pending |= rels
            self.dirty_at = time.monotonic()
            self.wake.notify_all()

    def rel(self, path: str) -> str:
        return Path(path).relative_to(self.root).as_posix()

    def visible(self, path: str) -> bool:
        try:
            rel = Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return False
        return not any(p.startswith(".") for p in rel.split("/"))

    # --- batches -------------------------------------------------------------------
    def run_batch(self, only: set[str] | None = None) -> None:
        """One update: ``only`` names the notes that may have changed (from events);
        None looks at every note."""
        if only is None:
            self.last_scan = time.monotonic()
        if not self.session.read(only, training=self._trainer is not None):
            return
        if self.session.retrain_due() and self._trainer is None:
            self._train_in_background()
        done = self.session.write(self._being_edited)
        self._count(done)
        self.batches += 1
        self.held = done.held
        for line in done.problems:
            log.warning("%s", line)
        log.info(
            "batch: %d notes read, %d sections written%s, %.2fs",
            done.read,
            len(done.changed),
            f", {len(done.held)} held (being edited)" if done.held else "",
            done.seconds,
        )

    def _count(self, done: Synced) -> None:
        """Remember what notelink wrote (so its own writes' events are not changes)."""
        self.own.update(done.stamps)
        self.writes += len(done.changed)

    def _being_edited(self, rels: list[str]) -> set[str]:
        """The notes saved less than ``hold`` seconds ago: an event named them that
        recently, or (events can be lost) their mtime says so. An mtime in the future
        (a sync tool keeping another machine's, ``touch -d``) is no sign of typing: the
        note would be held until the clock caught up with it."""
        now, mono = time.time(), time.monotonic()
        with self.wake:
            self.seen = {rel: t for rel, t in self.seen.items() if mono - t < self.hold}
            recent = set(self.seen)
        return {rel for rel in rels if rel in recent or 0 <= now - _mtime(self.root / rel) < self.hold}

    def _train_in_background(self) -> None:
        def train() -> None:
            try:
                seconds = self.session.retrain()  # retrains and saves the model; batches pick it up
                log.info("retrained the model in %.1fs", seconds)
            except Exception as e:  # a failed retrain keeps the old model
                log.warning("retraining failed: %s", e)
            finally:
                with self.wake:
                    self._trainer = None
                    self.session.new_model = True
                    self.dirty_at = time.monotonic() - self.quiet
                    self.wake.notify_all()

        self._trainer = threading.Thread(target=train, name="notelink-retrain", daemon=True)
        self._trainer.start()

    # --- life ----------------------------------------------------------------------
    def start(self) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        self.session.acquire()
        try:
            watcher = self

            class Handler(FileSystemEventHandler):
                def on_any_event(self, event: Any) -> None:
                    watcher.on_event(event)

            self._observer = Observer()
            self._observer.schedule(Handler(), str(self.root), recursive=True)
            self._observer.start()
            done = self.session.open()
            self._count(done)
            log.info("watching %s: %d notes, %d sections written", self.root, done.notes, len(done.changed))
        except BaseException:
            self.close()
            raise

    def run(self) -> None:
        """Serve until :meth:`stop`: one batch after each quiet period."""
        while not self.stop_event.is_set():
            with self.wake:
                due = self._due()
                if due is None and time.monotonic() - self.last_scan >= RESCAN_SECONDS:
                    self.pending = None  # a safety net for events the OS dropped
                elif due is None:
                    self.wake.wait(timeout=1.0)
                    continue
                elif due > 0:
                    self.wake.wait(timeout=due)
                    continue
                self.dirty_at = None
                only, self.pending = self.pending, set()
            try:
                self.run_batch(only)
            except Exception as e:
                log.error("batch failed: %s", e)
                with self.wake:
                    self.pending = None  # what it was to look at: the next batch looks at everything
            if self.held:
                with self.wake:  # come back for the notes being edited
                    self.dirty_at = time.monotonic() - self.quiet + self.hold
        self.close()

    def _due(self) -> float | None:
        if self.dirty_at is None:
            return None
        return self.dirty_at + self.quiet - time.monotonic()

    def stop(self) -> None:
        self.stop_event.set()
        with self.wake:
            self.wake.notify_all()

    def close(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=10)
            self._observer = None
        if self._trainer is not None:
            self._trainer.join(timeout=600)
        self.session.close()


def _mtime(path: Path) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0
