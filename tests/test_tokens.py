"""Tokens in every script: what notelink takes as the words of a note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notelink.text.tokens import VERSION, name_tokens, tokenize

CASES = {
    "hindi": ("नमस्ते दुनिया, हिंदी में लिखा", ["नमस्ते", "दुनिया", "हिंदी", "में", "लिखा"]),
    "bengali": ("আমি বাংলায় গান গাই", ["আমি", "বাংলায়", "গান", "গাই"]),
    "thai": ("ภาษาไทย", ["ภา", "าษ", "ษา", "าไ", "ไท", "ทย"]),
    "chinese": ("机器学习很有趣", ["机器", "器学", "学习", "习很", "很有", "有趣"]),
    "japanese": ("東京に行きます", ["東京", "京に", "に行", "行き", "きま", "ます"]),
    "katakana": ("コンピューター", ["コン", "ンピ", "ピュ", "ュー", "ータ", "ター"]),
    "korean": ("안녕하세요 세계", ["안녕하세요", "세계"]),
    "russian": ("Привет, мир! Ёлка", ["привет", "мир", "ёлка"]),
    "greek": ("Ελληνικά γράμματα", ["ελληνικά", "γράμματα"]),
    "german": ("Die Straße und die Übergröße", ["die", "strasse", "und", "die", "übergrösse"]),
    "mixed": ("Word2Vec 学习 in 2013, a test", ["word2vec", "学习", "in", "test"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_words_of_every_script(name: str) -> None:
    text, expected = CASES[name]
    assert tokenize(text) == expected


def test_a_mark_never_splits_a_word_even_decomposed() -> None:
    # "é" as e + U+0301, and a Devanagari word whose vowel signs are marks
    assert tokenize("cafe\u0301 noir") == ["café", "noir"]
    assert all(len(t) > 1 for t in tokenize("किताब पढ़ना"))


def test_a_name_is_found_inside_a_longer_run_of_unspaced_text() -> None:
    name, text = name_tokens("機械学習"), name_tokens("深層機械学習は面白い")
    assert any(text[i : i + len(name)] == name for i in range(len(text)))


def test_single_han_character_and_numbers() -> None:
    assert tokenize("猫") == ["猫"]
    assert tokenize("第3章") == ["第", "章"]
    assert name_tokens("第12章") == ["第", "12", "章"]


def test_a_cache_made_with_other_tokens_is_read_again_and_retrained(tmp_path: Path, vault: Path) -> None:
    from notelink.sync.engine import Engine, Options, sync

    cache = str(tmp_path / "c")
    sync(Engine(vault, Options(dim=16), cache_dir=cache))
    state_file = next(Path(cache).rglob("state.json"))
    state = json.loads(state_file.read_text())
    state["settings"]["tokens"] = VERSION - 1
    state_file.write_text(json.dumps(state))
    report, _ = sync(Engine(vault, Options(dim=16), cache_dir=cache))
    assert report.read == report.notes > 0 and report.trained
    again, _ = sync(Engine(vault, Options(dim=16), cache_dir=cache), quick=True)
    assert again.unchanged_run


VAULT = {
    "机器学习.md": "# 机器学习\n\n机器学习是人工智能的一个分支，模型从数据中学习规律。\n",
    "深度学习.md": "# 深度学习\n\n深度学习使用神经网络，从大量数据中学习特征，是机器学习的方法。\n",
    "红烧肉.md": "# 红烧肉\n\n红烧肉用五花肉、酱油和冰糖慢慢炖煮，味道香甜。\n",
    "ภาษาไทย.md": "# ภาษาไทย\n\nภาษาไทยเป็นภาษาราชการของประเทศไทย\n",
    "ประเทศไทย.md": "# ประเทศไทย\n\nประเทศไทยมีภาษาไทยเป็นภาษาราชการ และมีอาหารอร่อย\n",
}


def test_notes_in_unspaced_scripts_find_each_other(tmp_path: Path) -> None:
    from notelink.app import Notelink, Options

    root = tmp_path / "v"
    root.mkdir()
    for name, text in VAULT.items():
        (root / name).write_text(text, encoding="utf-8")
    app = Notelink(root, str(tmp_path / "c"))
    _, related = app.related("机器学习", limit=4, options=Options(method="tfidf"))
    assert related[0].note == "深度学习.md" and related[0].score > 0.1
    assert {r.note for r in related[:1]}.isdisjoint({"红烧肉.md"})
    _, related = app.related("ภาษาไทย", limit=4, options=Options(method="tfidf"))
    assert related[0].note == "ประเทศไทย.md"


def test_an_upgrade_of_the_tokens_keeps_a_rejection_made_just_before(tmp_path: Path, vault: Path) -> None:
    from notelink.disk.decisions import Decisions
    from notelink.sync.engine import Engine, Options, sync
    from notelink.text import section, suggestions

    cache = str(tmp_path / "c")
    sync(Engine(vault, Options(method="tfidf"), cache_dir=cache))
    note = vault / "kitchen/bread/Hydration.md"
    text = note.read_text(encoding="utf-8")
    first = next(line for line in section.split(text)[1] if suggestions.parse_item(line))
    note.write_text(text.replace(first + "\n", ""), encoding="utf-8")  # the owner deletes a suggestion
    state_file = next(Path(cache).rglob("state.json"))
    state = json.loads(state_file.read_text())
    state["settings"]["tokens"] = VERSION - 1  # and then upgrades notelink
    state_file.write_text(json.dumps(state))
    sync(Engine(vault, Options(method="tfidf"), cache_dir=cache))
    assert Decisions.load(vault).rejected("kitchen/bread/Hydration.md")
