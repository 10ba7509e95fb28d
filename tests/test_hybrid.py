"""The hybrid method: signals, leakage-free fitting, the mention boost, reasons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from notelink.rank import hybrid, signals
from notelink.rank.signals import FEATURES, pair_features
from notelink.sync.engine import Engine, Options


def make_vault(root: Path, n: int = 30, id_links: bool = False) -> Path:
    """Topic notes that link to each other by title (or by ID, with an alias)."""
    topics = {
        "bread": "flour water dough yeast oven crust crumb starter knead proof",
        "stars": "telescope planet orbit moon galaxy comet nebula lens mount sky",
        "garden": "soil compost seed tomato water sun mulch root leaf prune",
    }
    letters = ("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november "
               "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()  # fmt: skip
    names = []
    for topic, words in topics.items():
        for i in range(n // 3):
            names.append((f"{topic} {letters[i]}", topic, words.split()))
    rng = np.random.default_rng(0)
    root.mkdir(parents=True, exist_ok=True)
    for name, topic, words in names:
        same = [m for m, tp, _ in names if tp == topic and m != name]
        targets = rng.choice(same, 3, replace=False)
        body = " ".join(rng.choice(words, 40)) + "\n"
        for target in targets:
            link = f"[[{target}|see this]]" if id_links else f"[[{target}]]"
            body += f"Related: {link} and more {rng.choice(words)}.\n"
        (root / f"{name}.md").write_text(f"# {name}\n\n{body}", encoding="utf-8")
    return root


def engine_for(root: Path, tmp: Path) -> Engine:
    engine = Engine(root, Options(method="hybrid"), cache_dir=str(tmp / "cache"))
    engine.refresh()
    return engine


def test_positive_pairs_are_scored_without_their_own_link(tmp_path: Path) -> None:
    root = tmp_path / "v"
    root.mkdir()
    (root / "Cosine Similarity.md").write_text("# Cosine Similarity\nangle between vectors dot product\n")
    (root / "Vectors.md").write_text("# Vectors\narrows with length. See [[Cosine Similarity]] for angles.\n")
    index = engine_for(root, tmp_path).index()
    a, b = index.pos["Vectors.md"], index.pos["Cosine Similarity.md"]
    assert index.link_text(a, b) == {"cosine": 1, "similarity": 1}
    y = np.array([1.0])
    with_link = pair_features(index, np.array([a]), np.array([b]))
    without = hybrid.leakage_free_features(index, np.array([a]), np.array([b]), y)
    tf = FEATURES.index("tfidf")
    assert with_link[0, tf] > 0  # the link's text names the target...
    assert without[0, tf] < with_link[0, tf]  # ...and the training feature does not see it
    assert without[0, FEATURES.index("popular")] == 0  # the link itself is not counted


def test_a_link_is_also_seen_as_its_plain_words(tmp_path: Path) -> None:
    """The other view of a link not yet made: its text stays as words, so a link whose
    text is the target's title is a mention of it, weighed as the title is; a link by
    another text is not."""
    root = tmp_path / "v"
    root.mkdir()
    (root / "Cosine Similarity.md").write_text("# Cosine Similarity\nangle between vectors dot product\n")
    (root / "Vectors.md").write_text("# Vectors\narrows. See [[Cosine Similarity]] and [[Angles|this]].\n")
    (root / "Angles.md").write_text("# Angles\ndegrees and radians\n")
    index = engine_for(root, tmp_path).index()
    a, cos, ang = index.pos["Vectors.md"], index.pos["Cosine Similarity.md"], index.pos["Angles.md"]
    pairs = np.array([a, a]), np.array([cos, ang])
    unwritten = hybrid.leakage_free_features(index, *pairs, np.array([1.0, 1.0]))
    plain = hybrid.plain_text_features(index, *pairs)
    m = hybrid.MENTION
    assert unwritten[:, m].tolist() == [0.0, 0.0]
    weight = index.name_weight(cos, {"cosine": 1, "similarity": 1})
    assert weight > 0 and plain[0, m] == pytest.approx(weight)
    assert plain[1, m] == 0.0  # "this" does not name Angles
    assert plain[0, FEATURES.index("popular")] == 0  # the link itself is still not counted


def test_the_mention_boost_closes_the_gap_between_the_two_views() -> None:
    """Links seen as mentions at rate p without their text and q with it: the fit saw the
    mix of both, and the boost raises a mention from the mix's odds to q's."""
    seen = np.array([True] + [False] * 9)  # p = 0.1
    named = np.array([True] * 8 + [False] * 2)  # q = 0.8
    mix = hybrid.PLAIN_SHARE * 0.8 + (1 - hybrid.PLAIN_SHARE) * 0.1
    expected = np.log(0.8 / 0.2) - np.log(mix / (1 - mix))
    assert hybrid.mention_boost(seen, named) == pytest.approx(expected)
    assert hybrid.mention_boost(seen, seen) == 0.0  # link texts that never name their target: no boost
    assert hybrid.mention_boost(np.zeros(0, bool), np.zeros(0, bool)) == 0.0


def test_fitted_on_links_beats_chance_and_says_so(tmp_path: Path) -> None:
    root = make_vault(tmp_path / "v", n=60)
    engine = engine_for(root, tmp_path)
    scorer = engine.scorer()
    assert scorer.model.fitted and scorer.model.links >= hybrid.MIN_LINKS
    assert "fitted on" in scorer.model.describe()
    ranked = engine.ranking(["bread alpha.md"], k=5)["bread alpha.md"]
    assert all(rel.startswith("bread") for rel, _ in ranked)


def test_few_links_fall_back_to_fixed_weights(vault: Path, tmp_path: Path) -> None:
    scorer = engine_for(vault, tmp_path).scorer()
    assert not scorer.model.fitted
    assert "fixed weights" in scorer.model.describe()


def test_mention_boost_is_measured_not_assumed(tmp_path: Path) -> None:
    by_title = make_vault(tmp_path / "t", n=60)
    by_id = make_vault(tmp_path / "i", n=60, id_links=True)
    boost_title = engine_for(by_title, tmp_path / "ct").scorer().model.mention_boost
    boost_id = engine_for(by_id, tmp_path / "ci").scorer().model.mention_boost
    assert boost_title > 1.0  # links spell out titles: an unlinked title is a link not yet made
    assert boost_id == 0.0  # links never spell out titles: nothing to correct


def test_reasons_name_the_strongest_signals(tmp_path: Path) -> None:
    root = tmp_path / "v"
    root.mkdir()
    (root / "Sourdough Starter.md").write_text("# Sourdough Starter\nflour water wild yeast culture\n")
    (root / "Bread.md").write_text("# Bread\nFeed the sourdough starter with flour and water before baking.\n")
    (root / "Other.md").write_text("# Other\nnothing in common here at all\n")
    engine = engine_for(root, tmp_path)
    index, scorer = engine.index(), engine.scorer()
    reasons = scorer.reasons(index.pos["Bread.md"], index.pos["Sourdough Starter.md"])
    assert 'mentions "Sourdough Starter"' in reasons


def test_weights_are_kept_for_a_small_edit_and_refitted_for_a_large_one(tmp_path: Path) -> None:
    from notelink.sync.engine import sync

    root = make_vault(tmp_path / "v", n=60)
    sync(Engine(root, Options(), cache_dir=str(tmp_path / "cache")))
    note = root / "bread alpha.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nMore flour.\n", encoding="utf-8")
    engine = Engine(root, Options(), cache_dir=str(tmp_path / "cache"))
    sync(engine)
    assert engine.refitted is False and engine.scorer().model.fitted
    for k, p in enumerate(sorted(root.glob("*.md"))[:30]):  # half the vault changes
        p.write_text(p.read_text(encoding="utf-8") + f"\nEdit {k}.\n", encoding="utf-8")
    engine = Engine(root, Options(), cache_dir=str(tmp_path / "cache"))
    sync(engine)
    assert engine.refitted is True


def test_features_in_chunks_equal_features_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many pairs are taken a chunk at a time (memory); the features must not change."""
    index = engine_for(make_vault(tmp_path / "v", n=30), tmp_path).index()
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, len(index), 50), rng.integers(0, len(index), 50)
    y = (rng.random(50) < 0.3).astype(np.float32)
    whole, whole_free = pair_features(index, a, b), hybrid.leakage_free_features(index, a, b, y)
    monkeypatch.setattr(signals, "PAIR_CHUNK", 7)
    assert np.array_equal(pair_features(index, a, b), whole)
    assert np.array_equal(hybrid.leakage_free_features(index, a, b, y), whole_free)


