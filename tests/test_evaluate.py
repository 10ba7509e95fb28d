"""The held-out-links protocol, checked on small vaults worked out by hand."""

from __future__ import annotations

import json
import math
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from test_hybrid import make_vault
from test_progress import Recording

from notelink.app import Notelink
from notelink.cli import main
from notelink.evaluate import Result, bootstrap_ci, evaluate, make_split, ndcg_at, occurrences, score
from notelink.rank import index as index_module
from notelink.rank import signals
from notelink.rank.topk import first_k
from notelink.sync.engine import Engine, Options

from conftest import snapshot


def test_occurrences_follow_the_protocols_link_definition() -> None:
    text = (
        "---\nup: '[[InFrontmatter]]'\n---\n"
        "A [[T1]] and [[T2|alias]] and [[T3#Head]] and ![[Embed]] and `[[Inline]]`.\n"
        "| a | b |\n|---|---|\n| [[T4\\|tab]] | x |\n"
        "```\n[[Fenced]]\n```\n"
    )
    found = [(t, a) for _, _, t, a in occurrences(text)]
    assert found == [("T1", None), ("T2", "alias"), ("T3", None), ("T4", "tab")]
    for start, end, target, _ in occurrences(text):
        assert text[start:end].startswith("[[" + target)


def write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_split_and_rewrites_follow_the_protocol(tmp_path: Path) -> None:
    files = {
        "a.md": "See [[B]] and [[c|the C]] and [[D]], again [[B]].\n",
        "B.md": "Only [[a]].\n",  # one target: not a query
        "c.md": "To [[a]] and [[B]] and [[Missing]] and [[c]].\n",  # missing and self do not count
        "D.md": "nothing\n",
    }
    root = write(tmp_path / "v", files)
    rng = random.Random(13)
    held_a = set(rng.sample(["B.md", "D.md", "c.md"], 1))  # n=3: k=int(0.9+0.5)=1
    held_c = set(rng.sample(["B.md", "a.md"], 1))  # n=2: k=int(0.6+0.5)=1
    split_a = make_split(root, "A")
    assert split_a.queries == {"a.md": held_a, "c.md": held_c}
    shown = {"B.md": "B", "c.md": "the C", "D.md": "D"}
    expected = files["a.md"]
    for target in held_a:
        link = {"B.md": "[[B]]", "c.md": "[[c|the C]]", "D.md": "[[D]]"}[target]
        expected = expected.replace(link, shown[target])
    assert split_a.texts["a.md"] == expected
    split_a2 = make_split(root, "A2")
    assert split_a2.queries == split_a.queries
    for target in held_a:
        link = {"B.md": "[[B]]", "c.md": "[[c|the C]]", "D.md": "[[D]]"}[target]
        assert link not in split_a2.texts["a.md"] and shown[target] not in split_a2.texts["a.md"].replace(
            "[[" + shown[target], ""
        )
    assert split_a.remaining["a.md"] == {"B.md", "c.md", "D.md"} - held_a


def test_metrics() -> None:
    assert ndcg_at([0, 0, 0], 2) == 0.0
    assert ndcg_at([1, 1], 2) == 1.0
    low, high = bootstrap_ci([0.2, 0.4, 0.6, 0.8])
    assert low <= 0.5 <= high


def test_evaluate_never_touches_the_vault(vault: Path) -> None:
    before = snapshot(vault)
    results = evaluate(vault, ["tfidf", "hybrid"], "A")
    assert snapshot(vault) == before
    for r in results:
        assert r.queries == len(make_split(vault, "A").queries) > 0
        assert 0 <= r.ndcg10 <= 1 and 0 <= r.recall5 <= r.recall10 <= 1 and 0 <= r.mrr <= 1
        assert r.ndcg10_ci[0] <= r.ndcg10 <= r.ndcg10_ci[1]


