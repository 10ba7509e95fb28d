"""Per-note records on disk: a base file plus an append-only journal of changes.

A daemon batch changes a handful of records; rewriting every record (as large as
the vault's text) would cost more than the batch itself. So a save appends just the
changed records (and the paths that went away) to a journal, and only when the
journal has grown to a quarter of the base is everything written anew (compaction).

Both files are JSON lines. The first line of each is a header naming the base's
*generation*; a journal whose generation is not the base's (a crash between writing
a new base and emptying the journal) is ignored, and a torn last line (a crash
mid-append) is skipped: the cache is rebuildable, and every record is checked
against its file's size and mtime before it is trusted.

>>> import tempfile, pathlib
>>> log = RecordLog(pathlib.Path(tempfile.mkdtemp()))
>>> log.save({"a.md": '{"rel":"a.md","n":1}'}, set(), lambda: ['{"rel":"a.md","n":1}'])
>>> log.save({"b.md": '{"rel":"b.md","n":2}'}, {"a.md"}, lambda: ['{"rel":"b.md","n":2}'])
>>> log.load()
{'b.md': {'rel': 'b.md', 'n': 2}}
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from notelink.disk.writer import write_file

BASE = "notes.jsonl"
JOURNAL = "notes-journal.jsonl"
FORMAT = 4  # 3: NoteRecord.plain and link texts keep numbers (vocab.name_tokens); 4: plain compressed
MIN_COMPACT_BYTES = 1 << 20  # below this the journal is never worth compacting


class RecordLog:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.generation: str | None = None
        self.base_bytes = 0
        self.journal_bytes = 0
        self._stamps: tuple[Any, Any] = (None, None)  # the files as this log last saw them

    def load(self, convert: Callable[[dict[str, Any]], Any] = lambda rec: rec) -> dict[str, Any]:
        """Every record by path: the base with the journal applied. Each is passed through
        ``convert`` as soon as its line is read (so a large vault's records are never
        all held as parsed JSON at once)."""
        records: dict[str, Any] = {}
        self.generation, self.base_bytes, self.journal_bytes = None, 0, 0
        base = self._lines(self.folder / BASE, convert)
        if base is None:
            return records
        self.generation, lines, _ = base
        for rel, rec in lines:
            records[rel] = rec
        self.base_bytes = _size(self.folder / BASE)
        journal = self._lines(self.folder / JOURNAL, convert)
        if journal is not None and journal[0] == self.generation:
            for rel, rec in journal[1]:
                if rec is None:
                    records.pop(rel, None)
                else:
                    records[rel] = rec
            self.journal_bytes = _size(self.folder / JOURNAL)
            # A torn last line would swallow what is appended after it: compact instead.
            self._stamps = self._stat() if journal[2] else (None, None)
        else:
            self._stamps = (None, None)  # no journal of this base: the next save compacts
        return records

    def save(self, changed: dict[str, str], gone: Iterable[str], everything: Callable[[], Iterable[str]]) -> None:
        """Record ``changed`` (path → its record as one line of JSON) and ``gone``;
        ``everything`` gives every record's line when a new base is due."""
        gone = sorted(gone)
        if not changed and not gone and self.generation is not None:
            return
        payload = None
        if self.generation is not None and self._stat() == self._stamps:
            room = max(MIN_COMPACT_BYTES, self.base_bytes / 4) - self.journal_bytes
            payload = self._journal_lines(changed, gone, room)
        if payload is None:
            # No base yet, files another process wrote since, or a journal that would
            # grow too long: what this process holds in memory is written out whole.
            self._compact(everything())
        else:
            self._append(payload)
        self._stamps = self._stat()

    @staticmethod
    def _journal_lines(changed: Mapping[str, str], gone: list[str], room: float) -> bytes | None:
        """The journal lines for ``changed`` and ``gone``, or None once they pass ``room``
        bytes (then a new base is due, and they are never all built)."""
        parts, size = [], 0
        for line in itertools.chain((changed[rel] for rel in sorted(changed)), (json.dumps({"gone": r}) for r in gone)):
            data = (line + "\n").encode("utf-8")
            size += len(data)
            if size > room:
                return None
            parts.append(data)
        return b"".join(parts)

    def _compact(self, lines: Iterable[str]) -> None:
        generation = secrets.token_hex(8)

        def write(f: BinaryIO) -> None:  # line by line: a large vault's base is never built in memory
            f.write(_header(generation).encode("utf-8"))
            for line in lines:
                f.write((line + "\n").encode("utf-8"))

        write_file(self.folder / BASE, write)
        write_file(self.folder / JOURNAL, _header(generation).encode("utf-8"))
        self.generation, self.base_bytes = generation, _size(self.folder / BASE)
        self.journal_bytes = _size(self.folder / JOURNAL)

    def _stat(self) -> tuple[Any, Any]:
        return _stamp(self.folder / BASE), _stamp(self.folder / JOURNAL)

    def _append(self, payload: bytes) -> None:
        with open(self.folder / JOURNAL, "ab") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        self.journal_bytes += len(payload)

    @staticmethod
    def _lines(path: Path, convert: Callable[[dict[str, Any]], Any]) -> tuple[str, list[tuple[str, Any]], bool] | None:
        """The header's generation, the records as (path, converted record, or None for
        a path gone), and whether every line was whole."""
        try:
            with open(path, encoding="utf-8") as f:
                head = json.loads(f.readline())
                if not isinstance(head, dict) or head.get("format") != FORMAT:
                    return None
                out = []
                for line in f:
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        return str(head.get("generation")), out, False  # torn: what came before holds
                    if isinstance(rec, dict) and isinstance(rec.get("gone"), str):
                        out.append((rec["gone"], None))
                    elif isinstance(rec, dict) and isinstance(rec.get("rel"), str):
                        out.append((rec["rel"], convert(rec)))
                return str(head.get("generation")), out, True
        except (OSError, ValueError):
            return None


def _header(generation: str) -> str:
    return json.dumps({"format": FORMAT, "generation": generation}) + "\n"


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
