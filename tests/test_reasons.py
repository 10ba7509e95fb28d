"""Reasons a person trusts: never a function word or a number, in any language of the vault."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from notelink.rank.signals import FEATURES
from notelink.sync.engine import Engine, Options

SPANISH = ["compost", "semilla", "tomate", "raíz", "riego", "poda", "abono", "hoja", "maceta", "huerta", "suelo", "sol"]
ENGLISH = ["telescope", "planet", "orbit", "comet", "nebula", "galaxy", "lens", "mount", "moon", "sky"]


def mixed_vault(root: Path) -> Path:
    """30 Spanish notes and 10 English ones: each language's function words are in every
    note of it, and in at most a quarter of the vault."""
    root.mkdir(parents=True)
    for i in range(30):
        a, b = SPANISH[i % 12], SPANISH[(i + 1) % 12]
        extra = " entonces" if i in (0, 1) else ""  # a function word in too few notes for the vault's rule
        text = f"La {a} de la huerta y el {b} que se usa en los días de sol{extra}.\n"
        (root / f"nota {i}.md").write_text(text, encoding="utf-8")
    for i in range(10):
        a, b = ENGLISH[i], ENGLISH[(i + 1) % 10]
        text = f"The {a} of the night, seen by the {b}: we saw the {a} in the 1990s, zorb zorb.\n"
        (root / f"note {i}.md").write_text(text, encoding="utf-8")
    return root


def test_shared_words_are_never_function_words_or_numbers(tmp_path: Path) -> None:
    engine = Engine(mixed_vault(tmp_path / "v"), Options(method="tfidf"), cache_dir=str(tmp_path / "cache"))
    engine.refresh()
    index, scorer = engine.index(), engine.scorer()
    english = scorer.shared_words(index.pos["note 0.md"], index.pos["note 9.md"])
    assert english == ["telescope"]  # not "the", "of", "by", "we", "saw", "1990s" nor "zorb"
    spanish = scorer.shared_words(index.pos["nota 0.md"], index.pos["nota 1.md"])
    assert spanish == ["semilla"]  # not "entonces", "días", "huerta"


def test_a_word_in_every_note_of_a_minority_language_is_common(tmp_path: Path) -> None:
    """ "zorb" is in no list of function words: the vault's own rule finds it, by the share
    of the English notes that hold it (all), not of the vault (10 of 40)."""
    engine = Engine(mixed_vault(tmp_path / "v"), Options(method="tfidf"), cache_dir=str(tmp_path / "cache"))
    engine.refresh()
    index = engine.index()
    col = index.vocab
    assert index.language_notes[col["zorb"]] == 10 and index.reason_columns[col["zorb"]] == 0
    assert index.language_notes[col["compost"]] == 30 and index.reason_columns[col["compost"]] > 0


def test_the_strongest_kind_of_reason_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A mention and a link back come before the words and tags that raised the score more."""
    root = tmp_path / "v"
    root.mkdir()
    (root / "Sourdough Starter.md").write_text("Wild yeast culture for [[Bread]], fed with rye flour. #baking\n")
    (root / "Bread.md").write_text("Feed the sourdough starter with rye flour before baking. #baking\n")
    (root / "Other.md").write_text("Nothing in common here at all.\n")
    engine = Engine(root, Options(method="hybrid"), cache_dir=str(tmp_path / "cache"))
    engine.refresh()
    index, scorer = engine.index(), engine.scorer()
    order = {"tfidf": 4.0, "tags": 3.0, "mention": 2.0, "backlink": 1.0}
    share = np.array([order.get(name, -1.0) for name in FEATURES])
    monkeypatch.setattr(scorer.model, "contributions", lambda x: share.copy())
    assert scorer.reasons(index.pos["Bread.md"], index.pos["Sourdough Starter.md"]) == [
        'mentions "Sourdough Starter"',
        "links here",
    ]
    # When no signal raised the score, what the pair has still says why
    monkeypatch.setattr(scorer.model, "contributions", lambda x: -np.ones(len(FEATURES)))
    assert scorer.reasons(index.pos["Bread.md"], index.pos["Sourdough Starter.md"])[0].startswith("mentions")


def test_a_pair_with_nothing_else_in_common_says_the_words_of_their_names(tmp_path: Path) -> None:
    root = tmp_path / "v"
    (root / "plans").mkdir(parents=True)
    (root / "Garden Planning.md").write_text("---\ntags: [home]\n---\n", encoding="utf-8")  # no prose
    (root / "plans/Garden Tools.md").write_text("Rake and spade, oiled in winter.\n", encoding="utf-8")
    (root / "Walks by the River.md").write_text("We went there with the dog and it was so nice.\n", encoding="utf-8")
    (root / "plans/Songs by the Sea.md").write_text("---\ntags: [music]\n---\n", encoding="utf-8")
    engine = Engine(root, Options(method="hybrid"), cache_dir=str(tmp_path / "cache"))
    engine.refresh()
    index, scorer = engine.index(), engine.scorer()
    assert scorer.reasons(index.pos["Garden Planning.md"], index.pos["plans/Garden Tools.md"]) == ["shared: garden"]
    # never a function word, even from a name
    assert scorer.reasons(index.pos["Walks by the River.md"], index.pos["plans/Songs by the Sea.md"]) == []