def test_evaluate_cli_json(vault: Path) -> None:
    result = CliRunner().invoke(main, ["evaluate", str(vault), "--method", "tfidf", "--protocol", "A2", "--json"])
    assert result.exit_code == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert set(row) == {"method", "protocol", "queries", "held_out", "recall@5", "recall@10", "mrr", "ndcg@10",
                        "ndcg@10_ci95", "seconds"}  # fmt: skip
    assert row["protocol"] == "A2"


def test_first_k_is_a_full_sorts_head_even_among_ties() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 40))
        s = rng.integers(0, 4, n).astype(np.float64)  # few values: ties everywhere
        s[rng.random(n) < 0.2] = -np.inf
        k = int(rng.integers(0, n + 2))
        full = sorted((j for j in range(n) if s[j] > -np.inf), key=lambda j: (-s[j], j))
        assert first_k(s, k).tolist() == full[:k], (s.tolist(), k)


def islands_vault(root: Path) -> Path:
    """Topic notes, plus notes that share no word with any other: their score rows are
    mostly ties, so the 10 best and the first hit's rank depend on the tie-break."""
    make_vault(root, n=60)
    for i in range(12):
        links = " ".join(f"[[island {(i + d) % 12}]]" for d in (1, 2, 5))
        (root / f"island {i}.md").write_text(f"# island {i}\n\nword{i}a word{i}b\n{links}\n", encoding="utf-8")
    return root


def full_sort_result(root: Path, tmp: Path, method: str, protocol: str, use_binary: bool = False) -> Result:
    """The reference: every query's complete ranking, sorted, then scored."""
    split = make_split(root, protocol)
    copy = tmp / "copy"
    shutil.copytree(root, copy)
    for rel, text in split.texts.items():
        (copy / rel).write_text(text, encoding="utf-8")
    engine = Engine(copy, Options(method=method, binary=use_binary), cache_dir=str(tmp / "ref-cache"))
    engine.refresh()
    index, scorer = engine.index(), engine.scorer()
    rows = [index.pos[q] for q in split.queries]
    full = scorer.rank(rows, len(index), [set() for _ in index.order], -math.inf)
    ranked = {index.order[i]: [index.order[j] for j, _ in r] for i, r in zip(rows, full, strict=True)}
    return score(method, protocol, ranked, split, 0.0)


@pytest.mark.parametrize(
    ("method", "protocol", "use_binary"),
    [("tfidf", "A", False), ("hybrid", "A", False), ("hybrid", "A2", False), ("randproj", "A", True)],
)
def test_figures_from_score_rows_equal_a_full_sort(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str, protocol: str, use_binary: bool
) -> None:
    monkeypatch.setattr(index_module, "EXACT_BELOW", 0)  # the large-vault path: the hybrid ranks candidates first
    monkeypatch.setattr(signals, "EXACT_BELOW", 0)
    root = islands_vault(tmp_path / "v")
    (got,) = evaluate(root, [method], protocol, use_binary=use_binary)
    want = full_sort_result(root, tmp_path, method, protocol, use_binary)
    assert got.per_query == want.per_query
    assert {**got.as_dict(), "seconds": 0} == {**want.as_dict(), "seconds": 0}
    assert 0 < got.mrr < 1 and 0 < got.ndcg10 < 1


def test_evaluate_shows_each_phase(tmp_path: Path) -> None:
    progress = Recording()  # as the CLI's, on a terminal
    Notelink(make_vault(tmp_path / "v", n=30), str(tmp_path / "cache"), progress).evaluate(["tfidf"], "A")
    queries = len(make_split(tmp_path / "v", "A").queries)
    for name in ("split", "copying the vault", "tfidf: reading notes", f"tfidf: ranking {queries:,} queries"):
        fractions = progress.seen.get(name)
        assert fractions, f"{name} never said how far it was"
        assert all(0 <= f <= 1.0001 for f in fractions) and fractions == sorted(fractions), name
        assert name in progress.timings
