"""Reading a note from the vault: its bytes (never through a symlink, the note's or a
folder's on the way to it, never waiting on a FIFO, never more than the size limit),
their text, and its record (:func:`load_note`). The only place a note is read, so
``sync``, ``related`` and ``status`` all see a note the same way."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from notelink.disk.writer import READ_FLAGS, open_folder
from notelink.errors import ReadError
from notelink.text.parse import NoteError
from notelink.text.record import LoadedNote, build_note
from notelink.vault.config import MAX_NOTE_BYTES
from notelink.vault.scan import NoteFile


class NoteProblem(Exception):
    """A note that cannot be used: reading, decoding or parsing failed."""


def load_note(nf: NoteFile, limit: int) -> LoadedNote:
    """Read, decode and parse ``nf``; raises :class:`NoteProblem` with a one-line reason."""
    try:
        data = read_bytes(nf, limit)
        return build_note(nf.rel, nf.size, nf.mtime_ns, data, decode(data, limit))
    except (ReadError, NoteError) as e:
        raise NoteProblem(str(e)) from None


def decode(data: bytes, limit: int = MAX_NOTE_BYTES) -> str:
    """The text of a note's bytes, or :class:`ReadError` saying why not."""
    if len(data) > limit:
        raise ReadError(f"file is {len(data) / 1e6:.1f} MB, over the {limit / 1e6:.1f} MB limit")
    nul = data.find(b"\0")
    if nul >= 0:
        raise ReadError(f"binary file, not Markdown (NUL byte at offset {nul})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ReadError(f"invalid UTF-8 at byte {e.start}") from None


def read_bytes(note: NoteFile, limit: int = MAX_NOTE_BYTES) -> bytes:
    """The note's bytes, read without following a symlink, neither the note's nor a
    folder's between the vault and it (one swapped in since the scan is refused), and
    never waiting on a FIFO; :class:`ReadError` says why not."""
    parts = note.rel.split("/")
    try:
        folder = _note_folder(note.path, parts)
        try:
            # Through open() (its opener does the work relative to the folder fd).
            f = open(note.path, "rb", opener=lambda _path, _flags: os.open(parts[-1], READ_FLAGS, dir_fd=folder))
        finally:
            os.close(folder)
        with f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise ReadError("not a regular file now; left alone")
            if st.st_size > limit:
                raise ReadError(f"file is {st.st_size / 1e6:.1f} MB, over the {limit / 1e6:.1f} MB limit")
            return f.read(limit + 1)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ReadError("is a symlink now; not followed, left alone") from None
        raise ReadError(f"cannot read: {e.strerror or e}") from None


def _note_folder(path: Path, parts: list[str]) -> int:
    """An fd of the note's folder, opened from the vault root down without following a
    symlink (the vault is ``path`` less the note's vault-relative parts)."""
    if len(path.parts) >= len(parts) and list(path.parts[len(path.parts) - len(parts) :]) == parts:
        root = Path(*path.parts[: len(path.parts) - len(parts)]) if len(path.parts) > len(parts) else Path(".")
        return open_folder(root, parts[:-1])
    return os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
