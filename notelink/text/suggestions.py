"""The lines of notelink's section (the body between its markers, see
:mod:`notelink.text.section`): its heading, the suggestion lines notelink writes
(``- [ ] [[Target]] — reason``), the ones the owner ticked, and the owner's own lines.
How a sync merges fresh suggestions into the lines that are there, and renders the
note with them. Pure: no I/O.

>>> body = ["## Additional Connections", "- [x] [[Orbit]]", "- [ ] [[Tide]] — shared: moon", "my remark"]
>>> [(i.target, i.checked) for i in items(body)], user_lines(body)
([('Orbit', True), ('Tide', False)], ['my remark'])
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from notelink.text import wikilink
from notelink.text.section import digest, parts, remove, replace_body

_HEADING_RE = re.compile(r"^ {0,3}#{1,6}(?:[ \t]|$)")
# A suggestion line: "- [ ] [[Target]] — reason" (any bullet, ticked or not).
_ITEM_RE = re.compile(r"^\s*[-*+] \[(?P<mark>[ xX])\] (?P<rest>.*)$")
_WIKI_RE = re.compile(wikilink.LINK)
_MDLINK_RE = re.compile(r"\[(?:[^\]\\]|\\.)*\]\(<(?P<angle>[^>]+)>\)|\[(?:[^\]\\]|\\.)*\]\((?P<plain>[^)\s]+)\)")
_LINK = rf"(?:{wikilink.LINK}|\[(?:[^\]\\]|\\.)*\]\((?:<[^>]+>|[^)\s]+)\))"
# Exactly the shape of an unticked line notelink writes: "- [ ] LINK" and an optional " — reason".
_OWN_SHAPE_RE = re.compile(rf"\s*[-*+] \[ \] {_LINK}(?: — .*)?")
_ITEM_START_RE = re.compile(r"^\s*[-*+] \[[ xX]\] ")


@dataclass(frozen=True)
class Item:
    """A suggestion line in the section: ``- [ ] [[target]] …`` or ticked ``- [x]``."""

    target: str
    checked: bool


def link_target(text: str) -> str | None:
    """The first link target in ``text``: ``[[T|alias]]`` → ``T``, ``[x](<a b.md>)`` → ``a b.md``.

    >>> link_target("[[Folder/Note#Part|shown]] — why"), link_target("[N](<my note.md>)")
    ('Folder/Note', 'my note.md')
    >>> link_target("[Odd #1](<Odd #1.md>) — both connected to [[Hub]]")
    'Odd #1.md'

    """
    wiki, md = _WIKI_RE.search(text), _MDLINK_RE.search(text)
    if wiki and (md is None or wiki.start() < md.start()):
        return wikilink.split(wiki.group("inner"))[0] or None
    if md:
        return (md.group("angle") or md.group("plain")).strip() or None
    return None


def parse_item(line: str) -> Item | None:
    """The suggestion on ``line``, or None when the line is anything else.

    >>> parse_item("- [x] [[Word2Vec]] — shared: vectors")
    Item(target='Word2Vec', checked=True)
    >>> parse_item("my own remark") is None
    True
    """
    m = _ITEM_RE.match(line)
    if not m:
        return None
    target = link_target(m.group("rest"))
    if target is None:
        return None
    return Item(target, m.group("mark") != " ")


def own_shape(line: str) -> bool:
    """Whether ``line`` has the shape of an unticked line notelink writes (whatever bullet
    or indentation a formatter gave it).

    >>> own_shape("- [ ] [[A]] — shared: x"), own_shape("- [ ] [[A]] TODO re-read"), own_shape("- [x] [[A]]")
    (True, False, False)
    >>> own_shape("  * [ ] [[A]] — shared: x")
    True
    """
    return _OWN_SHAPE_RE.fullmatch(line) is not None


def groups(body: list[str]) -> list[list[str]]:
    """The body's lines grouped: a suggestion line with the lines a formatter wrapped it
    onto (indented, not blank, not a suggestion of their own), and every other line alone.

    >>> groups(["## H", "- [ ] [[A]] — shared:", "  x, y", "mine"])
    [['## H'], ['- [ ] [[A]] — shared:', '  x, y'], ['mine']]
    """
    out: list[list[str]] = []
    for line in body:
        if out and _ITEM_START_RE.match(out[-1][0]) and line[:1] in (" ", "\t") and line.strip():
            if not _ITEM_START_RE.match(line):
                out[-1].append(line)
                continue
        out.append([line])
    return out


def joined(group: list[str]) -> str:
    """A group's lines as the one line they were before wrapping."""
    return " ".join([group[0].rstrip(), *(line.strip() for line in group[1:])])


