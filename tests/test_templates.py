"""Template text: daily notes made from one template do not find each other through its
words (gym, study, reading), only through what their owner wrote in them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from notelink.rank.index import VaultIndex
from notelink.sync.engine import Engine, Options
from notelink.vault.read import load_note
from notelink.vault.scan import NoteFile

TEMPLATE = "# Daily\n## Habits\n- [ ] Gym\n- [x] Study\n- [ ] Reading\nmood:: {mood}\n## Log\n{text}\n"
WORDS = {  # what the owner writes on a day, by topic: no word in two topics
    "Sourdough.md": "sourdough starter loaf proof crumb flour knead rye".split(),
    "Telescopes.md": "telescope jupiter moons eyepiece saturn rings finder nebula".split(),
    "Compost.md": "compost worms leaves heap mulch scraps coffee grounds".split(),
}
DAYS = 12  # four a topic


def day_text(k: int) -> str:
    words = list(WORDS.values())[k % 3]
    return " ".join(words[(k // 3 + s) % 8] for s in range(5)).capitalize() + "."


def make_vault(root: Path) -> None:
    (root / "Daily").mkdir(parents=True)
    for k in range(DAYS):
        text = TEMPLATE.format(mood=f"mood{k}", text=day_text(k))
        (root / "Daily" / f"2024-01-{k + 1:02}.md").write_text(text, encoding="utf-8")
    for name, words in WORDS.items():
        (root / name).write_text(", ".join(words).capitalize() + ".\n", encoding="utf-8")


def build(tmp_path: Path) -> VaultIndex:
    root = tmp_path / "v"
    make_vault(root)
    engine = Engine(root, Options(method="tfidf"), cache_dir=str(tmp_path / "c"))
    engine.refresh()
    return engine.index()


def test_daily_notes_do_not_find_each_other_through_their_template(tmp_path: Path) -> None:
    index = build(tmp_path)
    sims = (index.tfidf @ index.tfidf_t).toarray()
    days = [index.pos[f"Daily/2024-01-{k + 1:02}.md"] for k in range(DAYS)]
    for k, i in enumerate(days):
        same = [days[m] for m in range(DAYS) if m % 3 == k % 3 and m != k]
        other = [days[m] for m in range(DAYS) if m % 3 != k % 3]
        topic = index.pos[list(WORDS)[k % 3]]
        assert sims[i, other].max() == 0  # the template's words are shared by all, counted by none
        assert sims[i, [*same, topic]].min() > 0
        best = [j for j in np.argsort(-sims[i], kind="stable") if j != i][:4]
        assert set(best) == {*same, topic}
    assert {"gym", "study", "reading", "habits", "mood", "log", "daily"} <= set(index.boilerplate)


def test_template_words_are_never_a_reason(tmp_path: Path) -> None:
    index = build(tmp_path)
    words = index.vocab_words
    for i in range(len(index)):
        row = index.shared_word_weights[i]
        assert not {words[c] for c in row.indices} & {"gym", "study", "reading", "habits", "mood"}
    a, b = index.pos["Daily/2024-01-01.md"], index.pos["Daily/2024-01-02.md"]
    assert (index.template_lines[a] @ index.template_lines[b].T).toarray()[0, 0] > 0.9  # the hybrid's signal


def _edited(tmp_path: Path, index: VaultIndex, edits: dict[str, tuple[str, str]]) -> dict[str, object]:
    records = {r.rel: r for r in index.records}
    for rel, (old, new) in edits.items():
        path = tmp_path / "v" / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        st = path.stat()
        records[rel] = load_note(NoteFile(rel, path, st.st_size, st.st_mtime_ns), 10**7).record
    return records


def test_a_small_update_rebuilds_only_when_a_line_stops_being_boilerplate(tmp_path: Path) -> None:
    index = build(tmp_path)
    index.tfidf  # noqa: B018 -- computed before the update, as in a daemon
    gone = {f"Daily/2024-01-0{k}.md": ("- [ ] Gym\n", "") for k in (1, 2)}
    records = _edited(tmp_path, index, gone)
    updated = index.updated(records)
    assert updated is not None and "gym" in updated.boilerplate  # still in ten notes
    fresh = VaultIndex(records, None, 0, None, index.text_model())
    assert np.allclose(updated.tfidf.toarray(), fresh.tfidf.toarray())
    records = _edited(tmp_path, updated, {"Daily/2024-01-03.md": ("- [x] Study\n", "")})
    assert updated.updated(records) is not None  # "study" is still in eleven
    records = _edited(tmp_path, updated, {"Daily/2024-01-03.md": ("- [ ] Gym\n", "")})
    assert updated.updated(records) is None  # "gym" in nine notes now: each of them changes
