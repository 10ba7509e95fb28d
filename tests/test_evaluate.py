"""The held-out-links protocol, checked on small vaults worked out by hand."""

from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner

from notelink.cli import main
from notelink.evaluate import bootstrap_ci, evaluate, make_split, ndcg_at, occurrences

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
