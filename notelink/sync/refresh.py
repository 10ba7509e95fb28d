"""The first stage of a run: the vault's notes as records, reading only those whose
size or mtime changed, and following notes that were renamed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from notelink.disk.decisions import Decisions
from notelink.disk.writer import remove_stale_temps
from notelink.progress import Progress
from notelink.text.record import NoteRecord
from notelink.vault.config import Config
from notelink.vault.reading import Got, read_notes, read_one
from notelink.vault.scan import NoteFile, rescan, scan

NO_TOKENS = np.zeros(0, np.int32)


@dataclass
class Report:
    """What a run did, for the command to say."""

    notes: int = 0
    vocab: int = 0
    trained: bool = False
    train_seconds: float = 0.0
    read: int = 0
    changed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "path: problem" for each note skipped
    unchanged_run: bool = False  # nothing in the vault changed since the last sync
    renamed: list[tuple[str, str]] = field(default_factory=list)
    retry: set[str] = field(default_factory=set)  # notes whose section is still due (not written)

    @property
    def skipped(self) -> int:
        return len(self.problems)


@dataclass
class Read:
    """What a run keeps of a note it read: its record and its words (ids)."""

    record: NoteRecord
    tokens: np.ndarray  # ids into Reader.lexicon, in text order


class Reader:
    """Reads notes into records for one run, and keeps what it read (:class:`Read`)."""

    def __init__(self, max_note_bytes: int, report: Report, pending: dict[str, list[Any]]) -> None:
        self.max_note_bytes = max_note_bytes
        self.report = report
        self.pending = pending  # rel → [file hash, lines, targets, written] of writes not yet saved
        self.loaded: dict[str, Read] = {}  # the notes read (and parsed) this run
        self.lexicon: dict[str, int] = {}  # every word read this run → its id in Read.tokens

    def read(
        self, files: list[NoteFile], records: dict[str, NoteRecord], progress: Callable[[int], None], all_: bool = False
    ) -> tuple[dict[str, NoteRecord], int]:
        """The records of ``files``: the old ones (``records``) where the file is the same,
        read anew where not (every one with ``all_``), what notelink wrote carried over;
        and how many notes' text changed."""
        drift = 0
        new_records: dict[str, NoteRecord] = {}
        same = {nf.rel: rec for nf in files if (rec := records.get(nf.rel)) is not None and rec.same_file(nf)}
        kept = {} if all_ else same
        reads = read_notes([nf for nf in files if nf.rel not in kept], self.max_note_bytes, self.lexicon)
        try:
            for i, nf in enumerate(files):
                old = records.get(nf.rel)
                if nf.rel in kept:
                    new_records[nf.rel] = kept[nf.rel]
                else:
                    read_nf, got = next(reads)
                    assert read_nf is nf
                    record = self.take(nf, got)
                    if record is not None:
                        new_records[nf.rel] = self.own_write(carry_over(record, old))
                        if old is None or old.body_hash != record.body_hash:
                            drift += 1
                progress(i + 1)
        finally:
            reads.close()  # stops the worker processes, if the loop was left early (Ctrl-C)
        return new_records, drift

    def take(self, nf: NoteFile, got: Got) -> NoteRecord | None:
        """What reading ``nf`` gave (:mod:`notelink.vault.reading`): its record, or None and a problem."""
        if isinstance(got, str):
            self.report.problems.append(f"{nf.rel}: {got}")
            return None
        record, tokens = got
        # Kept for the run: the record and the words as ids (not the text: a cold run
        # of a large vault would hold every note twice over).
        self.loaded[nf.rel] = Read(record, tokens)
        self.report.read += 1
        return record

    def docs(self, files: list[NoteFile], rels: list[str]) -> list[Read]:
        """The notes ``rels`` as read this run, reading those not read yet."""
        by_rel = {f.rel: f for f in files}
        out = []
        for rel in rels:
            if rel not in self.loaded:
                self.take(by_rel[rel], read_one(by_rel[rel], self.max_note_bytes, self.lexicon))
            if rel in self.loaded:
                out.append(self.loaded[rel])
        return out

    def own_write(self, rec: NoteRecord) -> NoteRecord:
        """A note as an interrupted run of notelink left it (written, but the cache not
        saved): what it offers is what that run wrote, not lines the user deleted."""
        pending = self.pending.get(rec.rel)
        if pending is not None and pending[0] == rec.file_hash:
            rec.offered, rec.offered_targets = list(pending[1]), list(pending[2])
            rec.written = list(pending[3]) if len(pending) > 3 else []
        return rec

    def text_changed(self, records: dict[str, NoteRecord], previous: dict[str, NoteRecord]) -> set[str]:
        """Notes read this run whose text outside the section is new or changed."""
        return {
            rel
            for rel in self.loaded
            if rel in records and (rel not in previous or previous[rel].body_hash != records[rel].body_hash)
        }


