"""Hand memory a long run has freed back to the operating system.

glibc keeps the heap memory that Python and numpy free for later reuse, and only
returns it from the heap's top, so a long run stays far more resident than what it
uses (docs/performance.md). ``malloc_trim(0)`` hands back every whole free page, and
is cheap; :func:`tick` does it at most once a second and is called by the progress
heartbeat of every stage (:mod:`notelink.progress`). Without glibc (macOS, Windows,
musl) both are no-ops.

>>> release() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import time
from typing import Any

_trim: Any = None
_last = 0.0


def _malloc_trim() -> Any:
    global _trim
    if _trim is None:
        _trim = False
        try:
            _trim = ctypes.CDLL(None).malloc_trim  # the process's own C library (glibc has it)
            _trim.argtypes, _trim.restype = [ctypes.c_size_t], ctypes.c_int
        except (OSError, AttributeError):
            pass
    return _trim


def release() -> bool:
    """Return the heap's free pages now; False where there is no ``malloc_trim``."""
    global _last
    trim = _malloc_trim()
    if not trim:
        return False
    trim(0)
    _last = time.monotonic()
    return True


def tick(every: float = 1.0) -> None:
    """:func:`release`, if the last was more than ``every`` seconds ago."""
    if time.monotonic() - _last >= every:
        release()
