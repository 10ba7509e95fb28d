"""The vault's optional settings file, ``.notelink.toml``, read strictly: a key notelink
does not know or a value it cannot use stops the run instead of being dropped."""

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

from notelink.disk.writer import READ_FLAGS
from notelink.errors import VaultError
from notelink.text.suggestions import is_heading

CONFIG_NAME = ".notelink.toml"
DEFAULT_HEADING = "## Additional Connections"
MAX_NOTE_BYTES = 8 * 1024 * 1024


@dataclass
class Config:
    exclude: list[str] = field(default_factory=list)
    heading: str = DEFAULT_HEADING
    top_k: int | None = None
    min_score: float | None = None
    max_note_bytes: int = MAX_NOTE_BYTES
    pretrained: bool | None = None  # False: never use the optional pretrained sentence model on this vault


KNOWN_KEYS = ("exclude", "heading", "top_k", "min_score", "max_note_bytes", "pretrained")


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
    if "pretrained" in data:
        if not isinstance(data["pretrained"], bool):
            raise VaultError(f"{path}: 'pretrained' must be true or false")
        cfg.pretrained = data["pretrained"]
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