def carry_over(new: NoteRecord, old: NoteRecord | None) -> NoteRecord:
    """What notelink offered in a note, kept when the note is read again."""
    if old is not None:
        new.offered, new.offered_targets, new.floor = old.offered, old.offered_targets, old.floor
        new.written = old.written
    return new


def follow_renames(
    old: dict[str, NoteRecord], new: dict[str, NoteRecord], decisions: Decisions, report: Report
) -> None:
    """A note that left one path and appeared at another with the same text was
    renamed: its review decisions follow it, and so do the ones about it."""
    arrived: dict[str, list[str]] = {}
    for rel, rec in new.items():
        if rel not in old:
            arrived.setdefault(rec.body_hash, []).append(rel)
    for gone in sorted(set(old) - set(new)):
        matches = arrived.get(old[gone].body_hash, [])
        if len(matches) == 1:
            moved = matches[0]
            decisions.rename(gone, moved)
            report.renamed.append((gone, moved))
            rec = new[moved]
            rec.offered, rec.offered_targets = old[gone].offered, old[gone].offered_targets
            rec.written = old[gone].written


def scan_vault(
    root: Path, config: Config, files: list[NoteFile] | None, only: set[str] | None, dry_run: bool
) -> tuple[list[NoteFile], list[str]]:
    """The vault's notes: ``files`` (the last scan) with the paths ``only`` looked at
    again, or (without either) a scan of the whole vault, which also removes the temp
    files a killed run left (not in a dry run)."""
    if only is not None and files is not None:
        return rescan(root, config, files, only)
    temps: list[Path] = []
    found, problems = scan(root, config, temps)
    for folder in sorted({t.parent for t in temps}):
        if not dry_run:
            remove_stale_temps(folder, root)
    return found, problems


def training_due(model: Any, state: dict[str, Any], retrain: bool, drift: int, fraction: float) -> tuple[bool, int]:
    """Whether the word model is due a (re)train, and the drift to keep: the notes whose
    text changed since it was trained, against ``fraction`` of the notes it was trained on."""
    trained_on = int(state.get("trained_notes", 0))
    if model is not None and state.get("model_id") != model.model_id:
        # Trained by another run (``related`` on a changed vault): measure drift anew.
        drift, trained_on = 0, model.notes
    return model is None or retrain or drift >= max(1, fraction * trained_on), drift


def train(
    reader: Reader, files: list[NoteFile], records: dict[str, NoteRecord], params: Any, progress: Progress
) -> tuple[dict[str, NoteRecord], Any]:
    """Train the word model on every note (reading those not read yet); the records as
    read, and the model."""
    from notelink.model.train import train_ids
    from notelink.rank.index import VaultIndex

    docs = reader.docs(files, sorted(records))
    records = {d.record.rel: carry_over(d.record, records.get(d.record.rel)) for d in docs}
    stage = progress.stage("training", 1)
    model = train_ids(
        [d.tokens for d in docs],
        list(reader.lexicon),
        vector_counts=(VaultIndex.semantic_counts(d.record) for d in docs),
        progress=lambda f: stage.update(f),
        **(params or {}),
    )
    stage.done()
    for d in docs:  # the words were for training only: let the run's memory go
        d.tokens = NO_TOKENS
    return records, model
