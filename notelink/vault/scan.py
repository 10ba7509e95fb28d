"""Which files of the vault are notes: the scan of the whole vault, the rescan of a few
paths, and the filter both (and the daemon) decide with.

What is skipped: dot-folders (``.obsidian/``, ``.trash/``, ``.git/``, ``.notelink/`` …),
dot-files, anything not ending in ``.md``, Excalidraw drawings (``*.excalidraw.md``),
anything that is not a regular file, a file or folder whose name is not valid UTF-8
(with a message: a name notelink cannot spell cannot be linked to), the ``exclude``
globs of ``.notelink.toml``, and symlinks: a symlinked note is never read or written
(one pointing inside the vault is that note again, which is processed under its own
name; one pointing outside gets a message), and symlinked folders are never followed
(no loops, no way out).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from notelink.disk.decisions import DECISIONS_PATH
from notelink.disk.writer import is_temp_name
from notelink.errors import check_root
from notelink.vault.config import CONFIG_NAME, Config


@dataclass(frozen=True)
class NoteFile:
    rel: str  # vault-relative path with "/" separators, as the file system spells it
    path: Path
    size: int
    mtime_ns: int


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """An ``exclude`` glob as a regex over a whole vault path (``*`` within a folder, ``**`` across)."""
    out, i = [], 0
    pattern = pattern.strip("/")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def excluded(rel: str, patterns: list[re.Pattern[str]]) -> bool:
    """True when ``rel`` or one of its parent folders matches an exclude glob."""
    parts = rel.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(p.match(prefix) for p in patterns for prefix in prefixes)


def is_note_name(name: str) -> bool:
    """A Markdown note's name: ``*.md``, not a dot-file, not an Excalidraw drawing
    (``*.excalidraw.md`` holds a drawing's data, not prose)."""
    lower = name.lower()
    return lower.endswith(".md") and not name.startswith(".") and not lower.endswith(".excalidraw.md")


class NoteFilter:
    """Whether a vault-relative path is a note notelink works on: no hidden part, a
    note's name (:func:`is_note_name`), not under an ``exclude`` glob.

    >>> f = NoteFilter(["Archive/**"])
    >>> f.is_note("Ideas/Orbit.md"), f.is_note("Archive/Old.md"), f.is_note(".trash/Orbit.md")
    (True, False, False)
    >>> f.watched(".notelink.toml"), f.watched(".notelink/decisions.txt"), f.watched("Ideas/a.txt")
    (True, True, False)
    """

    def __init__(self, exclude: list[str]) -> None:
        self.patterns = [_glob_regex(p) for p in exclude]

    def excluded(self, rel: str) -> bool:
        """``rel`` or one of its parent folders matches an exclude glob."""
        return bool(self.patterns) and excluded(rel, self.patterns)

    def is_note(self, rel: str) -> bool:
        parts = rel.split("/")
        if any(p.startswith(".") or p in ("", "..") for p in parts) or not is_note_name(parts[-1]):
            return False
        return not self.excluded(rel)

    def watched(self, rel: str) -> bool:
        """A note, or a file whose change can change every note's section: the config
        and the decisions file."""
        return rel in (CONFIG_NAME, DECISIONS_PATH) or self.is_note(rel)


def shown(rel: str) -> str:
    """``rel`` printable whatever its bytes: a byte that is not UTF-8 is shown as ``\\xff``."""
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept by the file system encoding as surrogates
        return False
    return True


BAD_NAME = "name is not valid UTF-8; left alone (rename it)"


def scan(root: Path, config: Config, temps: list[Path] | None = None) -> tuple[list[NoteFile], list[str]]:
    """Every note of the vault, sorted by path, and a message for each file left out.

    Temp files a killed notelink left behind are added to ``temps`` when given."""
    check_root(root)
    notes_only = NoteFilter(config.exclude)
    real_root = root.resolve()
    notes: list[NoteFile] = []
    problems: list[str] = []
    root_str = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(root_str):
        reldir = os.path.relpath(dirpath, root_str)
        prefix = "" if reldir == "." else reldir.replace(os.sep, "/") + "/"
        for d in sorted(dirnames):
            if not d.startswith(".") and not _utf8(d):
                problems.append(f"{shown(prefix + d)}/: folder {BAD_NAME}")
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and _utf8(d))
        base = Path(dirpath)
        for name in sorted(filenames):
            if temps is not None and is_temp_name(name):
                temps.append(base / name)
            if not is_note_name(name):
                continue
            rel = prefix + name
            if not _utf8(name):
                problems.append(f"{shown(rel)}: file {BAD_NAME}")
                continue
            if notes_only.excluded(rel):
                continue
            note = _stat_note(base / name, rel, real_root, problems)
            if note is not None:
                notes.append(note)
    notes.sort(key=lambda n: n.rel)
    return notes, problems


def rescan(root: Path, config: Config, files: list[NoteFile], rels: set[str]) -> tuple[list[NoteFile], list[str]]:
    """``files`` (an earlier :func:`scan`) with just the notes at ``rels`` looked at
    again: the daemon's update from the paths its file events named. A path that is
    gone, hidden, excluded or not a note leaves the list."""
    check_root(root)
    notes_only = NoteFilter(config.exclude)
    real_root = root.resolve()
    by_rel = {f.rel: f for f in files if f.rel not in rels}
    problems: list[str] = []
    for rel in sorted(rels):
        if not notes_only.is_note(rel):
            continue
        parts = rel.split("/")
        if not _utf8(rel):
            if os.path.lexists(root.joinpath(*parts)):
                problems.append(f"{shown(rel)}: file {BAD_NAME}")
            continue
        path = root.joinpath(*parts)
        if path.parent.resolve() != real_root.joinpath(*parts[:-1]):
            continue  # inside a symlinked folder, which scan never follows
        if not os.path.lexists(path) or (path.is_dir() and not path.is_symlink()):
            continue  # gone, or a folder named like a note (scan walks into those)
        note = _stat_note(path, rel, real_root, problems)
        if note is not None:
            by_rel[rel] = note
    return sorted(by_rel.values(), key=lambda n: n.rel), problems


def _stat_note(path: Path, rel: str, real_root: Path, problems: list[str]) -> NoteFile | None:
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode):
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):  # dangling, or a loop
                problems.append(f"{rel}: broken symlink or symlink loop, left alone")
                return None
            if not target.is_relative_to(real_root):
                problems.append(f"{rel}: symlink to outside the vault, left alone")
            # A link to a note inside the vault: that note is processed as itself.
            return None
        if not stat.S_ISREG(st.st_mode):
            problems.append(f"{rel}: not a regular file, left alone")
            return None
    except OSError as e:
        problems.append(f"{rel}: cannot stat: {e.strerror}")
        return None
    return NoteFile(rel, path, st.st_size, st.st_mtime_ns)
