"""Replace a note's bytes safely.

A note is replaced atomically: the new bytes go to a temp file in the same folder
(named ``.<name>.notelink-tmp``, a dot-file that Obsidian and sync tools skip), are
fsynced, and ``os.replace`` moves them over the note. Right before the replace the
note is read again: if its bytes are not the ones notelink based its change on (the
user saved in the meantime), nothing is replaced and :class:`Conflict` is raised.
The note's permission bits are kept.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

TMP_SUFFIX = ".notelink-tmp"


class Conflict(Exception):
    """The note changed since notelink read it; it was left alone."""


class WriteError(Exception):
    """The note could not be written (disk full, permission denied…); it is unchanged."""


def temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_SUFFIX}")


def replace_note(path: Path, expected: bytes, new: bytes) -> os.stat_result:
    """Replace ``path``'s content ``expected`` by ``new``, or raise and leave it as it is.

    Returns the status of the file written (taken before the replace, so an edit that
    lands right after it is never mistaken for notelink's own)."""
    tmp = temp_path(path)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(new)
                f.flush()
                os.fsync(f.fileno())
                written = os.fstat(f.fileno())
            os.chmod(tmp, mode)
            with open(path, "rb") as f:
                if f.read() != expected:
                    raise Conflict("changed while notelink was working; left alone, retried on the next run")
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as e:
        raise WriteError(f"cannot write: {e.strerror or e}") from None
    _fsync_dir(path.parent)
    return written


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_file(path: Path, data: bytes) -> None:
    """Atomically create or replace a file notelink owns (cache files, the decisions file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove_stale_temps(folder: Path) -> int:
    """Delete temp files a killed notelink left behind in ``folder``; returns how many."""
    removed = 0
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if entry.name.startswith(".") and entry.name.endswith(TMP_SUFFIX) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed += 1
    return removed
