"""Scores that are probabilities: Platt's sigmoid on the fit's pairs, and its use."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from test_hybrid import engine_for, make_vault

from notelink.rank import calibration


def test_platt_recovers_a_known_sigmoid() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20000, 1))
    y = (rng.random(20000) < 1 / (1 + np.exp(-(2.0 * x[:, 0] - 1.0)))).astype(float)
    a, b = calibration.platt(x, y, np.ones(len(y)))
    assert abs(a - 2.0) < 0.15 and abs(b + 1.0) < 0.1


def test_platt_stays_finite_on_separable_pairs() -> None:
    x = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    theta = calibration.platt(x, np.array([0.0, 0.0, 1.0, 1.0]), np.ones(4))
    p = calibration.probability((theta[0], 0.0, theta[1]), x[:, 0], np.zeros(4))
    assert np.isfinite(theta).all() and 0 < p.min() < 0.5 < p.max() < 1


def test_a_sampled_non_link_stands_for_its_pool() -> None:
    a = np.array([0, 0, 0, 1, 1])
    y = np.array([1, 0, 0, 0, 1])
    w = calibration.negative_weights(a, y, pool=np.array([10.0, 4.0]))
    assert w.tolist() == [1.0, 5.0, 5.0, 4.0, 1.0]


def test_scores_are_probabilities_not_a_crowd_near_one(tmp_path: Path) -> None:
    # Each note links to 3 of the 19 other notes of its topic, and they all look alike: no
    # unlinked look-alike is more likely than not a link (the balanced fit alone says ~1).
    engine = engine_for(make_vault(tmp_path / "v", n=60), tmp_path)
    ranked = engine.ranking(["bread alpha.md", "stars bravo.md"], k=19, min_score=-1.0)
    for rel, row in ranked.items():
        scores = [s for _, s in row]
        assert max(scores) < 0.5, (rel, scores)
        assert 0.5 < sum(scores) < 6, (rel, scores)  # about as many links as a note makes
        assert scores == sorted(scores, reverse=True)


def test_the_default_threshold_shows_fewer_where_candidates_are_weak(tmp_path: Path) -> None:
    # Sixteen look-alikes per note, each about as likely as the next: a fixed top 5 shows five
    # everywhere; the fitted threshold shows fewer where the five are all near-misses.
    root = make_vault(tmp_path / "v", n=60)
    engine = engine_for(root, tmp_path)
    scorer = engine.scorer()
    assert scorer.model.threshold is not None and 0 < scorer.default_min_score == scorer.model.threshold < 0.5
    shown = engine.ranking(sorted(p.name for p in root.glob("*.md")), k=5)
    counts = [len(row) for row in shown.values()]
    assert sum(counts) < 0.9 * 5 * len(counts) and sum(c < 5 for c in counts) >= 10, counts
    assert all(s >= scorer.model.threshold for row in shown.values() for _, s in row)
