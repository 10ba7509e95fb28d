"""Replace a note's bytes safely.

A note is replaced atomically: the new bytes go to a temp file in the same folder
(named ``.<name>.notelink-tmp``, a dot-file that Obsidian and sync tools skip), are
fsynced, and moved over the note. Right before that the note is read again: if its
bytes are not the ones notelink based its change on (the user saved in the meantime),
nothing is replaced and :class:`Conflict` is raised. On Linux the move is an atomic
swap of the two names (``renameat2(RENAME_EXCHANGE)``), and the displaced bytes are
checked once more, which closes the gap between that last read and the move.
The note's permission bits, owner, group and extended attributes are kept. Every file
is opened relative to its folder's fd, created exclusively and never through a
symlink, so a link planted where a temp file goes cannot send bytes out of the vault.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

TMP_SUFFIX = ".notelink-tmp"
NAME_MAX = 255  # bytes in one file name, on every file system notelink runs on
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
READ_FLAGS = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC  # never through a link, never waiting on a FIFO


class Conflict(Exception):
    """The note changed since notelink read it; it was left alone."""


class WriteError(Exception):
    """The note could not be written (disk full, permission denied…); it is unchanged."""


class Unsafe(OSError):
    """A symlink (or other odd file) where notelink would read or write: never followed."""

    def __str__(self) -> str:
        return str(self.strerror)


def temp_name(name: str) -> str:
    """The temp file's name for a file called ``name``: ``.<name>.notelink-tmp``, or a
    hash of the name in its place when that would be longer than a file name can be."""
    tmp = f".{name}{TMP_SUFFIX}"
    if len(os.fsencode(tmp)) <= NAME_MAX:
        return tmp
    return f".{hashlib.sha256(os.fsencode(name)).hexdigest()[:32]}{TMP_SUFFIX}"


def is_temp_name(name: str) -> bool:
    """Whether ``name`` is a temp file's (one a killed notelink may have left behind).

    >>> is_temp_name(temp_name("Orbit.md")), is_temp_name("Orbit.md")
    (True, False)
    """
    return name.startswith(".") and name.endswith(TMP_SUFFIX)


def temp_path(path: Path) -> Path:
    return path.with_name(temp_name(path.name))


def open_folder(root: Path, parts: Sequence[str], create: bool = False) -> int:
    """An fd of the folder ``root/parts…``, opened a component at a time without
    following a symlink (:class:`Unsafe` names the one met), so nothing opened through
    it is outside ``root``. ``create`` makes the missing folders."""
    fd = os.open(root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for i, part in enumerate(parts):
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=fd)
            try:
                nxt = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
            except OSError as e:
                if e.errno in (errno.ENOTDIR, errno.ELOOP):
                    st = os.stat(part, dir_fd=fd, follow_symlinks=False)
                    where = "/".join(parts[: i + 1])
                    if stat.S_ISLNK(st.st_mode):
                        raise Unsafe(errno.ELOOP, f"{where} is a symlink; notelink never follows one", where) from None
                    raise Unsafe(errno.ENOTDIR, f"{where} is not a folder", where) from None
                raise
            os.close(fd)
            fd = nxt
    except BaseException:
        os.close(fd)
        raise
    return fd


def _parent_fd(path: Path, root: Path | None, create: bool = False) -> int:
    if root is not None:
        with contextlib.suppress(ValueError):
            return open_folder(root, path.parent.relative_to(root).parts, create)
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path.parent, os.O_RDONLY | _DIRECTORY | _CLOEXEC)


def replace_note(path: Path, expected: bytes | str, new: bytes, root: Path | None = None) -> os.stat_result:
    """Replace ``path``'s content ``expected`` by ``new``, or raise and leave it as it is.
    ``expected`` is the bytes, or their SHA-256 (hex) when a run holds many notes'.
    With ``root`` (the vault) no folder between it and the note is followed if it is a
    symlink. The note keeps its permission bits, owner, group and extended attributes;
    one that is read-only, or whose owner could not be kept, is left alone.

    Returns the status of the file written (taken before the replace, so an edit that
    lands right after it is never mistaken for notelink's own)."""
    try:
        folder = _parent_fd(path, root)
    except OSError as e:
        raise WriteError(f"cannot write: {e.strerror or e}") from None
    try:
        written = _replace_in(folder, path.name, expected, new)
        with contextlib.suppress(OSError):
            os.fsync(folder)
        return written
    finally:
        os.close(folder)


def _replace_in(folder: int, name: str, expected: bytes | str, new: bytes) -> os.stat_result:
    tmp = temp_name(name)
    try:
        st = os.stat(name, dir_fd=folder, follow_symlinks=False)
        if stat.S_ISLNK(st.st_mode):
            raise WriteError("is a symlink now; not followed, left alone")
        if not stat.S_ISREG(st.st_mode):
            raise WriteError("not a regular file; left alone")
        mode = stat.S_IMODE(st.st_mode)
        if not mode & 0o222:
            raise WriteError("read-only (no write permission bits); left alone")
        if st.st_nlink > 1:
            raise WriteError(f"has {st.st_nlink} hard links; left alone (a rewrite would split them)")
        _clear_stale(folder, tmp)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o600, dir_fd=folder)
        try:
            try:
                _keep_metadata(folder, name, fd, st, mode)
                with os.fdopen(fd, "wb", closefd=False) as f:
                    f.write(new)
                    f.flush()
                os.fsync(fd)
                written = os.fstat(fd)
                if not _is(_read_at(folder, name), expected):
                    raise Conflict(CONFLICT)
                swapped = exchange(tmp, name, folder)
                if not swapped:
                    os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
            finally:
                os.close(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=folder)  # notelink's bytes only: the note was not touched
            raise
        if swapped:
            _check_displaced(folder, tmp, name, expected)
    except OSError as e:
        raise WriteError(f"cannot write: {e.strerror or e}") from None
    return written


