"""Parse one note's text: frontmatter with python-frontmatter, the body with markdown-it-py.

Pure: takes text, returns a :class:`ParsedNote`. What counts as prose (the words the
embeddings learn from) is what a reader sees as text: headings, paragraphs, list
items, link texts and wikilink display texts. Code blocks, inline code, HTML,
URLs, embeds, images, LaTeX math and Templater commands are not prose.

>>> note = parse_note("---\\ntags: [ml]\\n---\\n# Vectors\\nSee [[Cosine Similarity|cosine]] #math\\n", "Vectors")
>>> [link.target for link in note.links], note.tags, note.text.split()
(['Cosine Similarity'], ['math', 'ml'], ['Vectors', 'See', 'cosine', 'math'])
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from notelink.text import wikilink

MAX_FRONTMATTER_CHARS = 256 * 1024


class NoteError(ValueError):
    """A note that cannot be parsed; the message names the problem (not the file)."""


@dataclass(frozen=True)
class Link:
    """A link as written: ``[[target#heading|alias]]`` or ``[alias](target.md)``."""

    target: str
    alias: str | None = None
    heading: str | None = None
    embed: bool = False
    wiki: bool = True  # a [[wikilink]], not a Markdown link


@dataclass
class ParsedNote:
    title: str
    aliases: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    text: str = ""  # all prose, link texts included
    plain: str = ""  # prose outside links (where an unlinked mention can be)
    link_texts: list[str] = field(default_factory=list)  # display text of each link in ``links``
    enabled: bool = True  # frontmatter ``notelink: false`` opts a note out


_TAG_CHARS = re.compile(r"[\w/\-]+")
_URL_RE = re.compile(r"\b(?:https?|ftp|file|obsidian)://\S+|\bwww\.\S+")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    """``[[target#heading|alias]]`` and ``![[embed]]`` (see :mod:`notelink.text.wikilink`)."""
    m = wikilink.at(state.src, state.pos, state.posMax)
    if m is None:
        return False
    if not silent:
        token = state.push("wikilink", "", 0)
        token.meta = {"inner": m.group("inner"), "embed": bool(m.group("embed"))}
    state.pos = m.end()
    return True


def _tag_rule(state: StateInline, silent: bool) -> bool:
    """``#tag`` and ``#nested/tag`` at the start of a word (not ``#1`` alone)."""
    src, pos = state.src, state.pos
    if src[pos] != "#" or (pos > 0 and not src[pos - 1].isspace()):
        return False
    m = _TAG_CHARS.match(src, pos + 1)
    if not m or m.group(0).replace("/", "").replace("-", "").isdigit():
        return False
    if not silent:
        token = state.push("tag", "", 0)
        token.content = m.group(0)
    state.pos = m.end()
    return True


def _skip(state: StateInline, opening: str, closing: str) -> bool:
    """Step over ``opening … closing`` (not prose), if the text at the cursor is one."""
    if not state.src.startswith(opening, state.pos):
        return False
    end = state.src.find(closing, state.pos + len(opening))
    if end < 0:
        return False
    state.pos = end + len(closing)
    return True


def _comment_rule(state: StateInline, silent: bool) -> bool:
    """Obsidian's inline comments ``%%hidden%%`` are not prose."""
    return _skip(state, "%%", "%%")


_INLINE_MATH_RE = re.compile(r"\$(?=[^\s$])(?:\\.|[^$\\])*?(?<=[^\s\\])\$(?!\d)")
_BEGIN_RE = re.compile(r"\\begin\{(?P<env>[^}\n]{1,40})\}")


def _math_rule(state: StateInline, silent: bool) -> bool:
    """LaTeX math is not prose: ``$$…$$``, ``$…$`` (as Obsidian reads it: no space
    inside the dollars, no digit after the closing one) and ``\\begin{env}…\\end{env}``."""
    src, pos = state.src, state.pos
    if src.startswith("$$", pos):
        return _skip(state, "$$", "$$")
    if src[pos] == "$":
        m = _INLINE_MATH_RE.match(src, pos)
        if m is None:
            return False
        state.pos = m.end()
        return True
    if src[pos] == "\\":
        m = _BEGIN_RE.match(src, pos)
        if m is None:
            return False
        end = src.find(f"\\end{{{m.group('env')}}}", m.end())
        if end < 0:
            return False
        state.pos = end + len(m.group("env")) + 6
        return True
    return False


def _templater_rule(state: StateInline, silent: bool) -> bool:
    """Templater commands ``<% … %>`` are not prose."""
    return _skip(state, "<%", "%>")


@lru_cache(maxsize=1)
def markdown() -> MarkdownIt:
    """The CommonMark parser notes are read with (tables, strikethrough, and Obsidian's
    wikilinks, tags and ``%%comments%%``); one per process."""
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.inline.ruler.before("link", "obsidian_tag", _tag_rule)
    md.inline.ruler.before("link", "obsidian_comment", _comment_rule)
    md.inline.ruler.before("escape", "math", _math_rule)
    md.inline.ruler.before("link", "templater", _templater_rule)
    return md


def _split_wikilink(inner: str, embed: bool) -> Link:
    target, heading, alias = wikilink.split(inner)
    return Link(target, alias, heading, embed)


_SCALARS = (str, int, float, bool)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if isinstance(v, _SCALARS) and str(v).strip()]
    return [str(value)] if isinstance(value, _SCALARS) else []


class _AliasCheckingLoader(yaml.SafeLoader):
    """The pure-Python safe loader, refusing aliases of lists and maps: a few lines of
    them can stand for billions of nodes (the "billion laughs" alias bomb)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            if not isinstance(self.anchors.get(event.anchor), (yaml.ScalarNode, type(None))):
                raise yaml.composer.ComposerError(
                    None, None, f"alias *{event.anchor} of a list or map is not supported", event.start_mark
                )
        return super().compose_node(parent, index)


class _SafeYAML(YAMLHandler):
    def load(self, fm: str, **kwargs: object) -> Any:
        if "&" in fm:  # anchors, so maybe aliases: the checking loader
            return yaml.load(fm, Loader=_AliasCheckingLoader)
        return super().load(fm, **kwargs)


def _frontmatter(text: str) -> tuple[dict[str, Any], str]:
    if not re.match(r"-{3,}[ \t]*\r?\n", text):
        return {}, text
    end = re.search(r"^-{3,}[ \t]*$", text[3:], re.MULTILINE)
    if end is not None and end.start() > MAX_FRONTMATTER_CHARS:
        raise NoteError(f"frontmatter over {MAX_FRONTMATTER_CHARS // 1024} KiB")
    try:
        meta, body = frontmatter.parse(text, handler=_SafeYAML())
    except RecursionError:
        raise NoteError("YAML frontmatter nested too deeply") from None
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        line = f" at frontmatter line {where.line + 1}" if where is not None else ""
        problem = getattr(e, "problem", None) or type(e).__name__
        raise NoteError(f"malformed YAML frontmatter{line}: {problem}") from None
    return (meta if isinstance(meta, dict) else {}), body


def parse_note(text: str, stem: str) -> ParsedNote:
    """Parse a note's text (without notelink's section); ``stem`` is its file name without ``.md``."""
    text = text.removeprefix("\ufeff")
    meta, body = _frontmatter(text)
    title = meta.get("title")
    title = (str(title).strip() if isinstance(title, _SCALARS) and title else stem) or stem
    aliases = _as_list(meta.get("aliases", meta.get("alias")))
    tags = {t.lstrip("#") for t in _as_list(meta.get("tags", meta.get("tag")))}
    note = ParsedNote(title=title, aliases=aliases, enabled=meta.get("notelink", True) is not False)
    # Prose as (fragment, index of the link it is the text of, or None).
    prose: list[tuple[str, int | None]] = []
    in_heading = False
    for token in markdown().parse(body):
        if token.type == "heading_open":
            in_heading = True
        elif token.type == "inline":
            start = len(prose)
            _inline(token.children or [], note, prose, tags)
            if in_heading:
                note.headings.append(" ".join("".join(f for f, _ in prose[start:]).split()))
                in_heading = False
            prose.append(("\n", None))
    note.tags = sorted(tags)
    note.text = _clean("".join(f for f, _ in prose))
    note.plain = _clean("".join(f for f, link in prose if link is None))
    texts: dict[int, list[str]] = {}
    for f, link in prose:
        if link is not None:
            texts.setdefault(link, []).append(f)
    note.link_texts = [_clean("".join(texts.get(i, []))) for i in range(len(note.links))]
    return note


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", _URL_RE.sub(" ", text)).strip()


def _inline(children: list[Any], note: ParsedNote, prose: list[tuple[str, int | None]], tags: set[str]) -> None:
    in_url_link = 0
    in_note_link: int | None = None
    for child in children:
        kind = child.type
        if kind == "text" and not in_url_link:
            prose.append((child.content, in_note_link))
        elif kind in ("softbreak", "hardbreak"):
            prose.append(("\n", None))  # a line of its own (a template's lines: text/lines.py)
        elif kind == "wikilink":
            link = _split_wikilink(child.meta["inner"], child.meta["embed"])
            if link.target or link.heading:
                note.links.append(link)
                if not link.embed:
                    prose.append((" " + (link.alias or link.target.rsplit("/", 1)[-1]) + " ", len(note.links) - 1))
        elif kind == "tag":
            tags.add(child.content)
            prose.append((" " + re.sub(r"[/\-_]", " ", child.content) + " ", None))
        elif kind == "link_open":
            href = unquote(child.attrs.get("href", "") or "")
            if child.markup == "autolink" or _SCHEME_RE.match(href):
                in_url_link += 1 if child.markup == "autolink" else 0
            elif href.split("#", 1)[0].lower().endswith(".md"):
                path, _, part = href.partition("#")
                note.links.append(Link(path, None, part or None, False, wiki=False))
                in_note_link = len(note.links) - 1
        elif kind == "link_close":
            if in_url_link:
                in_url_link -= 1
            in_note_link = None
