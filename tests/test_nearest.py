"""Candidate lists for large vaults: what they must hold, and that ranking through them
gives what scoring every pair gives when they cover the vault."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_hybrid import make_vault

from notelink.rank import index as index_module
from notelink.rank import nearest, signals
from notelink.sync.engine import Engine, Options


def _engine(root: Path, tmp: Path) -> Engine:
    engine = Engine(root, Options(), cache_dir=str(tmp / "cache"))
    engine.refresh()
    return engine


def _large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any vault take the large-vault path (candidate lists)."""
    monkeypatch.setattr(index_module, "EXACT_BELOW", 0)
    monkeypatch.setattr(signals, "EXACT_BELOW", 0)


def test_candidates_hold_each_signals_best(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _engine(make_vault(tmp_path / "v", n=30), tmp_path)
    idx = engine.index()
    _large(monkeypatch)
    monkeypatch.setattr(nearest, "PER_SIGNAL", 3)
    rows = list(range(len(idx)))
    cands = signals.candidates_many(idx, rows)
    for i, c in zip(rows, cands, strict=True):
        assert i not in c and list(c) == sorted(set(c.tolist()))
        lsa = idx.lsa[i] @ idx.lsa.T
        lsa[i] = -np.inf
        assert int(np.argmax(lsa)) in c
        sem = idx.semantic[i] @ idx.semantic.T
        sem[i] = -np.inf
        assert int(np.argmax(sem)) in c
        linking_here = set(idx.adjacency_t[i].indices.tolist()) - {i}
        assert len(linking_here & set(c.tolist())) >= min(3, len(linking_here))  # links weigh most in the graph list
        assert len(c) < len(idx) - 1  # a short list, not everyone


def test_ranking_through_candidates_equals_scoring_everyone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vault: Path
) -> None:
    """With lists longer than the vault, the candidate path must give exactly the ranking
    and neighbours of scoring every pair (so nothing is lost or misaligned on the way)."""
    exact = _engine(vault, tmp_path)
    want = exact.ranking()
    want_nbr = exact.index().neighbours
    _large(monkeypatch)
    monkeypatch.setattr(index_module, "NEIGHBOURS", 10)
    approx = Engine(vault, Options(), cache_dir=str(tmp_path / "cache"))
    approx.refresh()
    got = approx.ranking()
    assert got.keys() == want.keys()
    for rel in want:
        assert [t for t, _ in got[rel]] == [t for t, _ in want[rel]], rel
        assert np.allclose([s for _, s in got[rel]], [s for _, s in want[rel]], atol=1e-5)
    got_nbr = approx.index().neighbours
    same = [set(a) == set(b) for a, b in zip(got_nbr[0].tolist(), want_nbr[0].tolist(), strict=True)]
    assert np.mean(same) > 0.9  # 40 candidates of 48 notes: the exact ten are nearly always among them


def test_text_lists_are_kept_from_the_neighbours_and_dropped_on_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _large(monkeypatch)
    monkeypatch.setattr(nearest, "PER_SIGNAL", 5)
    engine = _engine(make_vault(tmp_path / "v", n=30), tmp_path)
    idx = engine.index()
    assert "text_picks" in idx.__dict__  # computed once, with the neighbours
    rows = [0, 7, 19]
    fresh = idx.text_candidates(idx.tfidf[rows], idx.lsa[rows], np.array(rows), 5)
    assert [c.tolist() for c in idx.text_candidates_of(rows)] == [c.tolist() for c in fresh]
    rec = idx.records[7]
    changed = type(rec)(**{**rec.to_json(), "terms": {"flour": 3, "yeast": 2}})
    updated = idx.updated({**{r.rel: r for r in idx.records}, rec.rel: changed})
    assert updated is not None and "text_picks" not in updated.__dict__
