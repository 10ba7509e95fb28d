"""Progress on stderr for steps that take over a second (only on a terminal), and
the time every step took (``Progress.timings``, for ``sync --json`` and benchmarks).

A stage's updates are the run's heartbeat, so they are also when the memory a stage
freed is handed back to the system: :func:`notelink.memory.tick` on each update,
:func:`notelink.memory.release` when a stage is done."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from notelink import memory

OnProgress = Callable[[float], None]  # a callable that hears the share of the work done, 0..1


class Stage:
    def __init__(self, progress: Progress, name: str, total: float) -> None:
        self.progress, self.name, self.total = progress, name, total
        self.start = time.monotonic()
        self.shown = False
        self._last = 0.0

    def update(self, done: float) -> None:
        memory.tick()
        if not self.progress.enabled:
            return
        now = time.monotonic()
        elapsed = now - self.start
        if elapsed < 1.0 or now - self._last < 0.1:
            return
        self._last = now
        frac = min(1.0, done / self.total) if self.total else 1.0
        eta = f", {elapsed / frac - elapsed:.0f}s left" if 0 < frac < 1 else ""
        self.progress.stream.write(f"\r{self.name}: {frac:4.0%} ({elapsed:.1f}s{eta})   ")
        self.progress.stream.flush()
        self.shown = True

    def done(self) -> None:
        memory.release()
        elapsed = time.monotonic() - self.start
        self.progress.timings[self.name] = self.progress.timings.get(self.name, 0.0) + elapsed
        if self.shown:
            self.progress.stream.write(f"\r{self.name}: done in {elapsed:.1f}s{' ' * 20}\n")
            self.progress.stream.flush()


class Progress:
    def __init__(self, enabled: bool | None = None, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.timings: dict[str, float] = {}  # seconds per stage, shown or not

    def stage(self, name: str, total: float) -> Stage:
        return Stage(self, name, total)
