"""One notelink at a time per vault, whatever cache folder each one uses.

The lock is ``flock`` on the vault folder itself (an fd of the directory: nothing is
written into the vault), so two processes with different ``--cache-dir`` still
exclude each other, and the kernel releases it when its process dies, however it
dies: a killed daemon never leaves a stale lock behind. Who holds it (pid, command,
since when) is written to ``<cache>/lock`` for ``status`` and for the message the
next one gets; a holder that used another cache folder is "another notelink".
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any

from notelink.errors import check_root


class Locked(Exception):
    """Another notelink process is working on this vault."""


def _open_root(root: Path) -> int:
    check_root(root)
    return os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))


class VaultLock:
    def __init__(self, root: Path, folder: Path, what: str) -> None:
        self.root = root
        self.path = folder / "lock"
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> VaultLock:
        fd = _open_root(self.root)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            holder = holder_of(self.path)
            who = f"notelink {holder.get('what', '?')} (pid {holder.get('pid', '?')})" if holder else "another notelink"
            raise Locked(f"{who} is already working on this vault") from None
        try:
            info = {"pid": os.getpid(), "what": self.what, "since": time.time()}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(info))
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                if holder_of(self.path).get("pid") == os.getpid():
                    self.path.write_text("")
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> VaultLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder_of(path: Path) -> dict[str, Any]:
    """What ``path`` says of the lock's holder, if that process is still alive ({}
    if not: the holder then used another cache folder, or this is a dead one's note)."""
    try:
        data = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
        return {}
    try:
        os.kill(data["pid"], 0)
    except ProcessLookupError:
        return {}
    except OSError:
        pass  # alive, another user's
    return data


def running(root: Path, folder: Path) -> dict[str, Any] | None:
    """Who holds the vault's lock now, or None when nobody does."""
    try:
        fd = _open_root(root)
    except Exception:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return holder_of(folder / "lock") or {"pid": None}
    finally:
        os.close(fd)
    return None
