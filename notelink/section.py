"""Find, splice and remove notelink's own section in a note's text. Pure: no I/O.

The section is a block of lines between two invisible HTML-comment markers::

    <!-- notelink:begin -->
    ## Additional Connections
    - [ ] [[Cosine Similarity]] — shared: cosine, vectors, angle
    <!-- notelink:end -->

It is appended at the end of a note in a way that can be undone byte for byte:

* if the note ends with a line ending E, the block is ``E + BEGIN … END + E``;
* if the note does not end with one (and is not empty), it is ``E + E + BEGIN … END``
  (so the file still has no final newline, and ``remove`` knows to take two E's);
* an empty note becomes ``BEGIN … END``.

E is the note's own line ending (the first one found; ``\\n`` if there is none).

>>> text = "# Title\\n\\nSome prose.\\n"
>>> with_section = replace_body(text, ["## Additional Connections", "- [ ] [[Other]]"])
>>> with_section.endswith("<!-- notelink:end -->\\n")
True
>>> remove(with_section) == text
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BEGIN = "<!-- notelink:begin -->"
END = "<!-- notelink:end -->"

_EOL_RE = re.compile(r"\r\n|\n|\r")
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")
# A suggestion line as notelink writes it: "- [ ] [[Target]] — reason".
_ITEM_RE = re.compile(r"^\s*[-*+] \[(?P<mark>[ xX])\] (?P<rest>.*)$")
_WIKI_RE = re.compile(r"\[\[(?P<inner>[^\[\]]+?)\]\]")
_MDLINK_RE = re.compile(r"\[(?:[^\]\\]|\\.)*\]\(<(?P<angle>[^>]+)>\)|\[(?:[^\]\\]|\\.)*\]\((?P<plain>[^)\s]+)\)")


def detect_eol(text: str) -> str:
    """The first line ending in ``text``, or ``"\\n"`` when it has none.

    >>> detect_eol("a\\r\\nb\\n"), detect_eol("a\\rb"), detect_eol("no newline")
    ('\\r\\n', '\\r', '\\n')
    """
    m = _EOL_RE.search(text)
    return m.group(0) if m else "\n"


def _lines(text: str) -> list[tuple[int, str, str]]:
    """(start offset, content, line ending) for every line of ``text``."""
    out = []
    for m in _LINE_RE.finditer(text):
        raw = m.group(0)
        if raw.endswith("\r\n"):
            out.append((m.start(), raw[:-2], "\r\n"))
        elif raw.endswith(("\n", "\r")):
            out.append((m.start(), raw[:-1], raw[-1]))
        else:
            out.append((m.start(), raw, ""))
    return out


@dataclass(frozen=True)
class Located:
    """Where notelink's block sits in a text.

    ``start`` is the offset of the BEGIN line, ``end`` the offset just after the
    END marker's content (before its line ending), ``body`` the lines between them.
    """

    start: int
    end: int
    body: list[str]


def locate(text: str) -> Located | None:
    """Find the block: the last BEGIN line that has an END line after it, and the first
    such END (so marker look-alikes typed before or after the block are not taken)."""
    lines = _lines(text)
    begins = [i for i, (_, content, _) in enumerate(lines) if content.strip() == BEGIN]
    ends = [i for i, (_, content, _) in enumerate(lines) if content.strip() == END]
    for b in reversed(begins):
        after = [e for e in ends if e > b]
        if after:
            e = after[0]
            start = lines[b][0]
            end = lines[e][0] + len(lines[e][1])
            return Located(start, end, [c for _, c, _ in lines[b + 1 : e]])
    return None


def _strip_eol(text: str, eol: str, times: int) -> str:
    for _ in range(times):
        if not text.endswith(eol):
            break
        text = text[: -len(eol)]
    return text


def split(text: str) -> tuple[str, list[str] | None, str]:
    """Split ``text`` into (the user's text before, the section body, the user's text after).

    Without a section: ``(text, None, "")``. ``prefix + suffix`` is the note as it
    was before notelink added its block (exactly, when nobody edited around it).
    """
    loc = locate(text)
    if loc is None:
        return text, None, ""
    # The first line ending of the whole text is the one the block was written with.
    eol = detect_eol(text)
    before, after = text[: loc.start], text[loc.end :]
    if after == "":
        # Appended to a note without final newline: E + E + block.
        return _strip_eol(before, eol, 2), loc.body, ""
    # The END line has a line ending; whatever follows was typed after the block.
    after = after[len(eol) :] if after.startswith(eol) else after[1:]
    return _strip_eol(before, eol, 1), loc.body, after


def remove(text: str) -> str:
    """The text without notelink's block.

    >>> remove("a\\n") == "a\\n"
    True
    """
    prefix, body, suffix = split(text)
    return text if body is None else prefix + suffix


def _block(body: list[str], eol: str) -> str:
    return eol.join([BEGIN, *body, END])


def replace_body(text: str, body: list[str]) -> str:
    """``text`` with its section body set to ``body`` (lines without endings).

    An existing block is replaced in place and every byte around it is kept; a note
    without one gets it appended as the module docstring describes.
    """
    eol = detect_eol(text)
    loc = locate(text)
    if loc is not None:
        return text[: loc.start] + _block(body, eol) + text[loc.end :]
    if text == "":
        return _block(body, eol)
    if text.endswith(("\n", "\r")):
        return text + eol + _block(body, eol) + eol
    return text + eol + eol + _block(body, eol)


# --- the section's lines -----------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A suggestion line in the section: ``- [ ] [[target]] …`` or ticked ``- [x]``."""

    target: str
    checked: bool


