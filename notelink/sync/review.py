"""What the owner decided in a section, taken only from what the note itself proves. Pure.

notelink writes a digest of the note's path and the links it wrote into the block's
BEGIN marker (:func:`notelink.text.section.digest`). A block is *verified* when that digest
is the digest of a set of links notelink is known to have written there:

1. the links of notelink's last write of the note, as its cache remembers them;
2. the links the block holds now (an untouched write, ticks aside: no cache needed);
3. those plus the note's accepted suggestions missing from it (the owner deleted an
   accepted line; no cache needed).

Only in a verified block is a missing line a decision: a rejection, or an acceptance
when the note now links to that target in its body. A line whose link now names the
same note another way (Obsidian updated it when the note was renamed) is not missing.
Only in a verified block do ticks count, and only on lines notelink wrote. A missing
tick is never a decision (an older copy of the note may simply predate it): an
acceptance is undone in ``decisions.txt``. A block from another version of the note (a
git checkout or stash, a backup, an editor's stale buffer), another cache or another
note proves nothing, and nothing is inferred from it.

>>> from notelink.text.section import digest
>>> written = [("B", "B.md", False), ("C", "C.md", False)]
>>> v = judge("a.md", digest("a.md", ["B", "C"]), [("B", True)], written, set(), {}, lambda t: t + ".md", set())
>>> sorted(v.accept), sorted(v.reject)
(['B.md'], ['C.md'])
>>> judge("a.md", digest("x.md", ["B", "C"]), [("B", False)], written, set(), {}, lambda t: t + ".md", set()).reject
set()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from notelink.disk.decisions import Decisions
from notelink.text.section import digest
from notelink.text.suggestions import link_target, own_shape, parse_item


def raw_targets(notes: Iterable[str], link_text: Callable[[str], str]) -> dict[str, str]:
    """For each note, the raw link target its line would have (``[[Name]]`` → ``Name``)."""
    return {note: raw for note in notes if (raw := link_target(link_text(note))) is not None}


@dataclass
class Verdict:
    """What one block proves: decisions to record, and which of its lines are notelink's."""

    verified: bool
    basis: dict[str, str | None] = field(default_factory=dict)  # raw link target → note, of lines notelink wrote
    accept: set[str] = field(default_factory=set)
    reject: set[str] = field(default_factory=set)
    vouched: list[tuple[str, str, bool]] = field(default_factory=list)  # ticked lines notelink wrote, kept
    known: set[str] = field(default_factory=set)  # raw targets in the block that name a note notelink wrote

    def record(self, decisions: Decisions, rel: str) -> bool:
        """Write the verdict's decisions about note ``rel`` into ``decisions``; True if any
        changed (a path with a tab or newline cannot be a decision line: skipped)."""
        before = set(decisions.entries)
        for kind, targets in (("accept", self.accept), ("reject", self.reject)):
            for t in sorted(targets):
                if "\t" not in rel + t and "\n" not in rel + t:
                    decisions.set(kind, rel, t)
        return decisions.entries != before

    def ours(self, offered: Iterable[str] = ()) -> Callable[[str], bool]:
        """Which unticked lines of the block are notelink's, to be replaced by fresh ones:
        in a verified block, lines it wrote there (its exact lines, or its shape with a
        target it wrote); elsewhere, lines of its exact shape."""
        exact = set(offered)

        def ours(line: str) -> bool:
            item = parse_item(line)
            if item is None or item.checked:
                return False
            if not self.verified:
                return own_shape(line)
            return item.target in self.known and (line in exact or own_shape(line))

        return ours


def of_block(
    rel: str,
    block_digest: str | None,
    items: list[tuple[str, bool]],
    written: list[list[Any]] | list[tuple[str, str, bool]],
    accepted: set[str],
    resolver: Any,
    body_links: set[str],
    renamed: dict[str, str] | None = None,
) -> Verdict:
    """:func:`judge` for a note's block, with ``resolver`` (a :class:`~notelink.text.links.Resolver`)
    giving the raw targets of accepted suggestions and resolving the block's links."""
    return judge(
        rel,
        block_digest,
        items,
        [(raw, note, bool(ticked)) for raw, note, ticked in written],
        accepted,
        raw_targets(accepted, lambda t: resolver.link_text(t, rel)),
        lambda raw: resolver.resolve(raw, rel),
        body_links,
        renamed,
    )


def judge(
    rel: str,
    block_digest: str | None,
    items: list[tuple[str, bool]],
    written: list[tuple[str, str, bool]],
    accepted: set[str],
    raw_of: dict[str, str],
    resolve: Callable[[str], str | None],
    body_links: set[str],
    renamed: dict[str, str] | None = None,
) -> Verdict:
    """The verdict on note ``rel``'s block.

    ``items``: (raw target, ticked) of the block's suggestion lines; ``written``: (raw
    target, note, ticked) of notelink's last write, from the cache (empty when unknown);
    ``accepted``: the note's accepted targets, with ``raw_of`` the raw target their
    restored line would have; ``resolve`` maps a raw target to a note; ``body_links``:
    the notes the note's text outside the section links to; ``renamed``: notes that moved
    this run (old path → new).
    """
    if block_digest is None:
        return Verdict(False)  # a block from before blocks had a digest: it proves nothing
    present = {raw for raw, _ in items}
    basis: dict[str, str | None] | None = None
    if written and digest(rel, (raw for raw, _, _ in written)) == block_digest:
        basis = {raw: note for raw, note, _ in written}
    elif digest(rel, present) == block_digest:
        basis = {raw: resolve(raw) for raw in present}
    else:
        missing = {raw_of[t]: t for t in sorted(accepted) if t in raw_of and raw_of[t] not in present}
        if missing and digest(rel, present | set(missing)) == block_digest:
            basis = {raw: resolve(raw) for raw in present} | missing
    if basis is None:
        return Verdict(False)
    moved = renamed or {}
    now = {raw: moved.get(note, note) for raw, note in basis.items() if note is not None}
    notes_now = set(now.values())
    # A line of the block is notelink's if its link names a note notelink wrote there,
    # however it is spelled now (a rename updates the link, not the digest).
    named = {raw: basis[raw] if raw in basis else resolve(raw) for raw in present}
    verdict = Verdict(True, basis)
    verdict.known = {raw for raw, note in named.items() if raw in basis or (note is not None and note in notes_now)}
    present_notes = {note for raw, note in named.items() if raw in verdict.known and note is not None}
    present_notes |= {moved.get(n, n) for n in present_notes}
    for raw, note in sorted(now.items()):
        if note == rel or raw in present or note in present_notes:
            continue
        (verdict.accept if note in body_links else verdict.reject).add(note)
    for raw, ticked in items:
        note = named.get(raw)
        if not ticked or raw not in verdict.known or note is None:
            continue
        note = moved.get(note, note)
        if note != rel:
            verdict.accept.add(note)
            verdict.vouched.append((raw, note, True))
    return verdict
