"""Replace a note's bytes safely.

A note is replaced atomically: the new bytes go to a temp file in the same folder
(named ``.<name>.notelink-tmp``, a dot-file that Obsidian and sync tools skip), are
fsynced, and moved over the note. Right before that the note is read again: if its
bytes are not the ones notelink based its change on (the user saved in the meantime),
nothing is replaced and :class:`Conflict` is raised. On Linux the move is an atomic
swap of the two names (``renameat2(RENAME_EXCHANGE)``), and the displaced bytes are
checked once more, which closes the gap between that last read and the move.
The note's permission bits are kept.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

TMP_SUFFIX = ".notelink-tmp"


class Conflict(Exception):
    """The note changed since notelink read it; it was left alone."""


class WriteError(Exception):
    """The note could not be written (disk full, permission denied…); it is unchanged."""


def temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_SUFFIX}")


def replace_note(path: Path, expected: bytes | str, new: bytes) -> os.stat_result:
    """Replace ``path``'s content ``expected`` by ``new``, or raise and leave it as it is.
    ``expected`` is the bytes, or their SHA-256 (hex) when a run holds many notes'.

    Returns the status of the file written (taken before the replace, so an edit that
    lands right after it is never mistaken for notelink's own)."""
    tmp = temp_path(path)
    try:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(new)
                f.flush()
                os.fsync(f.fileno())
                written = os.fstat(f.fileno())
            os.chmod(tmp, mode)
            if not _is(_read(path), expected):
                raise Conflict(CONFLICT)
            swapped = exchange(tmp, path)
            if not swapped:
                os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # notelink's bytes only: the note was not touched
            raise
        if swapped:
            _check_displaced(tmp, path, expected)
    except OSError as e:
        raise WriteError(f"cannot write: {e.strerror or e}") from None
    _fsync_dir(path.parent)
    return written


CONFLICT = "changed while notelink was working; left alone, retried on the next run"


def _read(path: Path) -> bytes:
    # Never through a symlink: a note swapped for a link since the scan is not followed.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        return f.read()


def _is(data: bytes | None, expected: bytes | str) -> bool:
    if data is None:
        return False
    return data == expected if isinstance(expected, bytes) else hashlib.sha256(data).hexdigest() == expected


def _check_displaced(tmp: Path, path: Path, expected: bytes | str) -> None:
    """After the swap ``tmp`` holds what was at ``path`` a moment before. If that is not
    what notelink read, the user saved in between: their bytes go back in place."""
    try:
        displaced = _read(tmp)
    except OSError:
        displaced = None
    if _is(displaced, expected):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    # Never deleted: on failure the user's bytes stay in the temp file (and the message says where).
    try:
        os.replace(tmp, path)
    except OSError as e:
        raise WriteError(f"a save landed while writing and could not be put back; it is in {tmp.name}: {e}") from None
    raise Conflict(CONFLICT)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2: Any = None


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap the files at ``a`` and ``b`` (Linux ``renameat2`` with
    ``RENAME_EXCHANGE``); False, having done nothing, where that is not available."""
    global _renameat2
    if _renameat2 is None:
        _renameat2 = False
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                libc = ctypes.CDLL(None, use_errno=True)
                fn = libc.renameat2
                fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
                _renameat2 = fn
    if not _renameat2:
        return False
    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # this file system cannot swap: the caller falls back to a replace
    raise OSError(err, os.strerror(err), os.fspath(b))


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_file(path: Path, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Atomically create or replace a file notelink owns (cache files, the decisions file).
    ``data`` is the bytes, or a function that writes them to the open temp file (so a
    large cache file is never built in memory first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        with open(tmp, "wb") as f:
            if callable(data):
                data(f)
            else:
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
