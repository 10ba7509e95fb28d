"""Real torch training on small data: the trainer learns topics and is deterministic."""

from __future__ import annotations

import numpy as np

from notelink.model.embed import create
from notelink.model.vectors import normalize_rows
from notelink.model.vocab import Vocabulary

TOPIC_A = "flour water dough yeast starter bake oven crust crumb knead".split()
TOPIC_B = "star planet telescope orbit moon galaxy comet nebula lens mount".split()


def corpus(seed: int = 0, docs: int = 60, length: int = 40) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(docs):
        topic = TOPIC_A if i % 2 == 0 else TOPIC_B
        out.append([topic[j] for j in rng.integers(0, len(topic), size=length)])
    return out


def test_words_of_one_topic_end_up_closer_than_words_across_topics() -> None:
    docs = corpus()
    vocab = Vocabulary.build(docs, min_count=1)
    vectors = normalize_rows(create("sgns", dim=16, seed=5, epochs=10).fit([vocab.encode(d) for d in docs], vocab))
    ia = [vocab.index[w] for w in TOPIC_A]
    ib = [vocab.index[w] for w in TOPIC_B]
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    topic_of = {i: 0 for i in ia} | {i: 1 for i in ib}
    for i in ia + ib:  # every word's 5 nearest words are from its own topic
        nearest = np.argsort(-sims[i])[:5]
        assert all(topic_of[int(j)] == topic_of[i] for j in nearest), vocab.words[i]


def test_same_seed_same_vectors_other_seed_other_vectors() -> None:
    docs = corpus()
    vocab = Vocabulary.build(docs, min_count=1)
    ids = [vocab.encode(d) for d in docs]
    a = create("sgns", dim=8, seed=1, epochs=2).fit(ids, vocab)
    b = create("sgns", dim=8, seed=1, epochs=2).fit(ids, vocab)
    c = create("sgns", dim=8, seed=2, epochs=2).fit(ids, vocab)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_progress_is_reported_per_epoch() -> None:
    docs = corpus(docs=4)
    vocab = Vocabulary.build(docs, min_count=1)
    seen: list[float] = []
    create("sgns", dim=4, seed=0, epochs=3).fit([vocab.encode(d) for d in docs], vocab, seen.append)
    assert seen == [1 / 3, 2 / 3, 1.0]


def test_two_shards_give_the_same_vectors_on_one_thread_or_two(monkeypatch) -> None:
    from notelink.model.embed import sgns

    monkeypatch.setattr(sgns, "SHARD_MIN_TOKENS", 1000)  # this corpus has 4,800 tokens
    monkeypatch.setattr(sgns, "ROUND_STEPS", 4)
    docs = corpus(docs=120)
    vocab = Vocabulary.build(docs, min_count=1)
    ids = [vocab.encode(d) for d in docs]
    seen: list[float] = []
    one = sgns.SGNS(dim=16, seed=3, epochs=10, workers=1).fit(ids, vocab, seen.append)
    two = sgns.SGNS(dim=16, seed=3, epochs=10, workers=2).fit(ids, vocab)
    assert np.array_equal(one, two)
    assert seen == sorted(seen) and seen[-1] == 1.0
    vectors = normalize_rows(two)  # and the merged shards still learn the two topics
    ia, ib = [vocab.index[w] for w in TOPIC_A], [vocab.index[w] for w in TOPIC_B]
    assert (vectors[ia] @ vectors[ia].T).mean() > (vectors[ia] @ vectors[ib].T).mean() + 0.3


def test_notes_with_no_pair_of_words_still_give_vectors() -> None:
    docs = [["alone"], ["single"], ["word"]]  # one word a note: no (center, context) pair anywhere
    vocab = Vocabulary.build(docs, min_count=1)
    seen: list[float] = []
    vectors = create("sgns", dim=4, seed=0, epochs=2).fit([vocab.encode(d) for d in docs], vocab, seen.append)
    assert vectors.shape == (3, 4) and np.isfinite(vectors).all()
    assert seen[-1] == 1.0
