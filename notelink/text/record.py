"""What notelink remembers of a note (its cached record), and how a note's text becomes
one. Pure: the caller reads the bytes (:func:`notelink.vault.read.load_note`).

>>> data = "# Orbit\\nThe moon's orbit, see [[Tide]].\\n".encode()
>>> note = build_note("sky/Orbit.md", len(data), 0, data, data.decode())
>>> note.record.title, note.record.links, note.tokens
('Orbit', ['Tide'], ['orbit', 'the', 'moon', 'orbit', 'see', 'tide'])
"""

from __future__ import annotations

import base64
import hashlib
import sys
import zlib
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from notelink.text import section, suggestions
from notelink.text.lines import plain_lines, short_lines
from notelink.text.links import stem
from notelink.text.parse import parse_note
from notelink.text.tokens import cased_tokens, name_tokens, tokenize


class Stamped(Protocol):
    """A file as a scan saw it (:class:`notelink.vault.scan.NoteFile`): its size and mtime."""

    @property
    def size(self) -> int: ...

    @property
    def mtime_ns(self) -> int: ...


class Terms(Mapping[str, int]):
    """A note's word counts, compact: sorted interned words and an array of counts.

    A large vault holds many millions of (note, word) counts: as dicts of fresh strings
    they would be most of a run's memory.

    >>> t = Terms({"moon": 2, "comet": 1})
    >>> t["moon"], "sun" in t, list(t.items()), t == {"comet": 1, "moon": 2}
    (2, False, [('comet', 1), ('moon', 2)], True)
    """

    __slots__ = ("_counts", "_words")

    def __init__(self, counts: Mapping[str, int]) -> None:
        words = sorted(counts)  # a dict from the cache is in order already: a quick pass
        self._words = tuple(map(sys.intern, words))
        self._counts = array("I", map(counts.__getitem__, words))

    def __getitem__(self, word: str) -> int:
        i = bisect_left(self._words, word)
        if i < len(self._words) and self._words[i] == word:
            return self._counts[i]
        raise KeyError(word)

    def __iter__(self) -> Iterator[str]:
        return iter(self._words)

    def __len__(self) -> int:
        return len(self._words)

    def to_dict(self) -> dict[str, int]:
        return dict(zip(self._words, self._counts, strict=True))

    def values(self) -> Any:
        """The counts, in the words' order (an array: no lookup per word)."""
        return self._counts

    def items(self) -> Any:
        return self.to_dict().items()

    def __repr__(self) -> str:
        return f"Terms({self.to_dict()!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return Terms, ({},), (self._words, self._counts)  # unpickled through __setstate__

    def __setstate__(self, state: tuple[tuple[str, ...], array]) -> None:
        words, counts = state
        self._words, self._counts = tuple(map(sys.intern, words)), counts  # interned in the process that unpickles

    @classmethod
    def from_sorted(cls, words: tuple[str, ...], counts: array) -> Terms:
        """Terms whose words are sorted already, with ``counts`` in their order.

        >>> Terms.from_sorted(("comet", "moon"), array("I", [1, 2]))["moon"]
        2
        """
        t = cls({})
        t.__setstate__((words, counts))
        return t


