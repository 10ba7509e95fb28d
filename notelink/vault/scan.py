"""The vault on disk: which files are notes, the optional ``.notelink.toml``, reading a note.

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

import difflib
import errno
import math
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from notelink.disk.writer import READ_FLAGS, TMP_SUFFIX, open_folder
from notelink.text.section import is_heading

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


KNOWN_KEYS = ("exclude", "heading", "top_k", "min_score", "max_note_bytes")


def load_config(root: Path) -> Config:
    """Read ``.notelink.toml`` at the vault root (all keys optional, at the top level or
    under ``[notelink]``). One that exists but is not a readable regular file, or that
    holds a key notelink does not know, stops the run: its settings are never dropped
    in silence."""
    path = root / CONFIG_NAME
    try:
        raw = _read_config(path)
    except OSError as e:
        raise VaultError(f"{path}: cannot read the config: {e.strerror or e}") from None
    if raw is None:
        return Config()
    try:
        data = tomllib.loads(raw.decode("utf-8").removeprefix("\ufeff"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise VaultError(f"{path}: malformed config: {e}") from None
    table = data.get("notelink")
    unknown = [k for k in data if k not in KNOWN_KEYS and not (k == "notelink" and isinstance(table, dict))]
    if isinstance(table, dict):
        unknown += [k for k in table if k not in KNOWN_KEYS]
    if unknown:
        key = unknown[0]
        close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise VaultError(f"{path}: unknown key '{key}'; {hint}known keys: {', '.join(KNOWN_KEYS)}")
    data = data.get("notelink", data)
    cfg = Config()
    exclude = data.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(x, str) for x in exclude):
        raise VaultError(f"{path}: 'exclude' must be a list of glob strings")
    cfg.exclude = exclude
    heading = data.get("heading", DEFAULT_HEADING)
    if not isinstance(heading, str) or re.search(r"[\x00-\x1f\x7f]", heading) or not is_heading(heading):
        raise VaultError(f"{path}: 'heading' must be one Markdown heading line, like '## Related'")
    cfg.heading = heading
    for key in ("top_k", "max_note_bytes"):
        if key in data:
            if not isinstance(data[key], int) or isinstance(data[key], bool) or data[key] < 0:
                raise VaultError(f"{path}: '{key}' must be a whole number ≥ 0")
            setattr(cfg, key, data[key])
    if "min_score" in data:
        value = data["min_score"]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise VaultError(f"{path}: 'min_score' must be a number")
        cfg.min_score = float(data["min_score"])
    return cfg


def _read_config(path: Path) -> bytes | None:
    """The config's bytes, None when there is none; never through a symlink, never
    waiting on a FIFO."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):  # none, or no vault folder (which the scan says)
        return None
    if stat.S_ISLNK(st.st_mode):
        raise OSError(errno.ELOOP, "it is a symlink; the config must be a regular file in the vault")
    if stat.S_ISDIR(st.st_mode):
        raise OSError(errno.EISDIR, "it is a folder, not a file")
    fd = os.open(path, READ_FLAGS)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a FIFO or device?)")
        return f.read()


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
    """A Markdown note's name: ``*.md``, not a dot-file, not an Excalidraw drawing
    (``*.excalidraw.md`` holds a drawing's data, not prose)."""
    lower = name.lower()
    return lower.endswith(".md") and not name.startswith(".") and not lower.endswith(".excalidraw.md")


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
    patterns = [_glob_regex(p) for p in config.exclude]
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
            if temps is not None and name.startswith(".") and name.endswith(TMP_SUFFIX):
                temps.append(base / name)
            if not is_note_name(name):
                continue
            rel = prefix + name
            if not _utf8(name):
                problems.append(f"{shown(rel)}: file {BAD_NAME}")
                continue
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
    check_root(root)
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


def check_root(root: Path) -> None:
    """:class:`VaultError` unless ``root`` is a folder (a vault)."""
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
    """The note's bytes, read without following a symlink, neither the note's nor a
    folder's between the vault and it (one swapped in since the scan is refused), and
    never waiting on a FIFO; :class:`ReadError` says why not."""
    parts = note.rel.split("/")
    try:
        folder = _note_folder(note.path, parts)
        try:
            # Through open() (its opener does the work relative to the folder fd).
            f = open(note.path, "rb", opener=lambda _path, _flags: os.open(parts[-1], READ_FLAGS, dir_fd=folder))
        finally:
            os.close(folder)
        with f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise ReadError("not a regular file now; left alone")
            if st.st_size > limit:
                raise ReadError(f"file is {st.st_size / 1e6:.1f} MB, over the {limit / 1e6:.1f} MB limit")
            return f.read(limit + 1)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ReadError("is a symlink now; not followed, left alone") from None
        raise ReadError(f"cannot read: {e.strerror or e}") from None


def _note_folder(path: Path, parts: list[str]) -> int:
    """An fd of the note's folder, opened from the vault root down without following a
    symlink (the vault is ``path`` less the note's vault-relative parts)."""
    if len(path.parts) >= len(parts) and list(path.parts[len(path.parts) - len(parts) :]) == parts:
        root = Path(*path.parts[: len(path.parts) - len(parts)]) if len(path.parts) > len(parts) else Path(".")
        return open_folder(root, parts[:-1])
    return os.open(path.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