def _keep_metadata(folder: int, name: str, fd: int, st: os.stat_result, mode: int) -> None:
    """Give the temp file ``fd`` the note's owner, group, extended attributes and mode."""
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (st.st_uid, st.st_gid):
        try:
            os.fchown(fd, st.st_uid, st.st_gid)
        except OSError as e:
            raise WriteError(
                f"cannot keep its owner and group ({st.st_uid}:{st.st_gid}): {e.strerror or e}; left alone"
            ) from None
    if hasattr(os, "listxattr"):
        try:
            src = os.open(name, READ_FLAGS, dir_fd=folder)
        except OSError:
            src = None
        if src is not None:
            try:
                for attr in os.listxattr(src):
                    with contextlib.suppress(OSError):  # one the file system or the kernel will not take
                        os.setxattr(fd, attr, os.getxattr(src, attr))
            except OSError:
                pass  # no extended attributes here
            finally:
                os.close(src)
    os.fchmod(fd, mode)  # after the chown, which drops set-id bits


def _clear_stale(folder: int, tmp: str) -> None:
    """Delete a temp file a killed run left; a symlink (or anything else) there is never
    followed nor removed: notelink stops and names it."""
    try:
        st = os.stat(tmp, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISREG(st.st_mode):
        os.unlink(tmp, dir_fd=folder)
        return
    kind = "a symlink" if stat.S_ISLNK(st.st_mode) else "not a regular file"
    raise Unsafe(errno.EEXIST, f"{tmp} is {kind} where notelink writes its temp file; remove it", tmp)


CONFLICT = "changed while notelink was working; left alone, retried on the next run"


def _read_at(folder: int, name: str) -> bytes:
    # Never through a symlink: a note swapped for a link since the scan is not followed.
    fd = os.open(name, READ_FLAGS, dir_fd=folder)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise Unsafe(errno.EINVAL, "not a regular file", name)
        return f.read()


def _is(data: bytes | None, expected: bytes | str) -> bool:
    if data is None:
        return False
    return data == expected if isinstance(expected, bytes) else hashlib.sha256(data).hexdigest() == expected


def _check_displaced(folder: int, tmp: str, name: str, expected: bytes | str) -> None:
    """After the swap ``tmp`` holds what was at ``name`` a moment before. If that is not
    what notelink read, the user saved in between: their bytes go back in place."""
    try:
        displaced = _read_at(folder, tmp)
    except OSError:
        displaced = None
    if _is(displaced, expected):
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=folder)
        return
    # Never deleted: on failure the user's bytes stay in the temp file (and the message says where).
    try:
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except OSError as e:
        raise WriteError(f"a save landed while writing and could not be put back; it is in {tmp}: {e}") from None
    raise Conflict(CONFLICT)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2: Any = None


def exchange(a: str | Path, b: str | Path, dir_fd: int | None = None) -> bool:
    """Atomically swap the files at ``a`` and ``b`` (Linux ``renameat2`` with
    ``RENAME_EXCHANGE``), both relative to the folder ``dir_fd`` when given; False,
    having done nothing, where that is not available."""
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
    at = _AT_FDCWD if dir_fd is None else dir_fd
    if _renameat2(at, os.fsencode(a), at, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # this file system cannot swap: the caller falls back to a replace
    raise OSError(err, os.strerror(err), os.fspath(b))


def write_file(path: Path, data: bytes | Callable[[BinaryIO], object], root: Path | None = None) -> None:
    """Atomically create or replace a file notelink owns (cache files, the decisions file).
    ``data`` is the bytes, or a function that writes them to the open temp file (so a
    large cache file is never built in memory first). With ``root`` (the vault) the
    folders from it down are made and opened without following a symlink."""
    folder = _parent_fd(path, root, create=True)
    try:
        tmp = temp_name(path.name)
        _clear_stale(folder, tmp)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o666, dir_fd=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                if callable(data):
                    data(f)
                else:
                    f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=folder)
            raise
        if root is not None:
            with contextlib.suppress(OSError):
                os.fsync(folder)
    finally:
        os.close(folder)


def remove_stale_temps(folder: Path, root: Path | None = None) -> int:
    """Delete temp files a killed notelink left behind in ``folder``; returns how many.
    With ``root`` (the vault), the folder is opened from it without following a symlink."""
    removed = 0
    with contextlib.suppress(OSError):
        parts = folder.relative_to(root).parts if root is not None else ()
        fd = open_folder(root, parts) if root is not None else os.open(folder, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
        try:
            for entry in os.scandir(fd):
                if is_temp_name(entry.name):
                    if entry.is_file(follow_symlinks=False):
                        with contextlib.suppress(OSError):
                            os.unlink(entry.name, dir_fd=fd)
                            removed += 1
        finally:
            os.close(fd)
    return removed