@dataclass
class NoteRecord:
    """What the cache remembers of a note (JSON-able)."""

    rel: str
    size: int
    mtime_ns: int
    file_hash: str
    body_hash: str
    title: str
    aliases: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # raw targets of links and embeds
    terms: Mapping[str, int] = field(default_factory=dict)  # prose word counts (link texts included), as Terms
    title_terms: dict[str, int] = field(default_factory=dict)  # title and alias word counts
    edges: list[list[Any]] = field(default_factory=list)  # [raw target, {token: count} of its link text (name_tokens)]
    # The tokens outside links (tokens.name_tokens), a line of the note per line (text/lines.py):
    # where mentions are found. Held zlib-compressed (plain_text() gives it back): as text
    # it is about the size of the vault.
    plain: str | bytes = ""
    lines: dict[str, int] = field(default_factory=dict)  # its short lines of plain, counted (lines.short_lines)
    cased: list[str] = field(default_factory=list)  # its words whose case a name may need (tokens.case_matters)
    enabled: bool = True
    items: list[list[Any]] = field(default_factory=list)  # [raw target, ticked] in the section
    has_section: bool = False
    offered: list[str] = field(default_factory=list)  # unticked lines notelink last wrote
    offered_targets: list[str] = field(default_factory=list)  # their notes (vault paths)
    block_digest: str | None = None  # the digest in the section's BEGIN marker
    written: list[list[Any]] = field(default_factory=list)  # [raw target, note, ticked] notelink last wrote there
    floor: float = 0.0  # the score another note must beat to enter this note's suggestions

    def __post_init__(self) -> None:
        if not isinstance(self.terms, Terms):
            self.terms = Terms(self.terms)
        if isinstance(self.plain, str):
            self.plain = zlib.compress(self.plain.encode("utf-8"), 1)
        # A note's name is in many sections: one string for it, not one per section.
        self.items = [[sys.intern(t), ticked] for t, ticked in self.items]
        self.offered_targets = [sys.intern(t) for t in self.offered_targets]
        self.lines = {sys.intern(line): n for line, n in self.lines.items()}  # a template's lines: one string each

    def __reduce__(self) -> tuple[Any, ...]:
        # Through __init__ (and __post_init__'s interning) in the process that unpickles it
        return NoteRecord, tuple(getattr(self, f.name) for f in fields(self))

    def plain_text(self) -> str:
        assert isinstance(self.plain, bytes)  # compressed by __post_init__
        return zlib.decompress(self.plain).decode("utf-8")

    def _fields(self) -> dict[str, Any]:
        # Shallow: the dicts and lists are serialised as they are, never copied.
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "plain"}
        out["terms"] = self.terms.to_dict() if isinstance(self.terms, Terms) else dict(self.terms)
        return out

    def to_json(self) -> dict[str, Any]:
        return {**self._fields(), "plain": self.plain_text()}

    def to_cache(self) -> dict[str, Any]:
        """:meth:`to_json` as the cache keeps it: the mention text as it is held (compressed,
        base64) under ``plain_z``, so loading a record does not compress it again."""
        assert isinstance(self.plain, bytes)  # compressed by __post_init__
        return {**self._fields(), "plain_z": base64.b64encode(self.plain).decode("ascii")}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NoteRecord:
        """A record from :meth:`to_json` or :meth:`to_cache`.

        >>> rec = NoteRecord("a.md", 1, 2, "f", "b", "A", plain="comet orbit")
        >>> NoteRecord.from_json(rec.to_cache()) == rec == NoteRecord.from_json(rec.to_json())
        True
        """
        if "plain_z" in data:
            data = {**data, "plain": base64.b64decode(data["plain_z"])}
            del data["plain_z"]
        return cls(**data)

    def same_file(self, nf: Stamped) -> bool:
        """Whether ``nf`` (a scanned file) has the size and mtime this record was made from."""
        return self.size == nf.size and self.mtime_ns == nf.mtime_ns


@dataclass
class LoadedNote:
    """A note just read: its record, and what only the run that read it needs."""

    record: NoteRecord
    data: bytes
    text: str
    tokens: list[str]  # the note's words, in order (for training)
    title_tokens: list[str]
    body: list[str] | None  # notelink's section lines, None when the note has none


def sha(data: bytes) -> str:
    """The SHA-256 of ``data``, in hex: how notelink tells one version of a file from another."""
    return hashlib.sha256(data).hexdigest()


def build_note(rel: str, size: int, mtime_ns: int, data: bytes, text: str) -> LoadedNote:
    """The record of the note at ``rel`` whose file held ``data`` (``size`` bytes, last
    changed at ``mtime_ns``), decoded as ``text``; :class:`~notelink.text.parse.NoteError`
    when its text cannot be parsed."""
    prefix, loc, suffix = section.parts(text)
    body = None if loc is None else loc.body
    parsed = parse_note(prefix + suffix, stem(rel))
    title_tokens = tokenize(" ".join([parsed.title, *parsed.aliases]))
    tokens = tokenize(parsed.text)
    edges: dict[str, Counter[str]] = {}
    for link, shown in zip(parsed.links, parsed.link_texts, strict=True):
        if not link.embed and link.target:
            edges.setdefault(link.target, Counter()).update(name_tokens(shown))
    items = suggestions.items(body)
    lines = plain_lines(parsed.plain)
    record = NoteRecord(
        rel=rel,
        size=size,
        mtime_ns=mtime_ns,
        file_hash=sha(data),
        body_hash=sha((prefix + suffix).encode("utf-8")),
        title=parsed.title,
        aliases=parsed.aliases,
        tags=parsed.tags,
        links=sorted({link.target for link in parsed.links if link.target}),
        terms=dict(Counter(tokens)),
        title_terms=dict(Counter(title_tokens)),
        edges=[[target, dict(c)] for target, c in sorted(edges.items())],
        plain="\n".join(lines),
        lines=short_lines(lines),
        cased=cased_tokens(parsed.plain),
        enabled=parsed.enabled,
        items=[[i.target, i.checked] for i in items if i is not None],
        has_section=body is not None,
        block_digest=None if loc is None else loc.digest,
    )
    return LoadedNote(record, data, text, tokens, title_tokens, body)
