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


def test_a_name_that_is_an_ordinary_word_has_a_low_link_probability(tmp_path: Path) -> None:
    """A name seen everywhere and hardly ever linked (Systems) weighs less than one its
    owner links wherever it is named (Palette); a training link does not count for itself."""
    import numpy as np

    from notelink.rank.hybrid import unlinked_anchor

    root = tmp_path / "v"
    root.mkdir()
    (root / "Systems.md").write_text("How parts work together.\n", encoding="utf-8")
    (root / "Palette.md").write_text("The list of every command.\n", encoding="utf-8")
    for k in range(6):
        text = f"Open the [[Palette]] for task {k}; our systems team reviews it. Palette again.\n"
        (root / f"Task {k}.md").write_text(text, encoding="utf-8")
    (root / "Link.md").write_text("See [[Systems]] here.\n", encoding="utf-8")
    engine = Engine(root, Options(method="tfidf"), cache_dir=str(tmp_path / "c"))
    engine.refresh()
    index = engine.index()
    systems, palette, task = index.pos["Systems.md"], index.pos["Palette.md"], index.pos["Task 0.md"]
    linked, named = index.anchor_counts
    assert (linked[systems], named[systems]) == (1, 7)
    assert (linked[palette], named[palette]) == (6, 6)
    share = index.link_share(linked, named)
    assert share[systems] < 0.3 < 0.7 < share[palette]
    assert index.anchor[systems] < 0 < index.anchor[palette]  # log odds against the vault's rate
    alone = unlinked_anchor(index, np.array([task]), np.array([palette]), np.array([1.0]))[0]
    assert alone < index.anchor[palette]  # as if Task 0 did not link Palette: 5 of 6


def _mentioned(tmp_path: Path, notes: dict[str, str], source: str) -> set[str]:
    root = tmp_path / "v"
    root.mkdir()
    for name, text in notes.items():
        (root / name).write_text(text, encoding="utf-8")
    engine = Engine(root, Options(method="tfidf"), cache_dir=str(tmp_path / "c"))
    engine.refresh()
    index = engine.index()
    return {index.order[j] for j in index.mentions[index.pos[source]].indices}


def test_plurals_and_accents_fold_in_a_spanish_vault(tmp_path: Path) -> None:
    notes = {
        "Redes Neuronales.md": "Las redes de neuronas artificiales que aprenden de los datos.\n",
        "Física Cuántica.md": "La teoría de las partículas.\n",
        "Apuntes.md": "Hoy vimos la red neuronal de la clase y los problemas de fisica cuantica en el laboratorio.\n",
    }
    assert _mentioned(tmp_path, notes, "Apuntes.md") == {"Redes Neuronales.md", "Física Cuántica.md"}


def test_a_one_word_name_keeps_its_plural(tmp_path: Path) -> None:
    notes = {
        "News.md": "What the papers say.\n",
        "Neural Networks.md": "Layers of weights that learn.\n",
        "Log.md": "The new idea: train a neural network on the data of the week, and it is good.\n",
    }
    assert _mentioned(tmp_path, notes, "Log.md") == {"Neural Networks.md"}  # "new" is not News