def test_a_suggestion_with_no_shared_words_still_says_why(tmp_path: Path) -> None:
    root = tmp_path / "v"
    (root / "trips").mkdir(parents=True)
    (root / "trips/Lisbon.md").write_text("Trams climbing steep hills.\n", encoding="utf-8")
    (root / "trips/Kyoto.md").write_text("Temples under maple leaves.\n", encoding="utf-8")
    (root / "Bread.md").write_text("Flour, water, salt.\n", encoding="utf-8")
    engine = Engine(root, Options(method="hybrid"), cache_dir=str(tmp_path / "cache"))
    engine.refresh()
    index, scorer = engine.index(), engine.scorer()
    reasons = scorer.reasons(index.pos["trips/Lisbon.md"], index.pos["trips/Kyoto.md"])
    assert reasons == ["same folder"]


def test_the_mention_boost_follows_the_mentioned_notes_link_odds() -> None:
    """An unlinked mention of a name hardly ever linked (an ordinary word) is boosted less
    than one of a name linked wherever it appears; no mention, no boost."""
    model = hybrid.fixed()
    model.mention_boost = 2.0
    x = np.zeros((3, len(FEATURES)), np.float32)
    x[:2, hybrid.MENTION] = 5.0
    x[:, hybrid.ANCHOR] = [-3.0, 1.0, 1.0]
    assert model.boost(x).tolist() == [0.0, 3.0, 0.0]
    model.mention_boost = 0.0  # a vault whose links never spell out names: no boost at all
    assert model.boost(x).tolist() == [0.0, 0.0, 0.0]
