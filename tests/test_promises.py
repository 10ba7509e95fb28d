"""Promise 1 over generated vaults: a sync changes a note only inside notelink's
section, a second sync changes nothing, and ``clean`` gives back every byte."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notelink.sync.cleanup import clean_vault
from notelink.sync.engine import Engine, Options, sync
from notelink.text import section

WORDS = ["moon", "star", "comet", "planet", "orbit", "bread", "flour", "dough", "oven", "yeast"]
pieces = st.sampled_from(
    [
        "\n", "\r\n", "\r", "\ufeff", " ", "\t", "#", "# Title", "## Additional Connections",
        "- [ ] [[A]]", "- [x] [[n1]]", "[[n2]]", "[[n3|shown]]", section.BEGIN, section.END,
        "<!--", "-->", "%%", "---", "---\ntitle: T\n---\n", "---\ntags: [a, b]\n", "```\ncode\n```",
        "ünïcödé 🪆", "\u0301", "\u2028", "\x0c",
    ]
)  # fmt: skip
words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
notes = st.lists(st.one_of(pieces, words, st.text(max_size=6)), max_size=25).map("".join)
encodings = st.sampled_from(["utf-8", "utf-8-sig"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(notes, encodings), min_size=1, max_size=6))
def test_sync_changes_only_the_section_and_clean_restores_every_byte(vault_notes: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root, cache = Path(tmp) / "v", str(Path(tmp) / "cache")
        root.mkdir()
        # Two plain notes that always suggest each other, so every example writes something.
        original: dict[str, bytes] = {f"plain{k}.md": b"moon star comet orbit planet\n" for k in (1, 2)}
        for rel, data in original.items():
            (root / rel).write_bytes(data)
        for i, (text, encoding) in enumerate(vault_notes):
            data = (text + f"\n{WORDS[i % 10]} {WORDS[(i + 1) % 10]} {WORDS[(i + 2) % 10]}").encode(encoding)
            (root / f"n{i}.md").write_bytes(data)
            original[f"n{i}.md"] = data
        engine = Engine(root, Options(method="tfidf", min_score=0.0), cache_dir=cache)
        sync(engine)
        after = {rel: (root / rel).read_bytes() for rel in original}
        for rel, data in original.items():
            old, new = data.decode("utf-8"), after[rel].decode("utf-8")
            p0, _, s0 = section.split(old)
            p1, _, s1 = section.split(new)
            assert p1 + s1 == p0 + s0, rel  # outside the section, not a byte moved
            if section.locate(old) is None:
                assert section.remove(new) == old, rel
        assert sum(after[r] != original[r] for r in original) > 0  # the test wrote something

        again = Engine(root, Options(method="tfidf", min_score=0.0), cache_dir=cache)
        sync(again)
        assert {rel: (root / rel).read_bytes() for rel in original} == after  # quiet

        clean_vault(root)
        for rel, data in original.items():
            if section.locate(data.decode("utf-8")) is None:
                assert (root / rel).read_bytes() == data, rel
