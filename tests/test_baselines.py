"""The baselines of notelink.rank.baselines rank as they say, on tiny real vaults."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from notelink.sync.engine import Engine, Options


def write(root: Path, notes: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, body in notes.items():
        (root / f"{name}.md").write_text(f"# {name}\n\n{body}\n", encoding="utf-8")
    return root


def ranked(root: Path, tmp: Path, method: str, note: str) -> list[str]:
    engine = Engine(root, Options(method=method), cache_dir=str(tmp / f"cache-{method}"))
    engine.refresh()
    rows = engine.ranking([f"{note}.md"], k=20, min_score=-1.0)[f"{note}.md"]
    return [rel.removesuffix(".md") for rel, _ in rows]


FILLER = "lorem ipsum dolor sit amet consectetur adipiscing elit sed eiusmod tempor"


def test_mentioned_notes_come_first_in_tfidf_order(tmp_path: Path) -> None:
    root = write(tmp_path / "v", {
        "Query": "kiln glaze clay wheel trimming. Ask Basalt or Quartz about it. See [[Linked]].",
        "Basalt": "volcanic rock lava",  # mentioned, nothing in common
        "Quartz": "mineral crystal clay",  # mentioned, shares "clay": before Basalt
        "Pottery": "kiln glaze clay wheel trimming bisque",  # not mentioned, most alike
        "Linked": FILLER,  # linked, so never suggested; "Linked" in the link is no mention
        "Other": FILLER,
    })  # fmt: skip
    assert ranked(root, tmp_path, "mention-tfidf", "Query")[:3] == ["Quartz", "Basalt", "Pottery"]
    assert ranked(root, tmp_path, "tfidf", "Query")[0] == "Pottery"


def test_adamic_adar_weighs_rare_common_neighbours_and_breaks_ties_by_tfidf(tmp_path: Path) -> None:
    hub = " ".join(f"[[Leaf{k}]]" for k in range(6))
    root = write(tmp_path / "v", {
        "Query": "kiln glaze clay. [[Hub]] [[Rare]]",
        "Hub": hub,  # degree 9: a weak common neighbour
        "Rare": "",  # degree 2: a strong one
        "ViaRare": "[[Rare]]",
        "ViaHubA": "[[Hub]] bread flour clay",
        "ViaHubB": "[[Hub]] kiln glaze",  # the same AA as ViaHubA, more alike in text
        "Alone": "kiln glaze clay wheel",  # no common neighbour: after every note with one
        **{f"Leaf{k}": FILLER for k in range(6)},
    })  # fmt: skip
    order = ranked(root, tmp_path, "adamic", "Query")
    assert order[:3] == ["ViaRare", "ViaHubB", "ViaHubA"], order
    assert order[3:10] == [*(f"Leaf{k}" for k in range(6)), "Alone"], order  # Hub's leaves too, then the rest


def test_adamic_pair_scores_agree_with_score_rows(tmp_path: Path) -> None:
    root = write(tmp_path / "v", {"A": "[[B]] [[C]] kiln", "B": "[[C]] clay", "C": "glaze", "D": "[[B]] kiln clay"})
    engine = Engine(root, Options(method="adamic"), cache_dir=str(tmp_path / "cache"))
    engine.refresh()
    scorer, n = engine.scorer(), len(engine.index())
    rows = scorer.score_rows(list(range(n)))
    a, b = np.repeat(np.arange(n), n), np.tile(np.arange(n), n)
    assert np.allclose(scorer.pair_scores(a, b).reshape(n, n), rows)
    assert rows.max() > 2  # some pair has a common neighbour
