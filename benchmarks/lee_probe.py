"""Why the hybrid's Lee et al. (2005) correlation is what it is: its signals one by one.

    python benchmarks/lee_probe.py [--lee ../shared/data/lee] [--pretrained-weights W ...]
                                   [--seed S] [--dim D] [--epochs E]

Builds the vault that ``notelink.evaluate.lee`` builds (50 documents, 300 background),
scores the 1,225 pairs with the hybrid, and prints: whether every pair was scored by
the model (no note outside the candidates), each active signal's own Pearson, its
spread and fixed weight, the Pearson of the model's logit and of its score, and the
best linear combination of the signals fitted on the human ratings themselves (an
upper bound no choice of weights can pass). With the pretrained extra in use, and
``--pretrained-weights``: the hybrid score's Pearson with the ``pretrained`` signal's
fixed weight set to each of these instead. ``--seed``, ``--dim`` and ``--epochs`` (the
word vectors' training passes, instead of the trainer's own choice) show how much of
the result is the seed and the word model's settings.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path

import numpy as np
from scipy.stats import pearsonr

import notelink.model.embed.sgns as sgns
from notelink.rank.signals import FEATURES, candidates_many, pair_features
from notelink.sync.engine import Engine, Options

ROOT = Path(__file__).resolve().parent.parent


def lee_vault(data: Path, root: Path) -> tuple[int, np.ndarray, list[tuple[int, int]]]:
    """The documents written as notes (as ``evaluate.document_similarity`` does); (n, gold, pairs)."""
    docs = (data / "lee.cor").read_text(encoding="latin-1").splitlines()
    background = (data / "lee_background.cor").read_text(encoding="latin-1").splitlines()
    (root / "docs").mkdir(parents=True)
    (root / "background").mkdir()
    for i, text in enumerate(docs):
        (root / "docs" / f"d{i:04d}.md").write_text(text, encoding="utf-8")
    for i, text in enumerate(background):
        (root / "background" / f"b{i:04d}.md").write_text(text, encoding="utf-8")
    matrix = [[float(x) for x in line.split()] for line in (data / "similarities0-1.txt").read_text().splitlines()]
    pairs = [(a, b) for a in range(len(docs)) for b in range(a + 1, len(docs))]
    return len(docs), np.array([matrix[a][b] for a, b in pairs]), pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lee", type=Path, default=ROOT.parent / "shared/data/lee")
    parser.add_argument("--pretrained-weights", type=float, nargs="*", default=[])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dim", type=int, default=Options.dim)
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args()
    if args.epochs is not None:
        sgns.auto_epochs = lambda *_, **__: args.epochs
    with tempfile.TemporaryDirectory(prefix="notelink-lee-") as tmp:
        n, gold, pairs = lee_vault(args.lee, Path(tmp) / "vault")
        options = Options(method="hybrid", seed=args.seed, dim=args.dim)
        engine = Engine(Path(tmp) / "vault", options, cache_dir=str(Path(tmp) / "cache"))
        engine.refresh()
        index, scorer = engine.index(), engine.scorer()
        rows = [index.pos[f"docs/d{i:04d}.md"] for i in range(n)]
        cands = candidates_many(index, rows)
        print(f"{len(index)} notes; the model scores every pair: {all(len(c) == len(index) - 1 for c in cands)}")
        print(f"model: {scorer.model.describe()}")
        scores = scorer.score_rows(rows)
        a = np.array([rows[i] for i, _ in pairs])
        b = np.array([rows[j] for _, j in pairs])
        x = pair_features(index, a, b).astype(np.float64)
        model = scorer.model
        print("| signal | Pearson alone | std over the pairs | fixed weight | weight × std |")
        print("|---|---:|---:|---:|---:|")
        active = [f for f in range(len(FEATURES)) if x[:, f].std() > 0]
        for f in active:
            w = float(model.weights[f] / model.std[f])
            r = pearsonr(x[:, f], gold)[0]
            print(f"| {FEATURES[f]} | {r:.3f} | {x[:, f].std():.3f} | {w:.2f} | {w * x[:, f].std():.3f} |")
        got = np.array([scores[i, rows[j]] for i, j in pairs])
        logit = pearsonr(model.logits(x), gold)[0]
        print(f"hybrid score: Pearson {pearsonr(got, gold)[0]:.3f}; its logit: {logit:.3f}")
        design = np.c_[x[:, active], np.ones(len(gold))]
        fitted = design @ np.linalg.lstsq(design, gold, rcond=None)[0]
        names = ", ".join(FEATURES[f] for f in active)
        print(f"best linear combination of {names}, fitted on the ratings: Pearson {pearsonr(fitted, gold)[0]:.3f}")
        k = FEATURES.index("pretrained")
        for weight in args.pretrained_weights if index.pretrained is not None else []:
            weights = model.weights.copy()
            weights[k] = weight * model.std[k]
            other = dataclasses.replace(model, weights=weights)
            print(
                f"pretrained's fixed weight {weight:g}: hybrid score Pearson {pearsonr(other.scores(x), gold)[0]:.3f}"
            )


if __name__ == "__main__":
    main()
