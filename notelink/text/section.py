"""Find, splice and remove notelink's own section in a note's text: its markers and
where it goes (its lines are read and merged by :mod:`notelink.text.suggestions`). Pure: no I/O.

The section is a block of lines between two invisible HTML-comment markers::

    <!-- notelink:begin 3f2a9c01 -->
    ## Additional Connections
    - [ ] [[Cosine Similarity]] — shared: cosine, vectors, angle
    <!-- notelink:end -->

The BEGIN marker carries a digest of the note's path and of the links notelink wrote
in the block (:func:`digest`), so a run can tell its own write from a block that came
from another version of the note, another cache or another note (see
:mod:`notelink.sync.review`). Marker lines in code (a closed fence, or indented four spaces
or more) are text, not markers.

Appended at the end of a note, the block can be undone byte for byte:

* a note ending with a line ending E gets ``E + BEGIN … END + E``;
* a note without one (and not empty) gets ``E + E + BEGIN noeol … END + E``: the
  ``noeol`` flag tells :func:`remove` to take two E's before the block and the one
  after it, so text appended after the block never joins the END line;
* an empty note becomes ``BEGIN … END + E``.

E is the note's own line ending (the first one found; ``\\n`` if there is none). A block
with text after it (moved by the owner, or text appended to the note) is taken out as
whole lines and nothing else, so removing it never joins two lines.

>>> text = "# Title\\n\\nSome prose.\\n"
>>> with_section = replace_body(text, ["## Additional Connections", "- [ ] [[Other]]"], "0badc0de")
>>> with_section.splitlines()[-4:]
['<!-- notelink:begin 0badc0de -->', '## Additional Connections', '- [ ] [[Other]]', '<!-- notelink:end -->']
>>> remove(with_section) == text
True
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

BEGIN = "<!-- notelink:begin -->"  # as written before blocks carried a digest
END = "<!-- notelink:end -->"
NOEOL = "noeol"

_BEGIN_RE = re.compile(r"<!-- notelink:begin(?: (?P<digest>[0-9a-f]{8}))?(?P<noeol> noeol)? -->")
_EOL_RE = re.compile(r"\r\n|\n|\r")
_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")
_FENCE_RE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


def detect_eol(text: str) -> str:
    """The first line ending in ``text``, or ``"\\n"`` when it has none.

    >>> detect_eol("a\\r\\nb\\n"), detect_eol("a\\rb"), detect_eol("no newline")
    ('\\r\\n', '\\r', '\\n')
    """
    m = _EOL_RE.search(text)
    return m.group(0) if m else "\n"


def digest(rel: str, targets: Iterable[str]) -> str:
    """A short digest of a note's path and the link targets notelink wrote in its block
    (as spelled in the links, order and repeats aside).

    >>> digest("a.md", ["B", "C"]) == digest("a.md", ["C", "B", "B"]) != digest("b.md", ["B", "C"])
    True
    """
    payload = "\n".join([rel, *sorted(set(targets))])
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:8]


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


def _indent(line: str) -> int:
    """Leading indentation in columns (a tab counts as four)."""
    n = 0
    for ch in line:
        if ch == " ":
            n += 1
        elif ch == "\t":
            n += 4
        else:
            break
    return n


def _code_regions(lines: list[tuple[int, str, str]]) -> list[int | None]:
    """For each line, the number of the closed fenced code block it is in (fence lines
    included), or None. A fence that is never closed does not count: a block appended
    after it must still be found. Linear in practice, also on a hostile note: a fence
    char's closers are looked up by position, and an opening no closer answers makes
    every later one at least as long an unclosed one at once."""
    closers: dict[str, list[tuple[int, int]]] = {"`": [], "~": []}
    for k, (_, content, _) in enumerate(lines):
        m = _FENCE_RE.match(content)
        if m and not m["info"].strip():
            closers[m.group("fence")[0]].append((k, len(m.group("fence"))))
    unclosed = {"`": None, "~": None}  # the shortest opening length found unclosed
    region: list[int | None] = [None] * len(lines)
    j = n = 0
    while j < len(lines):
        m = _FENCE_RE.match(lines[j][1])
        if m and not (m.group("fence")[0] == "`" and "`" in m.group("info")):
            char, length = m.group("fence")[0], len(m.group("fence"))
            close = None
            if unclosed[char] is None or length < unclosed[char]:  # type: ignore[operator]
                cands = closers[char]
                for i in range(bisect.bisect_right(cands, (j, 1 << 30)), len(cands)):
                    if cands[i][1] >= length:
                        close = cands[i][0]
                        break
                if close is None:
                    unclosed[char] = length
            if close is not None:
                n += 1
                region[j : close + 1] = [n] * (close + 1 - j)
                j = close + 1
                continue
        j += 1
    return region


@dataclass(frozen=True)
class Located:
    """Where notelink's block sits in a text.

    ``start`` is the offset of the BEGIN line, ``end`` the offset just after the END
    marker (before its line ending, or before text glued to it), ``body`` the lines
    between them, ``eol`` the BEGIN line's ending, ``digest`` the BEGIN marker's digest
    (None in a block written before there was one), ``noeol`` its flag.
    """

    start: int
    end: int
    body: list[str]
    eol: str
    digest: str | None
    noeol: bool


def locate(text: str) -> Located | None:
    """Find the block: the last BEGIN line that has an END line after it, and the first
    such END (so marker look-alikes typed before or after the block are not taken),
    unless both stand in one fenced code block. An END line may have text glued after it
    (appended to an old block that ended the note without a line ending)."""
    lines = _lines(text)
    region = _code_regions(lines)
    begins: list[tuple[int, re.Match[str]]] = []
    ends: list[tuple[int, int]] = []
    for i, (start, content, _) in enumerate(lines):
        if _indent(content) >= 4:
            continue  # indented code (or a paragraph's continuation): never a marker
        stripped = content.strip()
        m = _BEGIN_RE.fullmatch(stripped)
        if m:
            begins.append((i, m))
            continue
        lead = content[: len(content) - len(content.lstrip())]
        if stripped == END:
            ends.append((i, start + len(content)))
        elif content.lstrip().startswith(END):
            ends.append((i, start + len(lead) + len(END)))
    end_lines = [e for e, _ in ends]
    for b, m in reversed(begins):
        at = bisect.bisect_right(end_lines, b)
        if at == len(ends):
            continue
        e, end = ends[at]
        if region[b] is not None and region[b] == region[e]:
            continue  # both markers in one code block: an example, not a section
        body = [c for _, c, _ in lines[b + 1 : e]]
        return Located(lines[b][0], end, body, lines[b][2], m.group("digest"), bool(m.group("noeol")))
    return None


def _strip_eol(text: str, eol: str, times: int) -> str:
    for _ in range(times):
        if not text.endswith(eol):
            break
        text = text[: -len(eol)]
    return text


def _split_at(text: str, loc: Located) -> tuple[str, str]:
    """The user's text before and after the block, with notelink's separators taken out."""
    eol = loc.eol
    before, after = text[: loc.start], text[loc.end :]
    if after in ("", eol):
        # At the end, where notelink appends it: E (+ E with noeol, or in an old block
        # that ended the note without a line ending) before it, and E after.
        return _strip_eol(before, eol, 2 if loc.noeol or after == "" else 1), ""
    if after.startswith(eol):
        after = after[len(eol) :]  # else: text glued to the END marker, kept as it is
    return before, after


def parts(text: str) -> tuple[str, Located | None, str]:
    """Like :func:`split`, with the block's :class:`Located` (None without a block)."""
    loc = locate(text)
    if loc is None:
        return text, None, ""
    before, after = _split_at(text, loc)
    return before, loc, after


