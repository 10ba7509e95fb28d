"""Document similarity as Lee et al. (2005) measures it: each document a note of a
temporary vault, each pair scored as notelink scores two notes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np


def document_similarity(
    docs: list[str], pairs: list[tuple[int, int]], method: str, seed: int = 0, background: list[str] | None = None
) -> np.ndarray:
    """Score document pairs with a method, as Lee et al. (2005) asks: each document is
    written as a note of a temporary vault (``background`` documents too, for
    training), and each pair is scored as notelink would score the two notes."""
    from notelink.sync.engine import Engine, Options

    with tempfile.TemporaryDirectory(prefix="notelink-docs-") as tmp:
        root = Path(tmp) / "vault"
        (root / "docs").mkdir(parents=True)
        (root / "background").mkdir()
        for i, text in enumerate(docs):
            (root / "docs" / f"d{i:04d}.md").write_text(text, encoding="utf-8")
        for i, text in enumerate(background or []):
            (root / "background" / f"b{i:04d}.md").write_text(text, encoding="utf-8")
        engine = Engine(root, Options(method=method, seed=seed), cache_dir=str(Path(tmp) / "cache"))
        engine.refresh()
        index, scorer = engine.index(), engine.scorer()
        rows = [index.pos[f"docs/d{i:04d}.md"] for i in range(len(docs))]
        scores = scorer.score_rows(rows)
        return np.array([scores[a, rows[b]] for a, b in pairs], np.float64)


def lee(data: Path, method: str, seed: int = 0) -> tuple[float, float]:
    """(Pearson, Spearman) of a method's scores with the Lee corpus's human ratings."""
    from scipy.stats import pearsonr, spearmanr

    docs = (data / "lee.cor").read_text(encoding="latin-1").splitlines()
    background = (data / "lee_background.cor").read_text(encoding="latin-1").splitlines()
    matrix = [[float(x) for x in line.split()] for line in (data / "similarities0-1.txt").read_text().splitlines()]
    pairs = [(a, b) for a in range(len(docs)) for b in range(a + 1, len(docs))]
    gold = np.array([matrix[a][b] for a, b in pairs])
    got = document_similarity(docs, pairs, method, seed, background)
    return float(pearsonr(got, gold)[0]), float(spearmanr(got, gold)[0])
