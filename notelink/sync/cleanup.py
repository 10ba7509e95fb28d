"""``notelink clean``: take notelink's section out of every note, keeping what is the owner's.

Before a block goes, what the owner decided in it is recorded (ticks, and deletions the
block proves: :mod:`notelink.sync.review`), and the lines the owner typed in it stay in the
note where the block was. If the decisions cannot be saved, the notes that made them
are left as they are. Notes excluded since the last sync are cleaned too. No model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from notelink.disk.decisions import DECISIONS_PATH, Decisions
from notelink.disk.recordlog import RecordLog
from notelink.disk.store import vault_cache
from notelink.disk.writer import Conflict, WriteError, replace_note
from notelink.errors import ReadError
from notelink.sync import review
from notelink.text import section, suggestions
from notelink.text.links import Resolver, stem
from notelink.text.parse import NoteError, parse_note
from notelink.text.record import NoteRecord
from notelink.vault.config import load_config
from notelink.vault.read import decode, read_bytes
from notelink.vault.scan import NoteFile, scan

MAX_BLOCKS = 16  # blocks taken out of one note


def _cached_records(root: Path, cache_dir: str | None) -> dict[str, NoteRecord]:
    """What the last sync remembers of each note (empty when there is no usable cache)."""
    try:
        return RecordLog(vault_cache(root, cache_dir)).load(NoteRecord.from_json)
    except Exception:  # a cache is rebuildable; clean works without one
        return {}


def kept_lines(
    body: list[str], verdict: review.Verdict, offered: list[str], accepted: Callable[[str], bool] = lambda t: False
) -> list[str]:
    """The lines of a block that are the owner's: not the heading, not blank, not
    notelink's unticked suggestions, not ticks recorded as decisions (``accepted`` tells,
    for a raw link target, whether its acceptance is recorded).

    >>> body = ["## H", "", "- [ ] [[A]] — x", "- [ ] [[B]] TODO", "- [x] [[C]]", "mine"]
    >>> kept_lines(body, review.Verdict(False), [])
    ['- [ ] [[B]] TODO', '- [x] [[C]]', 'mine']
    """
    ours = verdict.ours(offered)
    h = suggestions.heading_index(body)
    out: list[str] = []
    at = 0
    for group in suggestions.groups(body):
        first, at = at, at + len(group)
        line = suggestions.joined(group)
        if first == h or not line.strip() or ours(line):
            continue
        item = suggestions.parse_item(line)
        if item is not None and item.checked and (item.target in verdict.known or accepted(item.target)):
            continue  # recorded as accepted: it comes back on the next sync
        out.extend(group)
    return out


def clean_vault(root: Path, cache_dir: str | None = None) -> tuple[int, list[str]]:
    """Remove the section from every note that has one; (notes cleaned, problems)."""
    config = load_config(root)
    files, problems = scan(root, replace(config, exclude=[]))
    records = _cached_records(root, cache_dir)
    resolver = Resolver([f.rel for f in files])
    decisions = Decisions.load(root)
    planned: list[tuple[NoteFile, bytes, str, bool]] = []
    for nf in files:
        try:
            data = read_bytes(nf, config.max_note_bytes)
            text = decode(data, config.max_note_bytes)
        except ReadError as e:
            problems.append(f"{nf.rel}: {e}")
            continue
        before = set(decisions.entries)
        new = text
        for _ in range(MAX_BLOCKS):  # every block: two after a "merge file", say
            prefix, loc, suffix = section.parts(new)
            if loc is None:
                break
            try:
                links = parse_note(prefix + suffix, stem(nf.rel)).links
            except NoteError as e:
                problems.append(f"{nf.rel}: {e}")
                new = text
                break
            rec = records.get(nf.rel)
            verdict = _verdict(nf.rel, loc, rec, decisions, resolver, {link.target for link in links if link.target})
            verdict.record(decisions, nf.rel)
            written_as = functools.partial(resolver.link_text, source=nf.rel)
            accepted = set(review.raw_targets(decisions.accepted(nf.rel), written_as).values())
            new = section.clean(new, kept_lines(loc.body, verdict, rec.offered if rec else [], accepted.__contains__))
        if new != text:
            planned.append((nf, data, new, decisions.entries != before))
    saved = True
    try:
        decisions.save(root)
    except (Conflict, WriteError, OSError) as e:
        problems.append(f"{DECISIONS_PATH}: {e}")
        saved = False
    cleaned = 0
    for nf, data, new, decided in planned:
        if decided and not saved:
            problems.append(f"{nf.rel}: left as it is, so the decisions in its section are not lost")
            continue
        try:
            replace_note(nf.path, data, new.encode("utf-8"), root=root)
        except (Conflict, WriteError) as e:
            problems.append(f"{nf.rel}: {e}")
            continue
        cleaned += 1
    return cleaned, problems


def _verdict(
    rel: str,
    loc: section.Located,
    rec: NoteRecord | None,
    decisions: Decisions,
    resolver: Resolver,
    raw_links: set[str],
) -> review.Verdict:
    items = [(i.target, i.checked) for i in suggestions.items(loc.body)]
    body_links = {t for raw in raw_links if (t := resolver.resolve(raw, rel)) is not None}
    written = rec.written if rec is not None else []
    return review.of_block(rel, loc.digest, items, written, decisions.accepted(rel), resolver, body_links)
