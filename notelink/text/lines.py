"""A note's prose as lines of name tokens: what a template repeats from note to note.

Pure. A heading, a list item, a label or a line of a paragraph is one line; a field
name (``mood:: good``, ``Gym: yes``) is a line of its own, apart from its value, so
that it recurs verbatim in every note of its template. Which lines are boilerplate is a
vault-level count (:mod:`notelink.rank.templates`).

>>> plain_lines("Daily log\\n- [ ] Gym\\nmood:: calm\\nRead: Dune, chapter 3")
['daily log', 'gym', 'mood', 'calm', 'read', 'dune chapter']
>>> short_lines(["gym", "gym", "a very long line " * 4])
{'gym': 2}
"""

from __future__ import annotations

import re
from collections import Counter

from notelink.text.tokens import name_tokens

LINE_WORDS = 12  # lines with more words are prose, never a template's
_FIELD_RE = re.compile(r"^([^:\n]{1,60}?)(?:::|:\s)")  # "key:: value", "Label: value"


def plain_lines(text: str) -> list[str]:
    """The lines of ``text`` (prose outside links) as space-separated name tokens,
    field names apart from their values; lines without tokens left out."""
    out = []
    for line in text.splitlines():
        m = _FIELD_RE.match(line)
        for part in (line[: m.end(1)], line[m.end() :]) if m else (line,):
            words = name_tokens(part)
            if words:
                out.append(" ".join(words))
    return out


def short_lines(lines: list[str]) -> dict[str, int]:
    """The lines of at most ``LINE_WORDS`` words, with how often each occurs."""
    return dict(sorted(Counter(line for line in lines if line.count(" ") < LINE_WORDS).items()))


def line_words(line: str) -> list[str]:
    """The words of a line as :func:`~notelink.text.tokens.tokenize` counts them (no numbers)."""
    return [w for w in line.split() if not w.isdigit()]
