"""What the owner decided in a section, taken only from what the note itself proves. Pure.

notelink writes a digest of the note's path and the links it wrote into the block's
BEGIN marker (:func:`notelink.section.digest`). A block is *verified* when that digest
is the digest of a set of links notelink is known to have written there:

1. the links of notelink's last write of the note, as its cache remembers them;
2. the links the block holds now (an untouched write, ticks aside: no cache needed);
3. those plus the note's accepted suggestions missing from it (the owner deleted an
   accepted line; no cache needed).

Only in a verified block is a missing line a decision: a rejection, or an acceptance
when the note now links to that target in its body. Only there do ticks count, and only
on lines notelink wrote. A block from another version of the note (a git checkout or
stash, a backup, an editor's stale buffer), another cache or another note proves
nothing, and nothing is inferred from it.

>>> from notelink.section import digest
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

from notelink.section import digest, own_shape, parse_item


@dataclass
class Verdict:
    """What one block proves: decisions to record, and which of its lines are notelink's."""

    verified: bool
    basis: dict[str, str | None] = field(default_factory=dict)  # raw link target → note, of lines notelink wrote
    accept: set[str] = field(default_factory=set)
    reject: set[str] = field(default_factory=set)
    unaccept: set[str] = field(default_factory=set)  # ticks notelink wrote that the owner took back
    vouched: list[tuple[str, str, bool]] = field(default_factory=list)  # ticked lines notelink wrote, kept

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
            return item.target in self.basis and (line in exact or own_shape(line))

        return ours


def judge(
    rel: str,
    block_digest: str | None,
    items: list[tuple[str, bool]],
    written: list[tuple[str, str, bool]],
    accepted: set[str],
    raw_of: dict[str, str],
    resolve: Callable[[str], str | None],
    body_links: set[str],
) -> Verdict:
    """The verdict on note ``rel``'s block.

    ``items``: (raw target, ticked) of the block's suggestion lines; ``written``: (raw
    target, note, ticked) of notelink's last write, from the cache (empty when unknown);
    ``accepted``: the note's accepted targets, with ``raw_of`` the raw target their
    restored line would have; ``resolve`` maps a raw target to a note; ``body_links``:
    the notes the note's text outside the section links to.
    """
    if block_digest is None:
        return Verdict(False)  # a block from before blocks had a digest: it proves nothing
    present = {raw for raw, _ in items}
    basis: dict[str, str | None] | None = None
    was_ticked: set[str] = set()
    if written and digest(rel, (raw for raw, _, _ in written)) == block_digest:
        basis = {raw: note for raw, note, _ in written}
        was_ticked = {raw for raw, _, ticked in written if ticked}
    elif digest(rel, present) == block_digest:
        basis = {raw: resolve(raw) for raw in present}
    else:
        missing = {raw_of[t]: t for t in sorted(accepted) if t in raw_of and raw_of[t] not in present}
        if missing and digest(rel, present | set(missing)) == block_digest:
            basis = {raw: resolve(raw) for raw in present} | missing
    if basis is None:
        return Verdict(False)
    verdict = Verdict(True, basis)
    for raw, note in sorted(basis.items(), key=lambda kv: kv[0]):
        if note is None or note == rel:
            continue
        if raw not in present:
            (verdict.accept if note in body_links else verdict.reject).add(note)
    for raw, ticked in items:
        note = basis.get(raw)
        if note is None or note == rel:
            continue
        if ticked:
            verdict.accept.add(note)
            verdict.vouched.append((raw, note, True))
        elif raw in was_ticked:
            verdict.unaccept.add(note)
    verdict.unaccept -= verdict.accept
    return verdict
