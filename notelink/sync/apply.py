"""The writing stage: each planned section written atomically, the note's record
brought up to the bytes written. A note that changed since it was planned is left
alone (and retried by the next run)."""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from notelink.disk.writer import CONFLICT, Conflict, WriteError, replace_note
from notelink.errors import ReadError
from notelink.progress import Progress
from notelink.sync.plan import Change, read_as
from notelink.sync.refresh import Report
from notelink.text import section, suggestions
from notelink.text.record import NoteRecord, sha
from notelink.vault.scan import NoteFile

WRITERS = 4  # notes written at once


def new_bytes(root: Path, heading: str, limit: int, ch: Change) -> bytes:
    """The bytes planned for a note, made again from the file: a plan holds only the
    section's lines, not every note's new bytes. Conflict if the file is no longer the
    one planned from, or (never expected) the bytes come out other than planned."""
    try:
        current = read_as(root, ch.rel, ch.old, limit)
    except ReadError as e:
        raise WriteError(str(e)) from None
    if current is None:
        raise Conflict(CONFLICT)
    new = suggestions.render(ch.rel, current[1], heading, ch.lines, ch.ours, ch.written).encode("utf-8")
    if sha(new) != ch.new_hash:
        raise Conflict("internal error: the section came out other than planned; left alone, retried next run")
    return new


def write_all(
    root: Path, changes: list[Change], make: Callable[[Change], bytes], report: Report, progress: Progress
) -> None:
    """Write every change (``make`` gives its bytes) and update its record; a change
    that cannot be written is a problem, retried next run."""
    stage = progress.stage("writing sections", len(changes))

    def write(ch: Change) -> tuple[os.stat_result, bytes] | Exception:
        try:
            new = make(ch)  # the record is updated from the same bytes
            return replace_note(root / ch.rel, ch.old, new, root=root), new
        except (Conflict, WriteError) as e:
            return e

    # Each write waits on two fsyncs (the file, its folder): a few at a time keep the
    # disk busy. The results are taken in order, so a run is the same whatever
    # finishes first.
    pool = ThreadPoolExecutor(WRITERS) if len(changes) > 1 else None
    try:
        results = in_order(pool, write, changes) if pool else map(write, changes)
        for n, (ch, result) in enumerate(zip(changes, results, strict=True)):
            stage.update(n)
            if isinstance(result, Exception):
                report.problems.append(f"{ch.rel}: {result}")
                report.retry.add(ch.rel)
                continue
            written(ch, *result)
            report.changed.append(ch.rel)
    finally:
        if pool is not None:  # on Ctrl-C: no new write starts; those under way finish (each is atomic)
            pool.shutdown(wait=False, cancel_futures=True)
    stage.done()


def written(ch: Change, st: os.stat_result, new: bytes) -> None:
    """Bring the note's record up to what was just written (``new``)."""
    ch.record.size, ch.record.mtime_ns, ch.record.file_hash = st.st_size, st.st_mtime_ns, ch.new_hash
    ch.record.offered, ch.record.offered_targets, ch.record.written = ch.offered, ch.offered_targets, ch.written
    _, loc, _ = section.parts(new.decode("utf-8"))
    items = suggestions.items(loc.body if loc else [])
    ch.record.items = [[sys.intern(i.target), i.checked] for i in items]
    ch.record.has_section, ch.record.block_digest = loc is not None, loc.digest if loc else None


def in_order(pool: ThreadPoolExecutor, fn: Callable[[Any], Any], items: list[Any]) -> Iterator[Any]:
    """``pool.map(fn, items)`` with only a few items under way at once (``map`` makes a
    future for every item up front)."""
    window: deque[Any] = deque()
    for item in items:
        window.append(pool.submit(fn, item))
        if len(window) > 2 * WRITERS:
            yield window.popleft().result()
    while window:
        yield window.popleft().result()


def restamped(files: list[NoteFile], records: dict[str, NoteRecord], done: set[str]) -> list[NoteFile]:
    """``files`` with the notes ``done`` as they are after their write (so the next run
    does not read them again)."""
    return [
        NoteFile(f.rel, f.path, records[f.rel].size, records[f.rel].mtime_ns) if f.rel in done else f for f in files
    ]