def items(body: list[str] | None) -> list[Item]:
    """The suggestions in a section body (wrapped ones read whole)."""
    return [item for g in groups(body or []) if (item := parse_item(joined(g))) is not None]


def _norm(line: str) -> str:
    """A line as formatters leave its meaning: bullet and spacing aside."""
    return " ".join(re.sub(r"^\s*[-*+] ", "- ", line).split())


def is_heading(line: str) -> bool:
    """An ATX heading line (``## Related``), not a tag (``#todo``).

    >>> is_heading("## Additional Connections"), is_heading("#todo check these")
    (True, False)
    """
    return _HEADING_RE.match(line) is not None


def heading_index(body: list[str]) -> int | None:
    """The index of the section's heading: its first heading line above every line of
    notelink's (text the owner typed above it stays theirs).

    >>> heading_index(["#todo check these", "## Additional Connections", "- [ ] [[A]]"])
    1
    """
    for i, line in enumerate(body):
        if is_heading(line):
            return i
        if own_shape(line) or (line.lstrip().startswith(("- [x]", "- [X]")) and parse_item(line)):
            return None
    return None


def merge_body(
    old: list[str] | None, heading: str | None, new_lines: list[str], ours: Callable[[str], bool] | None = None
) -> list[str]:
    """The body after a sync: the heading, the user's lines, and fresh suggestions.

    The unticked lines for which ``ours`` is true (by default: every line of notelink's
    own shape) are notelink's and are replaced by ``new_lines``, placed where the first
    of them stood; when they say what ``new_lines`` say (a formatter only changed their
    bullets or wrapped them), they are kept as they are. Ticked lines, blank lines and
    any other text stay exactly where they were. The heading (see :func:`heading_index`)
    is set to ``heading``; ``None`` leaves it out (the note has that heading already).

    >>> merge_body(["## Old", "- [x] [[A]]", "- [ ] [[B]]", "mine"], "## New", ["- [ ] [[C]]"])
    ['## New', '- [x] [[A]]', '- [ ] [[C]]', 'mine']
    """
    ours = ours or own_shape
    rest = list(old or [])
    h = heading_index(rest)
    lead: list[str] = []
    if h is not None:
        lead, rest = rest[:h], rest[h + 1 :]
    kept: list[str] = []
    dropped: list[list[str]] = []
    insert_at: int | None = None
    last_checked: int | None = None
    for group in groups(rest):
        line = joined(group)
        item = parse_item(line)
        if item is not None and not item.checked and ours(line):
            if insert_at is None:
                insert_at = len(kept)
            dropped.append(group)
            continue
        if item is not None and item.checked:
            last_checked = len(kept) + len(group) - 1
        kept.extend(group)
    if insert_at is None and last_checked is not None:
        insert_at = last_checked + 1
    elif insert_at is None:  # after the blank lines a formatter puts under the heading
        insert_at = next((i for i, line in enumerate(kept) if line.strip()), min(1, len(kept)))
    fresh = new_lines
    if [_norm(joined(g)) for g in dropped] == [_norm(line) for line in new_lines]:
        fresh = [line for g in dropped for line in g]  # the same lines, as a formatter left them
    head = [*lead, heading] if heading is not None else lead
    return [*head, *kept[:insert_at], *fresh, *kept[insert_at:]]


def user_lines(body: list[str] | None) -> list[str]:
    """Lines of ``body`` that are neither the heading, nor blank, nor a suggestion."""
    rest = list(body or [])
    h = heading_index(rest)
    if h is not None:
        rest = rest[h + 1 :]
    return [line for line in rest if line.strip() and parse_item(line) is None]


def suggestion_line(link: str, reasons: list[str], ticked: bool = False) -> str:
    """One line of the section, as notelink writes it.

    >>> suggestion_line("[[Orbit]]", ["shared: moon, tide"])
    '- [ ] [[Orbit]] — shared: moon, tide'
    """
    reason = f" — {'; '.join(reasons)}" if reasons else ""
    return f"- [{'x' if ticked else ' '}] {link}{reason}"


def render(
    rel: str,
    text: str,
    heading: str,
    lines: list[str],
    ours: Callable[[str], bool],
    written: list[list[Any]],
) -> str:
    """The note's text with its section made of ``lines`` (merged into the old block by
    :func:`merge_body`; removed when empty), its digest over ``written``'s raw targets.
    The heading is left out when the note has that heading line of its own."""
    prefix, loc, suffix = parts(text)
    own_heading = any(line.strip() == heading.strip() for line in (prefix + suffix).splitlines())
    merged = merge_body(loc.body if loc else None, None if own_heading else heading, lines, ours)
    if not items(merged) and not user_lines(merged):
        return remove(text)
    return replace_body(text, merged, digest(rel, (raw for raw, _, _ in written)))
