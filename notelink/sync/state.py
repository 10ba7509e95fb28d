"""What a sync leaves in the cache for the next run: the state file, the notes'
records, the writes under way, the index's matrices and the word model.

All of it is rebuildable: a lost or damaged cache costs a slower run, never a note.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from notelink.disk.decisions import DECISIONS_PATH
from notelink.disk.recordlog import RecordLog
from notelink.disk.store import Store
from notelink.text.record import NoteRecord
from notelink.vault.scan import NoteFile

STATE = "state.json"
INDEX_ARRAYS, INDEX_META = "index.npz", "index.json"  # the matrices of the last sync (Cache.kept_index)
PENDING = "pending.json"  # sections being written, until the cache that records them is saved


class Cache:
    """One vault's cache folder, as a sync reads and writes it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.log = RecordLog(store.folder)
        self._encoder: Any = None

    def encoder(self) -> Any:
        """The pretrained sentence model's encoder (:mod:`notelink.model.pretrained`),
        its vectors kept in this folder by text hash."""
        if self._encoder is None:
            from notelink.model.pretrained import Encoder

            self._encoder = Encoder(self.store)
        return self._encoder

    def read_state(self) -> dict[str, Any]:
        return self.store.read_json(STATE) or {}

    def write_state(self, state: dict[str, Any]) -> None:
        """The state file, after the pretrained vectors this run used (if it used any)."""
        if self._encoder is not None:
            self._encoder.save()
        self.store.write_json(STATE, state)

    def load_records(self) -> dict[str, NoteRecord]:
        try:
            return self.log.load(NoteRecord.from_json)
        except TypeError:
            return {}  # a cache from another version: rebuilt

    def save_records(self, records: dict[str, NoteRecord], changed: list[str], gone: set[str]) -> None:
        """Write the records that changed, in that order, and drop the gone ones (see
        :mod:`notelink.disk.recordlog`)."""
        order = sorted(records)
        lines = _Lines({rel: records[rel] for rel in changed})
        self.log.save(lines, gone, lambda: (record_json(records[r]) for r in order))

    def read_pending(self) -> dict[str, list[Any]]:
        return (self.store.read_json(PENDING) or {}).get("writes", {})

    def say_pending(self, pending: dict[str, list[Any]]) -> None:
        """Said before the first write, so a run stopped after it is understood."""
        self.store.write_json(PENDING, {"writes": pending})

    def clear_pending(self) -> None:
        self.store.remove(PENDING)

    def stored_model(self, params: dict[str, Any] | None) -> Any:
        """The cached word model, if it is the one ``params`` ask for."""
        if params is None:
            return None
        from notelink.model import persist

        model = persist.load(self.store, params["method"])
        return model if model is not None and model.params == params else None

    def text_model(self) -> Any:
        from notelink.rank.text_matrices import TextModel

        return TextModel.load(self.store)

    def kept_index(self, stamp: str | None, records: dict[str, NoteRecord], make: Callable[[Any], Any]) -> Any:
        """The index matrices the last complete sync saved (``stamp`` names them), for
        the notes as it saw them (``records``); ``make(text_model)`` builds the empty
        index they go into. None if they are not that sync's."""
        from notelink.rank import index as index_module

        meta = self.store.read_json(INDEX_META)
        if not meta or meta.get("stamp") != stamp or meta.get("order") != sorted(records):
            return None
        arrays = self.store.read_arrays(INDEX_ARRAYS)
        text = self.text_model()
        if arrays is None or text is None:
            return None
        try:
            return index_module.restore(make(text), arrays)
        except (KeyError, ValueError):
            return None

    def save_index(self, index: Any) -> str | None:
        """Keep the index's matrices for the next run; the stamp that names them."""
        from notelink.rank import index as index_module

        if index is None or not len(index):
            return None
        arrays = index_module.dump(index)
        if arrays is None:
            return None
        stamp = secrets.token_hex(8)
        self.store.write_arrays(INDEX_ARRAYS, **arrays)
        self.store.write_json(INDEX_META, {"stamp": stamp, "order": index.order})
        return stamp


def run_state(run: Any, synced: bool, hybrid: Any) -> dict[str, Any]:
    """The state file a run leaves (``run``: the engine; ``hybrid``: its fitted weights)."""
    return {
        "settings": run.settings.as_dict(),
        "synced": synced,
        "problems": bool(run.report.problems),
        "retry": sorted(run.report.retry),
        "decisions_stamp": run.decisions_stamp(),
        "model_id": run.model.model_id if run.model is not None else None,
        "hybrid": hybrid.describe() if hybrid is not None else None,
        "hybrid_model": hybrid.to_json() if hybrid is not None else None,
        "trained_notes": run.state.get("trained_notes", 0),
        "drift": run.state.get("drift", 0),
        "synced_at": time.time(),
        # The notes as the records say they are on disk now (after this run's writes).
        "files": digest((rel, rec.size, rec.mtime_ns) for rel, rec in run.records.items()),
    }


def other_tokens(state: dict[str, Any], version: int) -> bool:
    """Whether the cache's records were cut into words by another version of the tokens."""
    last = state.get("settings", {})
    return bool(last) and last.get("tokens") != version


def decisions_stamp(root: Path) -> list[int] | None:
    """The decisions file's size and mtime: a change means the user edited it."""
    try:
        st = os.stat(root / DECISIONS_PATH)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def unchanged(
    state: dict[str, Any], settings: dict[str, Any], stamp: list[int] | None, files: list[NoteFile], records: Any
) -> bool:
    """True when the last sync finished and no note, setting or decision changed since."""
    if not state.get("synced") or state.get("settings") != settings:
        return False
    if state.get("decisions_stamp") != stamp or state.get("retry"):
        return False
    if [f.rel for f in files] != sorted(records):
        return False
    return all(records[f.rel].same_file(f) for f in files) and not state.get("problems")


def unchanged_at_a_glance(
    state: dict[str, Any], settings: dict[str, Any], stamp: list[int] | None, files: list[NoteFile]
) -> bool:
    """:func:`unchanged` from the state file alone (a digest of every note's path, size
    and mtime), without loading the notes' records."""
    s = state
    if not s.get("synced") or s.get("settings") != settings or s.get("problems") or s.get("retry"):
        return False
    return s.get("decisions_stamp") == stamp and s.get("files") == digest((f.rel, f.size, f.mtime_ns) for f in files)


def digest(stamps: Iterable[tuple[str, int, int]]) -> str:
    """One hash of every note's (path, size, mtime): equal digests, unchanged vault."""
    h = hashlib.sha256()
    for rel, size, mtime_ns in sorted(stamps):
        h.update(f"{rel}\0{size}\0{mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def record_json(rec: NoteRecord) -> str:
    return json.dumps(rec.to_cache(), ensure_ascii=False, separators=(",", ":"))


class _Lines(Mapping[str, str]):
    """Records by path, each made into its JSON line only when asked for: a cold run
    of a large vault never holds every record's line at once."""

    def __init__(self, records: dict[str, NoteRecord]) -> None:
        self.records = records

    def __getitem__(self, rel: str) -> str:
        return record_json(self.records[rel])

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)