def link_target(text: str) -> str | None:
    """The first link target in ``text``: ``[[T|alias]]`` → ``T``, ``[x](<a b.md>)`` → ``a b.md``.

    >>> link_target("[[Folder/Note#Part|shown]] — why"), link_target("[N](<my note.md>)")
    ('Folder/Note', 'my note.md')
    """
    m = _WIKI_RE.search(text)
    if m:
        inner = m.group("inner").replace("\\|", "|")
        return inner.split("|", 1)[0].split("#", 1)[0].strip() or None
    m = _MDLINK_RE.search(text)
    if m:
        return (m.group("angle") or m.group("plain")).strip() or None
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


def merge_body(old: list[str] | None, heading: str, new_lines: list[str]) -> list[str]:
    """The body after a sync: the heading, the user's lines, and fresh suggestions.

    Unticked suggestion lines are notelink's and are replaced by ``new_lines``
    (placed where the first of them stood). Ticked lines and any other text the
    user typed stay exactly where they were.

    >>> merge_body(["## Old", "- [x] [[A]]", "- [ ] [[B]]", "mine"], "## New", ["- [ ] [[C]]"])
    ['## New', '- [x] [[A]]', '- [ ] [[C]]', 'mine']
    """
    rest = list(old or [])
    if rest and rest[0].lstrip().startswith("#"):
        rest = rest[1:]
    kept: list[str] = []
    insert_at: int | None = None
    last_checked: int | None = None
    for line in rest:
        item = parse_item(line)
        if item is not None and not item.checked:
            if insert_at is None:
                insert_at = len(kept)
            continue
        if item is not None:
            last_checked = len(kept)
        kept.append(line)
    if insert_at is None:
        insert_at = 0 if last_checked is None else last_checked + 1
    return [heading, *kept[:insert_at], *new_lines, *kept[insert_at:]]


def user_lines(body: list[str] | None) -> list[str]:
    """Lines of ``body`` that are neither the heading nor a suggestion (and not blank)."""
    rest = list(body or [])
    if rest and rest[0].lstrip().startswith("#"):
        rest = rest[1:]
    return [line for line in rest if line.strip() and parse_item(line) is None]
