"""One notelink at a time per vault: an advisory lock file in the vault's cache folder.

The lock is ``flock`` on ``<cache>/lock``: the kernel releases it when its process
dies, however it dies, so a killed daemon never leaves a stale lock behind. The file
also says who holds it (pid, command, since when) for the message the next one gets.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path
from typing import Any


class Locked(Exception):
    """Another notelink process is working on this vault."""


class VaultLock:
    def __init__(self, folder: Path, what: str) -> None:
        self.path = folder / "lock"
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> VaultLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            holder = holder_of(self.path)
            who = f"notelink {holder.get('what', '?')} (pid {holder.get('pid', '?')})" if holder else "another notelink"
            raise Locked(f"{who} is already working on this vault") from None
        info = {"pid": os.getpid(), "what": self.what, "since": time.time()}
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info).encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> VaultLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder_of(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def running(folder: Path) -> dict[str, Any] | None:
    """Who holds the vault's lock now, or None when nobody does."""
    path = folder / "lock"
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return holder_of(path) or {"pid": None}
    finally:
        os.close(fd)
    return None
