"""Resolve link targets to notes the way Obsidian does, and write links back.

A target is the file name without ``.md``, compared case-insensitively (and
NFC-normalised, since macOS writes names in NFD). A target with ``/`` matches as a
path suffix. When several notes match, one spelled exactly as the target wins (so
``MAAS.md`` and ``MaaS.md`` each have a link of their own); then, as Obsidian does, a
note at the vault's root, then one in the linking note's own folder, then the shortest
path, then the alphabetically first.

>>> r = Resolver(["Notes/Cosine.md", "Cosine.md", "deep/A/b.md"])
>>> r.resolve("cosine"), r.resolve("A/B"), r.resolve("missing")
('Cosine.md', 'deep/A/b.md', None)
>>> r.link_text("Notes/Cosine.md"), r.link_text("deep/A/b.md")
('[[Notes/Cosine|Cosine]]', '[[b]]')
>>> print(r.link_text("x/Odd ]] name.md"))
[Odd \\]\\] name](<x/Odd ]] name.md>)
>>> r = Resolver(["MAAS.md", "MaaS.md"])
>>> r.resolve("MaaS"), r.resolve("maas"), r.link_text("MaaS.md")
('MaaS.md', 'MAAS.md', '[[MaaS]]')
>>> r = Resolver(["inbox/Empty.md", "food/bread/Empty.md", "food/bread/Rye.md"])
>>> r.resolve("Empty"), r.resolve("Empty", "food/bread/Rye.md"), r.link_text("inbox/Empty.md", "food/bread/Rye.md")
('inbox/Empty.md', 'food/bread/Empty.md', '[[inbox/Empty|Empty]]')
"""

from __future__ import annotations

import posixpath
import re
import unicodedata


def fold(text: str) -> str:
    """The form names are compared in: NFC, case-folded.

    >>> fold("Café Notes"), fold("Cafe\u0301 NOTES") == fold("Café Notes"), fold("Straße")
    ('café notes', True, 'strasse')
    """
    if text.isascii():  # the common case, ~20× quicker: NFC changes nothing, casefold is lower
        return text.lower()
    return unicodedata.normalize("NFC", text).casefold()


def stem(rel: str) -> str:
    """``"folder/My Note.md"`` → ``"My Note"``."""
    name = rel.rsplit("/", 1)[-1]
    return name[:-3] if name.lower().endswith(".md") else name


_UNLINKABLE = set("[]|#^")
_UNWRITABLE = re.compile(r"[\x00-\x1f\x7f<>]")


def suggestible(rel: str) -> bool:
    """Whether a link to ``rel`` can be written on one line: not with a newline, tab or
    other control character, nor ``<``/``>``, in its path (names no editor makes, but a
    file system allows).

    >>> suggestible("a/Note.md"), suggestible("a/Line\\nbreak.md")
    (True, False)
    """
    return _UNWRITABLE.search(rel) is None


class Resolver:
    def __init__(self, rels: list[str]) -> None:
        self._by_stem: dict[str, list[str]] = {}
        self._by_path: dict[str, str] = {}
        self._exact: dict[str, str] = {}  # path without .md, NFC but not case-folded → note
        for rel in sorted(rels, key=lambda r: (len(r), r)):
            self._by_stem.setdefault(fold(stem(rel)), []).append(rel)
            path = rel[:-3] if rel.lower().endswith(".md") else rel
            self._by_path.setdefault(fold(path), rel)
            self._exact.setdefault(unicodedata.normalize("NFC", path), rel)

    def resolve(self, target: str, source: str | None = None) -> str | None:
        """The note ``target`` points to, or None. ``source`` anchors relative paths."""
        t = target.strip().replace("\\", "/")
        if t.lower().endswith(".md"):
            t = t[:-3]
        if not t:
            return None
        if source is not None and (t.startswith("./") or t.startswith("../")):
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), t))
            return self._by_path.get(fold(joined))
        t = t.lstrip("/")
        key = fold(t)
        if "/" not in key:
            found = self._by_stem.get(key)
            if found and len(found) > 1:
                return self._pick(found, t, source)
            return found[0] if found else None
        exact = self._exact.get(unicodedata.normalize("NFC", t)) or self._by_path.get(key)
        if exact is not None:
            return exact
        name = key.rsplit("/", 1)[-1]
        for rel in self._by_stem.get(name, []):
            full = fold(rel[:-3])
            if full.endswith("/" + key):
                return rel
        return None

    @staticmethod
    def _pick(found: list[str], target: str, source: str | None) -> str:
        """Of the notes a bare name matches (shortest path first), the one it means."""
        spelled = unicodedata.normalize("NFC", target)
        exact = [rel for rel in found if unicodedata.normalize("NFC", stem(rel)) == spelled] or found
        if source is not None and "/" not in exact[0]:
            return exact[0]  # a note at the root wins even over one beside the source
        folder = posixpath.dirname(source) if source is not None else None
        return next((rel for rel in exact if posixpath.dirname(rel) == folder), exact[0])

    def link_text(self, rel: str, source: str | None = None) -> str:
        """The link to write for note ``rel`` (in note ``source``): ``[[stem]]`` when that
        resolves to it, ``[[path|stem]]`` when another note wins the name, a Markdown link
        when the name has characters a wikilink cannot hold."""
        name = stem(rel)
        if _UNLINKABLE & set(name):
            shown = re.sub(r"([\\\[\]])", r"\\\1", name)
            return f"[{shown}](<{rel}>)"
        if self.resolve(name, source) == rel:
            return f"[[{name}]]"
        return f"[[{rel[:-3]}|{name}]]"
