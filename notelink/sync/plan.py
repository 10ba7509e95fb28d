"""The planning stage: review the sections the owner edited, rank, and work out every
note whose file must change (:class:`Change`); nothing is written here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notelink.disk.decisions import Decisions
from notelink.errors import ReadError
from notelink.progress import Progress
from notelink.sync import review
from notelink.sync.ranking import Ranker
from notelink.sync.refresh import Report
from notelink.sync.settings import Settings
from notelink.text import section, suggestions
from notelink.text.links import Resolver
from notelink.text.record import NoteRecord, sha
from notelink.vault.read import read_bytes
from notelink.vault.scan import NoteFile

COMPOSE_CHUNK = 512  # notes whose sections are composed together (their reasons: one feature pass)


@dataclass
class Change:
    rel: str
    old: str  # SHA-256 of the bytes the new ones replace (not the bytes: a cold run holds every note's)
    lines: list[str]  # the section's lines; the new bytes are made again from the file when written
    new_hash: str  # SHA-256 of the new bytes
    record: NoteRecord
    offered: list[str]  # the unticked lines the new bytes hold
    offered_targets: list[str]
    ours: Callable[[str], bool]  # which unticked lines of the old block are notelink's (replaced)
    written: list[list[Any]]  # [raw target, note, ticked] of the lines notelink vouches for in the new block


@dataclass
class Planner:
    """Plans one run's sections from its records, its ranking and the owner's decisions."""

    root: Path
    settings: Settings
    records: dict[str, NoteRecord]
    decisions: Decisions
    report: Report
    progress: Progress
    verdicts: dict[str, review.Verdict] = field(default_factory=dict)  # the blocks reviewed this run
    decided: set[str] = field(default_factory=set)  # notes whose review changed a decision this run

    def verdict(self, rel: str, resolver: Resolver) -> review.Verdict:
        """What the note's block, as its record saw it, proves (:mod:`notelink.sync.review`)."""
        rec = self.records[rel]
        if not rec.has_section:
            return review.Verdict(False)
        accepted = self.decisions.accepted(rel)
        items = [(t, bool(ticked)) for t, ticked in rec.items]
        links = self.body_links(rel, resolver)
        return review.of_block(
            rel, rec.block_digest, items, rec.written, accepted, resolver, links, dict(self.report.renamed)
        )

    def body_links(self, rel: str, resolver: Resolver) -> set[str]:
        """The notes that ``rel``'s text outside the section links to."""
        return {t for raw in self.records[rel].links if (t := resolver.resolve(raw, rel)) is not None}

    def review(self, rel: str, resolver: Resolver) -> None:
        """Turn the owner's edits of a re-read section into decisions: only what the block
        proves (:mod:`notelink.sync.review`)."""
        verdict = self.verdict(rel, resolver)
        self.verdicts[rel] = verdict
        if verdict.record(self.decisions, rel):
            self.decided.add(rel)

    def plan(self, ranker: Ranker, read: set[str], ranked: set[str]) -> list[Change]:
        """Every note whose file must change; the notes ranked (their records change) are
        added to ``ranked`` first."""
        resolver = ranker.resolver()
        for rel in sorted(read):
            if rel in self.records:
                self.review(rel, resolver)
        affected = ranker.affected()
        stage = self.progress.stage("ranking", 1)
        ranks = ranker.ranking(affected, progress=stage.update)
        stage.done()
        stage = self.progress.stage("composing sections", len(ranks) + 1)
        ranked.update(ranks)
        scorer = ranker.scorer()
        top_k, min_score = self.settings.top_k, self.settings.min_score
        threshold = min_score if min_score is not None else scorer.default_min_score
        changes: list[Change] = []
        rels = sorted(ranks)
        for start in range(0, len(rels), COMPOSE_CHUNK):
            # A chunk of notes at a time: the reasons of every new line in it computed
            # together (one feature pass), and let go before the next chunk.
            picked: dict[str, tuple[list[tuple[str, float]], list[str] | None]] = {}
            for rel in rels[start : start + COMPOSE_CHUNK]:
                rec = self.records[rel]
                ranked = ranks[rel]
                rec.floor = ranked[-1][1] if len(ranked) >= top_k else threshold
                # A note with no prose and no links (frontmatter only, an empty template) says
                # nothing to relate it by: no suggestions.
                picks = ranked if rec.enabled and (rec.terms or rec.links) else []
                kept = list(zip(rec.offered_targets, rec.offered, strict=False))
                same = {t for t, _ in picks} == set(rec.offered_targets) and len(kept) == len(picks)
                if same and all(resolver.link_text(t, rel) in line for t, line in kept):
                    # Same notes as on disk: keep their lines, so a nudge in scores or word
                    # statistics never rewrites a note (fewer writes, fewer sync conflicts).
                    picked[rel] = ([(t, 0.0) for t in rec.offered_targets], rec.offered)
                else:
                    picked[rel] = (picks, None)
            index = ranker.index()
            fresh = [(rel, t) for rel, (picks, lines) in picked.items() if lines is None for t, _ in picks]
            said = scorer.reasons_many([(index.pos[a], index.pos[b]) for a, b in fresh])
            reasons = dict(zip(fresh, said, strict=True))
            for n, (rel, (picks, lines)) in enumerate(picked.items()):
                stage.update(start + n)
                if lines is None:
                    line = suggestions.suggestion_line
                    lines = [line(resolver.link_text(t, rel), reasons[(rel, t)]) for t, _ in picks]
                change = self.compose(rel, picks, lines, resolver, rel in read)
                if change is not None:
                    changes.append(change)
        stage.done()
        return changes

    def compose(
        self, rel: str, picks: list[tuple[str, float]], lines: list[str], resolver: Resolver, read: bool
    ) -> Change | None:
        """The note with its section made of ``lines`` (and, in a note without a section,
        its accepted suggestions), as a change if its bytes differ. ``read``: the note
        was read this run."""
        rec = self.records[rel]
        restore: list[str] = []
        restored: list[list[Any]] = []
        if not rec.has_section:  # after ``clean``: accepted suggestions come back ticked
            linked = self.body_links(rel, resolver)
            for t in sorted(self.decisions.accepted(rel) - linked):
                if t in self.records and t != rel:
                    restore.append(suggestions.suggestion_line(resolver.link_text(t, rel), [], ticked=True))
                    restored.append([suggestions.link_target(resolver.link_text(t, rel)), t, True])
        legacy = rec.has_section and rec.block_digest is None
        if not read and lines == rec.offered and not restore and not legacy:
            return None
        current = self.reread(rel)
        if current is None:
            return None
        data, text = current
        verdict = self.verdicts.get(rel) or self.verdict(rel, resolver)
        ours = verdict.ours(rec.offered)
        targets = [t for t, _ in picks]
        offered = [[suggestions.link_target(line), t, False] for line, t in zip(lines, targets, strict=True)]
        vouched = [list(v) for v in verdict.vouched]
        written = restored + vouched + offered
        heading = self.settings.config.heading
        new = suggestions.render(rel, text, heading, restore + lines, ours, written).encode("utf-8")
        if new == data:
            rec.offered, rec.offered_targets, rec.written = lines, targets, written
        elif section.remove(new.decode("utf-8")) != section.remove(text):
            # The equivalence check: outside the section, not one byte may differ.
            self.report.problems.append(f"{rel}: internal error, refusing a write that would change the note")
            self.report.retry.add(rel)
        else:
            # What notelink offered changes only once the write succeeds.
            return Change(rel, sha(data), restore + lines, sha(new), rec, lines, targets, ours, written)
        return None

    def reread(self, rel: str) -> tuple[bytes, str] | None:
        """The note's bytes and text, read again to be written; None (and
        a retry next run) if they are no longer what its record was made from."""
        try:
            current = read_as(self.root, rel, self.records[rel].file_hash, self.settings.config.max_note_bytes)
        except ReadError:
            current = None
        if current is None:
            self.report.problems.append(f"{rel}: changed during sync; left alone, retried next run")
            self.report.retry.add(rel)
        return current


def read_as(root: Path, rel: str, expected: str, limit: int) -> tuple[bytes, str] | None:
    """The note's bytes and text if its SHA-256 is still ``expected`` (None if not;
    ReadError if it cannot be read)."""
    data = read_bytes(NoteFile(rel, root / rel, 0, 0), limit)
    if sha(data) != expected:
        return None
    return data, data.decode("utf-8")