def split(text: str) -> tuple[str, list[str] | None, str]:
    """Split ``text`` into (the user's text before, the section body, the user's text after).

    Without a section: ``(text, None, "")``. ``prefix + suffix`` is the note as it
    was before notelink added its block (exactly, when nobody edited around it), and
    never joins two of the user's lines.
    """
    before, loc, after = parts(text)
    return before, None if loc is None else loc.body, after


def remove(text: str) -> str:
    """The text without notelink's block.

    >>> remove("a\\n") == "a\\n"
    True
    """
    prefix, body, suffix = split(text)
    return text if body is None else prefix + suffix


def _block(body: list[str], eol: str, block_digest: str | None, noeol: bool) -> str:
    flags = "".join([f" {block_digest}" if block_digest else "", f" {NOEOL}" if noeol else ""])
    return eol.join([f"<!-- notelink:begin{flags} -->", *body, END])


def replace_body(text: str, body: list[str], block_digest: str | None = None) -> str:
    """``text`` with its section body set to ``body`` (lines without endings) and its
    BEGIN marker carrying ``block_digest``.

    An existing block is replaced in place and every byte around it is kept (an old
    block that ended the note without a line ending gets the ``noeol`` form); a note
    without one gets it appended as the module docstring describes.
    """
    eol = detect_eol(text)
    loc = locate(text)
    if loc is not None:
        after = text[loc.end :]
        if after == "":  # an old block at the very end of a note without final newline
            return text[: loc.start] + _block(body, loc.eol or eol, block_digest, True) + (loc.eol or eol)
        return text[: loc.start] + _block(body, loc.eol or eol, block_digest, loc.noeol) + after
    if text == "":
        return _block(body, eol, block_digest, False) + eol
    if text.endswith(("\n", "\r")):
        return text + eol + _block(body, eol, block_digest, False) + eol
    return text + eol + eol + _block(body, eol, block_digest, True) + eol


def clean(text: str, kept: list[str]) -> str:
    """The text without notelink's block, ``kept`` (the owner's own lines from it) left
    where the block was: ``clean`` never destroys what the owner typed.

    >>> t = replace_body("a\\n", ["## H", "- [ ] [[X]]", "my remark"], "0badc0de")
    >>> clean(t, ["my remark"])
    'a\\n\\nmy remark\\n'
    """
    loc = locate(text)
    if loc is None:
        return text
    if not kept:
        return remove(text)
    return text[: loc.start] + (loc.eol or detect_eol(text)).join(kept) + text[loc.end :]
