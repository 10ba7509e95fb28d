"""A small update of the index gives the same matrices as building it anew."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from notelink.rank.index import VaultIndex
from notelink.sync.engine import Engine, Options
from notelink.vault.read import load_note
from notelink.vault.scan import NoteFile


def test_updated_rows_equal_a_fresh_build(vault: Path, tmp_path: Path) -> None:
    engine = Engine(vault, Options(), cache_dir=str(tmp_path / "cache"))
    engine.refresh()
    old = engine.index()
    for name in ("tfidf", "lsa", "semantic", "mentions", "out_links", "neighbours", "adjacency"):
        getattr(old, name)  # computed before the update, as in a daemon
    note = vault / "sky/Binoculars.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nSee [[Telescopes]] and the Sourdough Starter.\n")
    st = note.stat()
    rec = load_note(NoteFile("sky/Binoculars.md", note, st.st_size, st.st_mtime_ns), 10**7).record
    records = {**{r.rel: r for r in old.records}, rec.rel: rec}
    updated = old.updated(records)
    fresh = VaultIndex(records, engine.model, 0, None, old.text_model())
    assert updated is not None
    i = old.pos[rec.rel]
    assert np.allclose(updated.tfidf.toarray(), fresh.tfidf.toarray())
    assert np.allclose(updated.lsa, fresh.lsa, atol=1e-5)
    assert np.allclose(updated.semantic, fresh.semantic, atol=1e-5)
    assert np.allclose(updated.mentions.toarray(), fresh.mentions.toarray())
    assert np.allclose(updated.anchor, fresh.anchor) and updated.anchor_rate == fresh.anchor_rate
    assert updated.out_links == fresh.out_links
    assert np.allclose(updated.adjacency.toarray(), fresh.adjacency.toarray())
    assert set(updated.neighbours[0][i]) == set(fresh.neighbours[0][i])
    assert updated.mentions[i, old.pos["kitchen/bread/Sourdough Starter.md"]] > 0
    # a new title changes every note's mentions: no shortcut then
    renamed = {**records, rec.rel: type(rec)(**{**rec.to_json(), "title": "Field Glasses"})}
    assert old.updated(renamed) is None


def _record(tmp_path: Path, rel: str, text: str) -> object:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    return load_note(NoteFile(rel, path, st.st_size, st.st_mtime_ns), 10**7).record


def test_a_name_with_a_number_is_only_mentioned_whole(tmp_path: Path) -> None:
    """ "Meeting 2024-01-15" is mentioned by its whole name, not by "meeting" alone;
    several notes sharing a one-word name are each mentioned."""
    texts = {
        "Meeting 2024-01-15.md": "budget review\n",
        "Meeting 2024-02-01.md": "hiring plan\n",
        "a/Plan B.md": "fallback\n",
        "b/Plan B.md": "fallback too\n",
        "Diary.md": "A meeting about plan b. At the meeting 2024-01-15 we agreed.\n",
    }
    records = {rel: _record(tmp_path, rel, text) for rel, text in texts.items()}
    index = VaultIndex(records)
    diary = index.pos["Diary.md"]
    mentioned = {index.order[j] for j in index.mentions[diary].indices}
    assert mentioned == {"Meeting 2024-01-15.md", "a/Plan B.md", "b/Plan B.md"}
