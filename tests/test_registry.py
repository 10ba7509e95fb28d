"""One registry of ranking methods: it agrees with the word-embedding registry, every
builder it names exists, and importing it (as the CLI does at startup) stays light."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import notelink.model.embed
from notelink.model.embed import EMBEDDERS
from notelink.rank import registry


def test_word_methods_are_the_embedding_methods() -> None:
    for module in pkgutil.iter_modules(notelink.model.embed.__path__):  # each method registers itself
        importlib.import_module(f"notelink.model.embed.{module.name}")
    assert set(registry.WORD_METHODS) == set(EMBEDDERS)
    for m in registry.REGISTRY.values():
        assert m.words is None or m.words in EMBEDDERS, m.name


def test_every_method_names_a_builder_and_a_description() -> None:
    for m in registry.REGISTRY.values():
        assert callable(m.builder()), m.name
        assert m.about and 0 < m.min_score < 1, m.name


def test_the_registry_imports_without_numpy() -> None:
    code = "import sys, notelink.cli, notelink.rank.registry; assert 'numpy' not in sys.modules, 'numpy imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
