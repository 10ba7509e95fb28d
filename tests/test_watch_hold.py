"""``notelink watch`` holds a note being typed in (saved less than ``hold`` seconds ago)
and writes it once it is quiet, whatever its mtime says."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from notelink.daemon import Watcher
from notelink.sync.engine import Options

from conftest import has_section, wait_for

SKY = "Telescopes and binoculars show the Moon, planets, galaxies and nebulae in a dark night sky."


@contextlib.contextmanager
def watcher(vault: Path, hold: float) -> Iterator[Watcher]:
    """A started Watcher serving on its own thread; stopped on the way out."""
    w = Watcher(vault, Options(), quiet=0.2, hold=hold)
    w.start()
    loop = threading.Thread(target=w.run, name="watch-loop")
    loop.start()
    try:
        yield w
    finally:
        w.stop()
        loop.join(30)
    assert not loop.is_alive()


def test_a_note_with_an_mtime_in_the_future_is_written_once_quiet(vault: Path) -> None:
    """An mtime ahead of the clock (a sync tool keeping another machine's, ``touch -d``)
    is no sign of typing: the note is held while events about it keep coming, then
    written, not held until the clock catches up (a batch every few seconds, forever)."""
    with watcher(vault, 1.5) as w:
        note = vault / "sky/Comets.md"
        note.write_text(f"# Comets\n\n{SKY} Comets have tails.\n", encoding="utf-8")
        future = time.time() + 3600
        os.utime(note, (future, future))
        saved = time.monotonic()
        wait_for(lambda: w.batches >= 1, what="the first batch")
        assert not has_section(note) or time.monotonic() - saved >= 1.5  # held while just saved
        wait_for(lambda: has_section(note), timeout=20, what="the note with a future mtime, once quiet")
        assert note.read_text(encoding="utf-8").startswith(f"# Comets\n\n{SKY} Comets have tails.\n")
        time.sleep(1.0)  # the batch that wrote it ends (and its own write's events are told from the user's)
        batches = w.batches
        time.sleep(4 * 1.5)
        assert w.batches == batches, "no batch after batch for a note written already"


def test_a_note_whose_events_keep_coming_is_held_even_if_its_mtime_is_old(vault: Path) -> None:
    """Held by the daemon's own clock: an editor that keeps (or sets back) the mtime
    while saving is still being typed in."""
    with watcher(vault, 2.0) as w:
        note = vault / "sky/Comets.md"
        note.write_text(f"# Comets\n\n{SKY} Comets have tails.\n", encoding="utf-8")
        past = time.time() - 3600
        os.utime(note, (past, past))
        saved = time.monotonic()
        wait_for(lambda: w.batches >= 1, what="the first batch")
        assert not has_section(note) or time.monotonic() - saved >= 2.0
        wait_for(lambda: has_section(note), timeout=20, what="the held note, once quiet")
