"""Unlinked mentions mean what the owner meant: a short or oddly cased name is mentioned
only by its own spelling."""

from __future__ import annotations

from pathlib import Path

from notelink.sync.engine import Engine, Options

NOTES = {
    "Stack Overflow.md": "---\naliases: [SO]\n---\nA site of questions and answers about programming.\n",
    "Go.md": "# Go\n\nA programming language with goroutines.\n",
    "MAAS.md": "Metal as a service: bare servers provisioned like cloud machines.\n",
    "Systems.md": "How parts work together.\n",
    "Casual.md": "So I went home, and we go out to see the systems of the maas village.\n",
    "Asked.md": "I asked on SO yesterday, then wrote it in Go; MAAS booted the servers. Systems matter.\n",
}


def mentions(tmp_path: Path) -> dict[str, set[str]]:
    root = tmp_path / "v"
    root.mkdir()
    for name, text in NOTES.items():
        (root / name).write_text(text, encoding="utf-8")
    engine = Engine(root, Options(method="tfidf"), cache_dir=str(tmp_path / "c"))
    engine.refresh()
    index = engine.index()
    m = index.mentions
    return {rel: {index.order[j] for j in m[index.pos[rel]].indices} for rel in ("Casual.md", "Asked.md")}


def test_short_and_oddly_cased_names_need_their_own_spelling(tmp_path: Path) -> None:
    found = mentions(tmp_path)
    assert found["Casual.md"] == {"Systems.md"}  # "so", "go", "maas": ordinary words here
    assert found["Asked.md"] == {"Stack Overflow.md", "Go.md", "MAAS.md", "Systems.md"}
