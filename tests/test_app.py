"""The application layer used as a library, without the CLI: real files, real training."""

from __future__ import annotations

from pathlib import Path

import pytest

from notelink.app import Locked, NoSuchNote, Notelink, NotInVocabulary, Options
from notelink.app.session import Session


@pytest.fixture
def app(vault: Path, cache_dir: Path) -> Notelink:
    return Notelink(vault, str(cache_dir))


def test_sync_then_nothing_to_do(app: Notelink, vault: Path) -> None:
    first = app.sync(Options(method="tfidf"))
    assert first.changed and not first.unchanged and not first.problems
    assert "<!-- notelink:begin" in (vault / first.changed[0]).read_text(encoding="utf-8")
    assert set(first.stamps) == set(first.changed)
    again = app.sync()
    assert again.unchanged and again.changed == []


def test_a_dry_run_plans_without_writing(app: Notelink, vault: Path) -> None:
    before = {p: p.read_bytes() for p in vault.rglob("*.md")}
    done = app.sync(Options(method="tfidf"), dry_run=True)
    assert done.planned and done.changed == []
    assert all(p.lines for p in done.planned)
    assert {p: p.read_bytes() for p in vault.rglob("*.md")} == before


def test_related_search_words_and_status(app: Notelink) -> None:
    app.sync()
    rel, related = app.related("Hydration", limit=3)
    assert rel == "kitchen/bread/Hydration.md"
    assert 0 < len(related) <= 3 and rel not in {r.note for r in related}
    assert [r.score for r in related] == sorted((r.score for r in related), reverse=True)
    found = app.search("telescope mirrors", limit=3)
    assert found and found[0].note.startswith("sky/")
    words = app.words("telescopes", limit=2)
    assert len(words) == 2 and "telescopes" not in {w.word for w in words}
    status = app.status()
    assert status.synced and status.out_of_date == [] and status.notes == len(list(app.root.rglob("*.md"))) - 1


def test_unknown_note_and_word_are_named(app: Notelink) -> None:
    app.sync(Options(method="tfidf"))
    with pytest.raises(NoSuchNote, match="no note 'Nowhere'"):
        app.related("Nowhere")
    app.sync(Options(method="sgns"))
    with pytest.raises(NotInVocabulary, match="'zyzzyva' is not in the vault's vocabulary"):
        app.words("zyzzyva")


def test_reject_and_accept_are_recorded_and_followed(app: Notelink, vault: Path) -> None:
    app.sync(Options(method="tfidf"))
    rel, related = app.related("Hydration", limit=1, options=Options(method="tfidf"))
    other = related[0].note
    assert app.reject("Hydration", other) is True
    assert app.reject("Hydration", other) is False  # recorded already
    text = (vault / ".notelink/decisions.txt").read_text(encoding="utf-8")
    assert f"reject\t{rel}\t{other}\n" in text
    app.sync()
    _, after = app.related("Hydration", limit=5)
    assert after and other not in {r.note for r in after}
    section = (vault / rel).read_text(encoding="utf-8").split("<!-- notelink:begin", 1)[-1]
    assert Path(other).stem not in section
    assert app.accept("Hydration", other) is True
    text = (vault / ".notelink/decisions.txt").read_text(encoding="utf-8")
    assert f"accept\t{rel}\t{other}\n" in text and f"reject\t{rel}\t{other}\n" not in text


def test_a_session_updates_the_notes_it_is_told_about(vault: Path, cache_dir: Path) -> None:
    session = Session(vault, Options(method="tfidf"), str(cache_dir))
    session.acquire()
    try:
        assert session.open().changed
        with pytest.raises(Locked):
            Notelink(vault, str(cache_dir)).sync()  # the session holds the vault
        assert session.update({"kitchen/Focaccia.md"}).unchanged
        note = vault / "kitchen/Focaccia.md"
        note.write_text("# Focaccia\n\nTelescopes, comets and the Moon.\n", encoding="utf-8")
        done = session.update({"kitchen/Focaccia.md"})
        assert done.read == 1 and "kitchen/Focaccia.md" in done.changed
        assert done.stamps["kitchen/Focaccia.md"][0] == note.stat().st_size
        section = note.read_text(encoding="utf-8").split("<!-- notelink:begin", 1)[1]
        assert "[[Telescopes]]" in section or "[[Moon Phases]]" in section
        held = session.update(None, held=lambda rels: set(rels))  # every note "being edited"
        assert held.changed == []
    finally:
        session.close()
    assert Notelink(vault, str(cache_dir)).sync().problems == []
