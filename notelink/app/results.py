"""What the application layer answers: plain data, for a shell to print or log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Planned:
    """A section a dry run would write: its lines (or why it would not be written)."""

    note: str
    lines: list[str]


@dataclass
class Synced:
    """The outcome of a sync (or of one batch of ``watch``)."""

    notes: int
    read: int
    vocabulary: int
    trained: bool
    train_seconds: float
    changed: list[str]  # the notes written (a dry run: none)
    problems: list[str]  # one line each: "path: problem"
    unchanged: bool  # nothing changed since the last sync: nothing was done
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage
    planned: list[Planned] = field(default_factory=list)  # a dry run: what would change
    held: set[str] = field(default_factory=set)  # notes left for later (being edited)
    stamps: dict[str, tuple[int, int]] = field(default_factory=dict)  # written note → (size, mtime_ns)

    @property
    def skipped(self) -> int:
        return len(self.problems)


@dataclass
class Related:
    note: str
    title: str
    score: float
    reasons: list[str] = field(default_factory=list)  # why, as the note's section says it


@dataclass
class Found:
    """A note that matches a search, with the words around the match."""

    note: str
    title: str
    score: float
    snippet: str


@dataclass
class Word:
    word: str
    score: float


@dataclass
class Status:
    vault: str
    cache: str
    notes: int
    skipped: int
    daemon: dict[str, Any] | None  # who holds the vault's lock, if anyone
    synced: bool
    out_of_date: list[str] | None  # None: never synced
    method: str
    hybrid: str | None = None  # the fitted hybrid weights, described
    needs_model: bool = False  # the method ranks with a word model
    word_model: str | None = None
    vocabulary: int = 0
    model_age_seconds: int = 0
    trained_on_notes: int = 0
    pretrained: str = ""  # whether the pretrained sentence model is in use, or why not


@dataclass
class Cleaned:
    notes: int  # the notes whose section was removed
    problems: list[str]
