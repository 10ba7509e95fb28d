"""Learning from the owner: review decisions join the hybrid's fit, and a new one refits it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_hybrid import engine_for, make_vault

from notelink.disk.decisions import DECISIONS_PATH
from notelink.rank import hybrid
from notelink.sync.engine import Engine, Options, sync
from notelink.text import section, suggestions


def below_links(index: Any, model: hybrid.HybridModel, a: int, b: int) -> float:
    """How far the pair (a, b) scores below a's links (each seen without its link, as the fit sees it), on the logit."""
    links = np.array(sorted(index.out_links[a]), np.int64)
    ones = np.ones(len(links), np.float32)
    x = hybrid.leakage_free_features(index, np.full(len(links), a), links, ones)
    logits = model.logits(np.vstack([x, hybrid.pair_features(index, np.array([a]), np.array([b]))]))
    return float(logits[:-1].mean() - logits[-1])


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("feedback")
    return engine_for(make_vault(tmp / "v", n=60), tmp).index()


def test_a_rejection_scores_lower_and_an_acceptance_higher(index: Any) -> None:
    a, b = index.pos["bread alpha.md"], index.pos["bread bravo.md"]
    c = index.pos["stars alpha.md"]
    assert b not in index.out_links[a] and c not in index.out_links[a]
    plain = hybrid.fit(index, 0)
    rejected = hybrid.fit(index, 0, feedback=hybrid.Feedback(rejected=((a, b),), stamp="s"))
    accepted = hybrid.fit(index, 0, feedback=hybrid.Feedback(accepted=((a, c),)))
    pair = lambda m, j: float(m.scores(hybrid.pair_features(index, np.array([a]), np.array([j])))[0])  # noqa: E731
    # A rejection is contrasted with the note's own links: it falls below them by more.
    assert below_links(index, rejected, a, b) > below_links(index, plain, a, b)
    assert pair(accepted, c) > pair(plain, c)
    assert (rejected.decisions, rejected.feedback, plain.decisions, plain.feedback) == (1, "s", 0, "")
    assert "1 review decision " in rejected.describe()
    again = hybrid.fit(index, 0, feedback=hybrid.Feedback(rejected=((a, b),), stamp="s"))
    assert again.to_json() == rejected.to_json()  # deterministic
    assert hybrid.fit(index, 0, feedback=hybrid.Feedback()).to_json() == plain.to_json()


def test_a_decision_about_a_link_counts_once_as_the_link(index: Any) -> None:
    a = index.pos["bread alpha.md"]
    linked = sorted(index.out_links[a])[0]
    x, y_, z = hybrid.training_pairs(index, 0)
    got = hybrid.with_feedback(index, x, y_, z, hybrid.Feedback(accepted=((a, linked),), rejected=((a, a),)))
    assert all(np.array_equal(u, v) for u, v in zip(got[:3], (x, y_, z), strict=True)) and not got[3].any()
    # A random negative the owner rejected is in the fit once, as the decision.
    negative = next((int(i), int(j)) for i, j, lab in zip(x, y_, z, strict=True) if lab == 0)
    a2, b2, y2, decided = hybrid.with_feedback(index, x, y_, z, hybrid.Feedback(rejected=(negative,)))
    rows = [k for k in range(len(a2)) if (a2[k], b2[k]) == negative]
    assert len(rows) == 1 and decided[rows[0]] and y2[rows[0]] == 0 and decided.sum() == 1
    assert hybrid.Feedback.of([("reject", "x.md", "gone.md")], index.pos) == hybrid.Feedback()


def test_deleting_a_suggestion_refits_on_the_next_sync_and_only_then(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", n=60)
    cache = str(tmp_path / "cache")
    first = Engine(root, Options(), cache_dir=cache)
    sync(first)
    note = root / "bread alpha.md"
    text = note.read_text(encoding="utf-8")
    lines = section.split(text)[1]
    line = next(x for x in lines if suggestions.parse_item(x) is not None)
    target = first.resolver().resolve(suggestions.parse_item(line).target, "bread alpha.md")
    index = first.index()
    a, b = np.array([index.pos["bread alpha.md"]]), np.array([index.pos[target]])
    before = below_links(index, first.scorer().model, int(a[0]), int(b[0]))
    assert first.scorer().model.decisions == 0

    note.write_text(text.replace(line + "\n", ""), encoding="utf-8")  # the owner deletes the line
    second = Engine(root, Options(), cache_dir=cache)
    sync(second)
    assert f"reject\tbread alpha.md\t{target}" in (root / DECISIONS_PATH).read_text(encoding="utf-8")
    model = second.scorer().model
    assert second.refitted and model.decisions == 1 and model.feedback
    index = second.index()
    a, b = np.array([index.pos["bread alpha.md"]]), np.array([index.pos[target]])
    assert below_links(index, model, int(a[0]), int(b[0])) > before
    shown = [suggestions.parse_item(x) for x in section.split(note.read_text(encoding="utf-8"))[1]]
    assert all(second.resolver().resolve(it.target, "bread alpha.md") != target for it in shown if it)

    other = root / "stars alpha.md"  # a small edit, no new decision: the weights are kept
    other.write_text(other.read_text(encoding="utf-8") + "\nOne more comet.\n", encoding="utf-8")
    third = Engine(root, Options(), cache_dir=cache)
    sync(third)
    assert not third.refitted and third.scorer().model.feedback == model.feedback
