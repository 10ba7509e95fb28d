"""Obsidian's wikilinks, ``[[target#heading|alias]]`` and ``![[embed]]``: the one grammar
notelink reads them with, and how one splits into its parts (``\\|`` is the separator
inside a table).

The text between the brackets is read two ways, from one pattern:

* in a note (the parser's inline rule, :func:`at`): any text up to the first ``]]`` that
  holds no line break and no ``[[`` (a single ``[`` or ``]`` is part of the target);
* in notelink's section and the evaluation's link finder (:data:`LINK`,
  :data:`LINK_RE`): text without any bracket, line breaks allowed (a note's name may hold
  one; the evaluation reads a line at a time, so it never meets one).

>>> at("[[a]b]]", 0, 7).group("inner"), LINK_RE.search("[[a]b]]") is None
('a]b', True)
>>> at("[[a\\nb]]", 0, 8) is None, LINK_RE.search("[[a\\nb]]").group("inner")
(True, 'a\\nb')
>>> [m.group("embed", "inner") for m in LINK_RE.finditer("![[img.png]] and [[Note#Part\\\\|shown]]")]
[('!', 'img.png'), ('', 'Note#Part\\\\|shown')]
>>> split("Note#Part\\\\|shown")
('Note', 'Part', 'shown')
"""

from __future__ import annotations

import re

# What may stand between the brackets.
_NO_BRACKET = r"[^\[\]]+?"
_NO_BREAK_NOR_OPENING = r"(?:[^\[\n]|\[(?!\[))*?"  # may be empty: at() refuses a blank link


def _grammar(inner: str, embed: bool) -> str:
    return ("(?P<embed>!?)" if embed else "") + rf"\[\[(?P<inner>{inner})\]\]"


LINK = _grammar(_NO_BRACKET, embed=False)  # a wikilink, not an embed: for composing into other patterns
LINK_RE = re.compile(_grammar(_NO_BRACKET, embed=True))  # groups: embed ("!" or ""), inner
_IN_NOTE_RE = re.compile(_grammar(_NO_BREAK_NOR_OPENING, embed=True))


def at(src: str, pos: int, last: int) -> re.Match[str] | None:
    """The wikilink or embed starting at ``pos`` of a note's text whose ``]]`` starts at
    ``last`` at the latest, read as a note's parser reads one (groups ``embed`` and
    ``inner``); None when there is none or its text is blank.

    >>> at("see [[Orbit]]", 4, 13).group("inner"), at("[[ ]]", 0, 5), at("[[a [[b]]", 0, 9)
    ('Orbit', None, None)
    """
    m = _IN_NOTE_RE.match(src, pos, last + 2)
    return m if m is not None and m.group("inner").strip() else None


def split(inner: str) -> tuple[str, str | None, str | None]:
    """A link's text as (target, heading, alias), each stripped; heading and alias None
    when absent or blank.

    >>> split(" Folder/Note "), split("Note#|"), split("#Part|x|y")
    (('Folder/Note', None, None), ('Note', None, None), ('', 'Part', 'x|y'))
    """
    target, _, alias = inner.replace("\\|", "|").partition("|")
    target, _, heading = target.partition("#")
    return target.strip(), heading.strip() or None, alias.strip() or None
