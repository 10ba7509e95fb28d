"""The rebuildable cache, kept outside the vault: model, note vectors, per-note state.

Default location: the platform's user cache folder (``~/.cache/notelink/<vault>`` on
Linux), one sub-folder per vault; ``--cache-dir`` or ``NOTELINK_CACHE_DIR`` moves it.
Everything is JSON or ``.npy`` loaded with ``allow_pickle=False``; deleting the folder
only costs a retrain, and a file cut short (a full disk, a crash) is treated as missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from notelink.disk.writer import write_file

CACHE_ENV = "NOTELINK_CACHE_DIR"
FORMAT = 1
# What loading a cut-short or damaged cache file raises: it is then treated as missing.
DAMAGED = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)


def cache_root(override: str | os.PathLike[str] | None = None) -> Path:
    if override:
        return Path(override)
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    import platformdirs

    return Path(platformdirs.user_cache_dir("notelink", appauthor=False))


def vault_cache(root: Path, override: str | os.PathLike[str] | None = None) -> Path:
    """This vault's folder in the cache: readable name plus a hash of its absolute path."""
    real = str(root.resolve())
    name = re.sub(r"[^\w.-]+", "_", root.resolve().name)[:40] or "vault"
    return cache_root(override) / f"{name}-{hashlib.sha256(real.encode()).hexdigest()[:12]}"


class Store:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def read_json(self, name: str) -> Any | None:
        path = self.folder / name
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        return data

    def write_json(self, name: str, data: dict[str, Any]) -> None:
        payload = {"format": FORMAT, **data}
        write_file(self.folder / name, lambda f: dump_json(payload, f))

    def remove(self, name: str) -> None:
        try:
            os.unlink(self.folder / name)
        except FileNotFoundError:
            pass

    def read_array(self, name: str) -> np.ndarray | None:
        try:
            return np.load(self.folder / name, allow_pickle=False)
        except DAMAGED:
            return None

    def write_array(self, name: str, array: np.ndarray) -> None:
        write_file(self.folder / name, lambda f: np.save(f, np.ascontiguousarray(array), allow_pickle=False))

    def write_arrays(self, name: str, **arrays: np.ndarray) -> None:
        """Several arrays in one ``.npz`` file, written atomically (straight to the file)."""
        write_file(self.folder / name, lambda f: np.savez(f, **arrays))

    def read_arrays(self, name: str) -> dict[str, np.ndarray] | None:
        try:
            with np.load(self.folder / name, allow_pickle=False) as data:
                return {key: data[key] for key in data.files}
        except DAMAGED:
            return None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dump_json(payload: dict[str, Any], f: BinaryIO) -> None:
    """``json.dumps(payload)`` (compact, UTF-8) written to ``f`` a top-level entry at a
    time, and a dict among them an item at a time: a large vault's pending writes
    never exist as one string.

    >>> import io
    >>> buf, data = io.BytesIO(), {"format": 1, "writes": {"a.md": ["h", ["- [ ] [[b]]"]]}, "order": ["é", 2]}
    >>> dump_json(data, buf)
    >>> buf.getvalue() == _dumps(data).encode("utf-8")
    True
    """
    f.write(b"{")
    for n, (key, value) in enumerate(payload.items()):
        f.write(f"{',' if n else ''}{_dumps(key)}:".encode())
        if isinstance(value, dict) and value:
            for m, (k, v) in enumerate(value.items()):
                f.write(f"{',' if m else '{'}{_dumps(k)}:{_dumps(v)}".encode())
            f.write(b"}")
        else:
            f.write(_dumps(value).encode())
    f.write(b"}")
