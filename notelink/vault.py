"""The vault on disk: which files are notes, the optional ``.notelink.toml``, reading a note.

What is skipped: dot-folders (``.obsidian/``, ``.trash/``, ``.git/``, ``.notelink/`` …),
dot-files, anything not ending in ``.md``, anything that is not a regular file, the
``exclude`` globs of ``.notelink.toml``, and symlinks: a symlinked note is never
read or written (one pointing inside the vault is that note again, which is
processed under its own name; one pointing outside gets a message), and symlinked
folders are never followed (no loops, no way out).
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from notelink.writer import TMP_SUFFIX

CONFIG_NAME = ".notelink.toml"
DEFAULT_HEADING = "## Additional Connections"
MAX_NOTE_BYTES = 8 * 1024 * 1024


class VaultError(Exception):
    """The whole run cannot go on (missing vault, bad config)."""


class ReadError(Exception):
    """One note cannot be read or decoded; the message names the problem."""


@dataclass(frozen=True)
class NoteFile:
    rel: str  # vault-relative path with "/" separators, as the file system spells it
    path: Path
    size: int
    mtime_ns: int


@dataclass
class Config:
    exclude: list[str] = field(default_factory=list)
    heading: str = DEFAULT_HEADING
    top_k: int | None = None
    min_score: float | None = None
    max_note_bytes: int = MAX_NOTE_BYTES


def load_config(root: Path) -> Config:
    """Read ``.notelink.toml`` at the vault root (all keys optional)."""
    path = root / CONFIG_NAME
    if not path.is_file():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise VaultError(f"{path}: malformed config: {e}") from None
    data = data.get("notelink", data)
    cfg = Config()
    exclude = data.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
        raise VaultError(f"{path}: 'exclude' must be a list of glob strings")
    cfg.exclude = exclude
    heading = data.get("heading", DEFAULT_HEADING)
    if not isinstance(heading, str) or "\n" in heading or not heading.lstrip().startswith("#"):
        raise VaultError(f"{path}: 'heading' must be one Markdown heading line, like '## Related'")
    cfg.heading = heading
    for key in ("top_k", "max_note_bytes"):
        if key in data:
            if not isinstance(data[key], int) or data[key] < 0:
                raise VaultError(f"{path}: '{key}' must be a whole number ≥ 0")
            setattr(cfg, key, data[key])
    if "min_score" in data:
        if not isinstance(data["min_score"], (int, float)):
            raise VaultError(f"{path}: 'min_score' must be a number")
        cfg.min_score = float(data["min_score"])
    return cfg


def _glob_regex(pattern: str) -> re.Pattern[str]:
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
    return name.lower().endswith(".md") and not name.startswith(".")


def scan(root: Path, config: Config, temps: list[Path] | None = None) -> tuple[list[NoteFile], list[str]]:
    """Every note of the vault, sorted by path, and a message for each file left out.

    Temp files a killed notelink left behind are added to ``temps`` when given."""
    _check_root(root)
    patterns = [_glob_regex(p) for p in config.exclude]
    real_root = root.resolve()
    notes: list[NoteFile] = []
    problems: list[str] = []
    root_str = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(root_str):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        reldir = os.path.relpath(dirpath, root_str)
        prefix = "" if reldir == "." else reldir.replace(os.sep, "/") + "/"
        base = Path(dirpath)
        for name in sorted(filenames):
            if temps is not None and name.startswith(".") and name.endswith(TMP_SUFFIX):
                temps.append(base / name)
            if not is_note_name(name):
                continue
            rel = prefix + name
            if patterns and excluded(rel, patterns):
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
    _check_root(root)
    patterns = [_glob_regex(p) for p in config.exclude]
    real_root = root.resolve()
    by_rel = {f.rel: f for f in files if f.rel not in rels}
    problems: list[str] = []
    for rel in sorted(rels):
        parts = rel.split("/")
        if any(p.startswith(".") or p in ("", "..") for p in parts) or not is_note_name(parts[-1]):
            continue
        if patterns and excluded(rel, patterns):
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


def _check_root(root: Path) -> None:
    if not root.exists():
        raise VaultError(f"{root}: vault folder does not exist")
    if not root.is_dir():
        raise VaultError(f"{root}: not a folder; a vault is a folder of Markdown notes")


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


def decode(data: bytes, limit: int = MAX_NOTE_BYTES) -> str:
    """The text of a note's bytes, or :class:`ReadError` saying why not."""
    if len(data) > limit:
        raise ReadError(f"file is {len(data) / 1e6:.1f} MB, over the {limit / 1e6:.1f} MB limit")
    nul = data.find(b"\0")
    if nul >= 0:
        raise ReadError(f"binary file, not Markdown (NUL byte at offset {nul})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ReadError(f"invalid UTF-8 at byte {e.start}") from None


def read_bytes(note: NoteFile, limit: int = MAX_NOTE_BYTES) -> bytes:
    try:
        st = os.stat(note.path)
        if st.st_size > limit:
            raise ReadError(f"file is {st.st_size / 1e6:.1f} MB, over the {limit / 1e6:.1f} MB limit")
        with open(note.path, "rb") as f:
            return f.read(limit + 1)
    except OSError as e:
        raise ReadError(f"cannot read: {e.strerror or e}") from None
