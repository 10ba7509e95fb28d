"""The review simulation: what the owner's decisions on some notes are worth for the
others (docs/quality.md, "Learning from the owner")."""

from __future__ import annotations

import math
import random
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notelink.evaluate import SPLIT_SEED, Result, Split, bootstrap_ci, make_split, rankings, score

REVIEWED = 0.3  # the share of query notes whose suggestions the simulated owner reviews
SHOWN = 5  # suggestions shown to each of them


@dataclass
class ReviewSimulation:
    """The review simulation's figures: the scored notes without and with the owner's feedback."""

    protocol: str
    reviewed: int  # query notes reviewed
    accepted: int
    rejected: int
    before: Result  # the other query notes, ranked by the model fitted without feedback
    after: Result  # the same notes, ranked by the model refitted with it
    ndcg10_gain_ci: tuple[float, float]  # bootstrap confidence interval of the paired difference
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        b, a = self.before, self.after
        return {
            "protocol": self.protocol, "reviewed": self.reviewed, "scored": b.queries, "accepted": self.accepted,
            "rejected": self.rejected, "ndcg@10": [round(b.ndcg10, 4), round(a.ndcg10, 4)],
            "recall@5": [round(b.recall5, 4), round(a.recall5, 4)], "ndcg@10_gain": round(a.ndcg10 - b.ndcg10, 4),
            "ndcg@10_gain_ci95": [round(x, 4) for x in self.ndcg10_gain_ci],
            "recall@5_gain": round(a.recall5 - b.recall5, 4), "seconds": round(self.seconds, 1),
        }  # fmt: skip


def review_simulation(root: Path, protocol: str = "A", seed: int = 0) -> ReviewSimulation:
    """The split of ``protocol``; a seeded ``REVIEWED`` share of its query notes is shown
    its top ``SHOWN`` hybrid suggestions, the held-out links among them are accepted
    and the rest rejected; the hybrid is refitted with those decisions, and the other
    query notes are scored with both models. Accepted links stay ticked lines, not
    links (as notelink reads a ticked section line), so the scored notes' signals are
    the same for both models: only the weights differ."""
    from notelink.rank import hybrid
    from notelink.rank.methods import HybridScorer
    from notelink.sync.engine import Engine, Options

    start = time.perf_counter()
    split = make_split(root, protocol)
    queries = list(split.queries)
    reviewed = set(random.Random(SPLIT_SEED).sample(queries, int(REVIEWED * len(queries) + 0.5)))
    with tempfile.TemporaryDirectory(prefix="notelink-review-") as tmp:
        copy = Path(tmp) / "vault"
        shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns(".git", ".trash", ".notelink"))
        for rel, text in split.texts.items():
            (copy / rel).write_bytes(text.encode("utf-8"))
        engine = Engine(copy, Options(method="hybrid", seed=seed), cache_dir=str(Path(tmp) / "cache"))
        engine.refresh()
        index = engine.index()
        plain = HybridScorer(index, seed, hybrid.fit(index, seed))
        feedback = shown_and_judged(index, plain, split, sorted(reviewed & set(index.pos)))
        told = HybridScorer(index, seed, hybrid.fit(index, seed, feedback=feedback))
        rest = Split({q: h for q, h in split.queries.items() if q not in reviewed}, split.texts, split.remaining)
        rows = [index.pos[q] for q in rest.queries if q in index.pos]
        before = score("hybrid", protocol, rankings(index, plain, rows), rest, 0.0)
        after = score("hybrid", protocol, rankings(index, told, rows), rest, 0.0)
    gain = [y - x for x, y in zip(before.per_query, after.per_query, strict=True)]
    return ReviewSimulation(protocol, len(reviewed), len(feedback.accepted), len(feedback.rejected), before, after,
                            bootstrap_ci(gain), time.perf_counter() - start)  # fmt: skip


def shown_and_judged(index: Any, scorer: Any, split: Split, reviewed: list[str]) -> Any:
    """The simulated owner's decisions: each reviewed note's top ``SHOWN`` suggestions
    (its own links left out, as a section leaves them out), accepted if held out, else rejected."""
    from notelink.rank.feedback import Feedback

    rows = [index.pos[q] for q in reviewed]
    exclude = [set() for _ in index.order]
    for q, i in zip(reviewed, rows, strict=True):
        exclude[i] = {i} | {index.pos[t] for t in split.remaining[q] if t in index.pos}
    accepted, rejected = [], []
    for q, i, row in zip(reviewed, rows, scorer.rank(rows, SHOWN, exclude, -math.inf), strict=True):
        for j, _ in row:
            (accepted if index.order[j] in split.queries[q] else rejected).append((i, j))
    return Feedback(tuple(accepted), tuple(rejected), "review simulation")
