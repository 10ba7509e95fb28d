from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from notelink.cli import main


def test_search_finds_by_meaning_and_words_with_a_snippet(vault: Path) -> None:
    result = CliRunner().invoke(main, ["search", "wild yeast culture for bread", "--vault", str(vault), "--json"])
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert set(rows[0]) == {"note", "title", "score", "snippet"}
    assert rows[0]["note"] == "kitchen/bread/Sourdough Starter.md"
    assert "yeast" in rows[0]["snippet"]
    assert not rows[0]["snippet"].startswith("aliases")  # frontmatter is not a snippet
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
