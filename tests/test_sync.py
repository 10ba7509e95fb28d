"""End to end on real files: sync, re-sync, clean, review decisions, bad input."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from notelink.cli import main
from notelink.disk.decisions import DECISIONS_PATH
from notelink.text import section, suggestions

from conftest import SAMPLE, mtimes, snapshot


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def sync(vault: Path, *extra: str) -> tuple[int, str, str]:
    return run("sync", str(vault), *extra)


def block(path: Path) -> list[str] | None:
    return section.split(path.read_bytes().decode("utf-8"))[1]


def test_sync_writes_only_the_section_and_second_sync_writes_nothing(vault: Path) -> None:
    before = snapshot(vault)
    code, _, err = sync(vault)
    assert code == 0, err
    assert "49 notes" in err and "files changed" in err
    after = snapshot(vault)
    assert after.keys() - before.keys() == set()  # nothing new in the vault (no decisions yet)
    changed = [rel for rel in before if before[rel] != after[rel]]
    assert len(changed) >= 35
    for rel in changed:
        text = after[rel].decode("utf-8")
        assert section.remove(text).encode("utf-8") == before[rel], rel
        body = section.split(text)[1]
        assert body[0] == "## Additional Connections"
        assert all(line.startswith("- [ ] [[") or line.startswith("- [ ] [") for line in body[1:])
    stamps = mtimes(vault)
    code, _, err = sync(vault)
    assert code == 0 and "nothing changed" in err
    assert mtimes(vault) == stamps and snapshot(vault) == after


def test_clean_gives_back_every_byte(vault: Path) -> None:
    original = snapshot(vault)
    assert sync(vault)[0] == 0
    assert snapshot(vault) != original
    code, _, err = run("clean", str(vault))
    assert code == 0, err
    assert snapshot(vault) == original


def test_shapes_of_the_sample_vault_survive(vault: Path) -> None:
    sync(vault)
    crlf = (vault / "kitchen/bread/Bulk Fermentation.md").read_bytes()
    assert re.search(rb"\r\n<!-- notelink:begin [0-9a-f]{8} -->\r\n## Additional Connections\r\n", crlf)
    assert b"\n" not in crlf.replace(b"\r\n", b"")
    assert (vault / "garden/Soil pH.md").read_bytes().startswith(b"\xef\xbb\xbf---")
    eclipses = (vault / "sky/Eclipses.md").read_bytes()
    assert eclipses.endswith(b"<!-- notelink:end -->\n")  # the note had no final newline
    assert re.search(rb"\n\n<!-- notelink:begin [0-9a-f]{8} noeol -->\n", eclipses)
    assert (vault / "inbox/Empty.md").read_bytes() == b""  # nothing to say about an empty note
    assert not (vault / "templates/Daily note.md").read_bytes().count(b"notelink")  # excluded by .notelink.toml
    emoji = vault / "ml/2024 12 30 03 42 50 - 🪆 Introduction to Matryoshka Embedding Models.md"
    assert block(emoji) is not None


def test_same_seed_fresh_caches_same_bytes(tmp_path: Path) -> None:
    outs = []
    for i in range(2):
        v = tmp_path / f"v{i}"
        shutil.copytree(SAMPLE, v)
        code, _, _ = sync(v, "--seed", "7", "--cache-dir", str(tmp_path / f"cache{i}"))
        assert code == 0
        outs.append(snapshot(v))
    assert outs[0] == outs[1]


def test_dry_run_writes_nothing(vault: Path, cache_dir: Path) -> None:
    before = snapshot(vault)
    code, out, _ = sync(vault, "--dry-run")
    assert code == 0 and out.count("would change:") >= 35
    assert "\n    ## Additional Connections\n    - [ ] [[" in out
    assert snapshot(vault) == before
    assert not (cache_dir.exists() and any(cache_dir.rglob("state.json")))


def test_a_dry_run_leaves_the_cache_exactly_as_it_was(vault: Path, cache_dir: Path) -> None:
    sync(vault)
    (vault / "sky/Telescopes.md").write_text("# Telescopes\n\nA new text about lenses and mirrors.\n")
    before, times = snapshot(cache_dir), mtimes(cache_dir)
    code, out, _ = sync(vault, "--dry-run", "--seed", "9")  # a new seed: a retrain, not saved
    assert code == 0 and "would change:" in out
    assert snapshot(cache_dir) == before and mtimes(cache_dir) == times
    code, out, err = run("status", str(vault), "--json")
    assert code == 0 and json.loads(out)["vocabulary"] > 0, err


def test_retrain_retrains_an_unchanged_vault(vault: Path) -> None:
    sync(vault)
    code, out, _ = sync(vault, "--retrain", "--json")
    assert code == 0 and json.loads(out)["trained"] is True


def test_review_tick_delete_and_own_text_survive_a_resync(vault: Path) -> None:
    sync(vault)
    note = vault / "kitchen/bread/Hydration.md"
    text = note.read_text(encoding="utf-8")
    body = section.split(text)[1]
    items = [suggestions.parse_item(line) for line in body[1:]]
    ticked, rejected = items[0].target, items[1].target
    lines = text.split("\n")
    i_tick = lines.index(body[1])
    lines[i_tick] = lines[i_tick].replace("- [ ]", "- [x]")
    del lines[lines.index(body[2])]
    lines.insert(lines.index(section.END), "My own remark about these.")
    note.write_text("\n".join(lines), encoding="utf-8")

    code, _, err = sync(vault)
    assert code == 0, err
    new_body = section.split(note.read_text(encoding="utf-8"))[1]
    new_items = [suggestions.parse_item(line) for line in new_body]
    assert suggestions.Item(ticked, True) in new_items
    assert all(it is None or it.target != rejected for it in new_items)
    assert "My own remark about these." in new_body
    decisions = (vault / DECISIONS_PATH).read_text(encoding="utf-8")
    assert "accept\tkitchen/bread/Hydration.md\t" in decisions
    assert "reject\tkitchen/bread/Hydration.md\t" in decisions

    # A retrain with another seed still never offers the rejected note again.
    sync(vault, "--seed", "3", "--top-k", "12")
    final = [suggestions.parse_item(line) for line in section.split(note.read_text(encoding="utf-8"))[1]]
    assert all(it is None or it.target != rejected for it in final)
    assert suggestions.Item(ticked, True) in final


def test_changed_note_is_folded_in_without_retraining_or_churn(vault: Path) -> None:
    sync(vault)
    before = snapshot(vault)
    note = vault / "sky/Binoculars.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nA new line about Saturn's rings.\n", encoding="utf-8")
    code, _, err = sync(vault)
    assert code == 0 and "model reused" in err, err
    after = snapshot(vault)
    rewritten = [rel for rel in after if after[rel] != before[rel] and rel != "sky/Binoculars.md"]
    assert len(rewritten) <= 5, rewritten  # only notes whose top-k the edit really moved


BAD = {
    "bad/invalid-utf8.md": b"caf\xe9 au lait\n",
    "bad/bad-yaml.md": b"---\ntitle: [unclosed\n---\nbody\n",
    "bad/binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
}


def test_bad_notes_get_one_line_each_and_the_rest_carries_on(vault: Path) -> None:
    for rel, data in BAD.items():
        (vault / rel).parent.mkdir(exist_ok=True)
        (vault / rel).write_bytes(data)
    big = vault / "bad/huge.md"
    big.write_bytes(b"word " * 300_000)
    (vault / ".notelink.toml").write_text('max_note_bytes = 1000000\nexclude = ["templates/**"]\n')
    code, _, err = sync(vault)
    assert code == 1
    lines = err.strip().splitlines()
    assert any(line == "notelink: bad/invalid-utf8.md: invalid UTF-8 at byte 3" for line in lines), err
    assert any(line.startswith("notelink: bad/bad-yaml.md: malformed YAML frontmatter") for line in lines), err
    assert any(line.startswith("notelink: bad/binary.md: binary file") for line in lines), err
    assert any(line.startswith("notelink: bad/huge.md: file is 1.5 MB, over the 1.0 MB limit") for line in lines)
    assert "4 skipped" in lines[-1]
    for rel, data in BAD.items():
        assert (vault / rel).read_bytes() == data  # never written
    assert block(vault / "ml/Word2Vec.md") is not None  # the rest was processed


def test_unreadable_note(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_open = builtins.open

    def guarded(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file).endswith("Scoring.md"):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    code, _, err = sync(vault)
    assert code == 1
    assert "notelink: kitchen/bread/Scoring.md: cannot read: Permission denied" in err


def test_missing_vault_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = sync(tmp_path / "nope")
    assert code == 2 and "vault folder does not exist" in err
    (tmp_path / "file.md").write_text("x")
    code, _, err = sync(tmp_path / "file.md")
    assert code == 2 and "not a folder" in err


def test_malformed_config_is_a_usage_error(vault: Path) -> None:
    before = snapshot(vault)
    (vault / ".notelink.toml").write_text("exclude = [unclosed\n")
    code, _, err = sync(vault)
    assert code == 2 and ".notelink.toml: malformed config" in err
    assert len(err.strip().splitlines()) == 1
    before.pop(".notelink.toml")
    after = snapshot(vault)
    after.pop(".notelink.toml")
    assert after == before


def test_symlink_leaving_the_vault_is_refused(vault: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("# Outside\nflour water dough starter\n")
    os.symlink(outside, vault / "kitchen/Link out.md")
    code, _, err = sync(vault)
    assert code == 1
    assert "kitchen/Link out.md: symlink to outside the vault, left alone" in err
    assert outside.read_text() == "# Outside\nflour water dough starter\n"


def test_note_edited_during_sync_is_left_alone_then_retried(vault: Path) -> None:
    from notelink.sync.engine import Engine

    engine = Engine(vault)
    engine.refresh()
    changes = engine.plan()
    target = next(ch for ch in changes if ch.rel == "sky/Star Charts.md")
    note = vault / target.rel
    typed = note.read_bytes() + b"\nA line typed while notelink was working.\n"
    note.write_bytes(typed)
    engine.apply(changes)
    engine.decisions.save(vault)
    engine.save(synced=True)
    assert note.read_bytes() == typed
    assert any(p.startswith("sky/Star Charts.md: changed while notelink was working") for p in engine.report.problems)

    code, _, err = sync(vault)
    assert code == 0, err
    text = note.read_bytes()
    assert text.startswith(typed) and block(note) is not None
    assert not (vault / DECISIONS_PATH).exists()  # nothing was mistaken for a rejection


def test_temp_file_left_by_a_killed_run_is_removed(vault: Path) -> None:
    stale = vault / "garden/.Mulch.md.notelink-tmp"
    stale.write_bytes(b"half a note")
    assert sync(vault)[0] == 0
    assert not stale.exists()


def test_decisions_follow_a_renamed_note(vault: Path) -> None:
    sync(vault)
    note = vault / "sky/Binoculars.md"
    text = note.read_text(encoding="utf-8")
    body = section.split(text)[1]
    rejected = suggestions.parse_item(body[1]).target
    note.write_text(text.replace(body[1] + "\n", ""), encoding="utf-8")
    sync(vault)
    assert "reject\tsky/Binoculars.md\t" in (vault / DECISIONS_PATH).read_text(encoding="utf-8")
    os.rename(note, vault / "sky/Field Glasses.md")
    sync(vault)
    decisions = (vault / DECISIONS_PATH).read_text(encoding="utf-8")
    assert "sky/Binoculars.md" not in decisions
    assert "reject\tsky/Field Glasses.md\t" in decisions
    final = section.split((vault / "sky/Field Glasses.md").read_text(encoding="utf-8"))[1] or []
    assert all((it := suggestions.parse_item(line)) is None or it.target != rejected for line in final)
    for other in vault.rglob("*.md"):
        assert "[[Binoculars]]" not in other.read_text(encoding="utf-8"), other


def test_an_edit_reaches_the_notes_it_should_and_only_those(vault: Path) -> None:
    sync(vault)
    before = snapshot(vault)
    note = vault / "sky/Eclipses.md"
    text = note.read_text(encoding="utf-8")
    prefix, body, _ = section.split(text)
    extra = "\n\nDuring totality I baked bread: sourdough starter, flour, water, dough, levain, crust and crumb."
    note.write_text(section.replace_body(prefix + extra, body) if body else text + extra, encoding="utf-8")
    code, _, err = sync(vault)
    assert code == 0 and "model reused" in err, err
    new_body = section.split(note.read_text(encoding="utf-8"))[1] or []
    assert any("kitchen" in line or "Sourdough" in line or "Crumb" in line for line in new_body), new_body
    after = snapshot(vault)
    rewritten = [rel for rel in after if after[rel] != before.get(rel)]
    assert len(rewritten) <= 8, rewritten


def test_deleting_a_rejection_brings_the_suggestion_back(vault: Path) -> None:
    sync(vault)
    note = vault / "kitchen/bread/Hydration.md"
    text = note.read_text(encoding="utf-8")
    body = section.split(text)[1]
    gone = suggestions.parse_item(body[1]).target
    note.write_text(text.replace(body[1] + "\n", ""), encoding="utf-8")
    sync(vault)
    decisions = vault / DECISIONS_PATH
    assert "reject\tkitchen/bread/Hydration.md\t" in decisions.read_text(encoding="utf-8")
    kept = [line for line in decisions.read_text(encoding="utf-8").splitlines() if not line.startswith("reject")]
    decisions.write_text("\n".join(kept) + "\n", encoding="utf-8")
    sync(vault)
    items = [suggestions.parse_item(line) for line in section.split(note.read_text(encoding="utf-8"))[1]]
    assert any(it is not None and it.target == gone for it in items)


def test_held_notes_are_retried_without_reranking_the_vault(vault: Path) -> None:
    from notelink.sync.engine import Engine

    assert sync(vault)[0] == 0
    note = vault / "sky/Comets.md"
    note.write_text("# Comets\n\nTelescopes show comets, planets and the Moon.\n", encoding="utf-8")
    engine = Engine(vault)
    engine.refresh()
    changes = engine.plan()
    assert "sky/Comets.md" in {ch.rel for ch in changes}
    engine.commit(changes, held={"sky/Comets.md"})  # the daemon: the user is still typing in it
    assert block(note) is None

    later = Engine(vault)
    later.refresh()
    affected = later.affected()
    assert affected is not None and "sky/Comets.md" in affected and len(affected) < len(later.records)
    later.apply(later.plan())
    later.save(synced=True)
    assert block(note) is not None


def test_a_run_interrupted_after_writing_leaves_no_false_rejections(vault: Path, tmp_path: Path) -> None:
    """Ctrl-C after some sections were written but before the cache was saved: the
    next run must see those lines as notelink's own, not as the user deleting the
    suggestions they replaced (which would record rejections nobody made), and end
    where a run that was never interrupted ends."""
    from notelink.sync.engine import Engine

    twin = tmp_path / "twin"
    shutil.copytree(vault, twin)
    for root in (vault, twin):
        assert sync(root, "--cache-dir", str(root) + "-cache")[0] == 0
        note = root / "sky/Comets.md"
        note.write_text("# Comets\n\nSourdough bread, flour, starter, hydration and crumb.\n", encoding="utf-8")
    engine = Engine(vault, cache_dir=str(vault) + "-cache")
    engine.refresh()
    changes = engine.plan()
    assert [ch for ch in changes if block(vault / ch.rel) is not None], "the edit must replace sections"
    engine.apply(changes)  # ...and the run is interrupted here: no save
    assert sync(vault, "--cache-dir", str(vault) + "-cache")[0] == 0
    assert not (vault / DECISIONS_PATH).exists()
    assert sync(twin, "--cache-dir", str(twin) + "-cache")[0] == 0
    assert snapshot(vault) == snapshot(twin)


def test_a_small_edit_reuses_the_kept_index_and_ends_as_a_rebuild_would(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index matrices of a sync are kept in the cache; the next sync with a few
    edits loads them and recomputes only the edited notes' rows. It must write exactly
    what the same sync writes when it has to build the index from scratch."""
    from notelink.rank.index import VaultIndex
    from notelink.sync.engine import Engine
    from notelink.sync.engine import sync as run_sync
    from notelink.sync.state import INDEX_ARRAYS

    twin = tmp_path / "twin"
    shutil.copytree(vault, twin)
    for root in (vault, twin):
        assert sync(root, "--cache-dir", str(root) + "-cache")[0] == 0
        note = root / "sky/Binoculars.md"
        note.write_text(note.read_text(encoding="utf-8") + "\nComets, telescopes and the Moon.\n", encoding="utf-8")
    for kept in Path(str(twin) + "-cache").rglob(INDEX_ARRAYS):
        kept.unlink()  # the twin must build its index anew
    assert sync(twin, "--cache-dir", str(twin) + "-cache")[0] == 0

    def no_rebuild(self: VaultIndex, progress: object = None) -> None:
        raise AssertionError("the kept index should have been used")

    monkeypatch.setattr(VaultIndex, "warm", no_rebuild)
    report, _ = run_sync(Engine(vault, cache_dir=str(vault) + "-cache"))
    assert report.changed and not report.problems
    assert snapshot(vault) == snapshot(twin)


def test_a_note_with_nothing_but_frontmatter_gets_no_suggestions(vault: Path) -> None:
    # Other notes mention "dough": before, this empty note got five "mentions this note".
    empty = vault / "kitchen/bread/Dough.md"
    empty.write_text("---\ntags: [bread]\naliases: [dough]\n---\n", encoding="utf-8")
    math = vault / "kitchen/bread/Ratios.md"
    math.write_text("---\ntags: [bread]\n---\n$$\\frac{water}{flour} = hydration$$\n", encoding="utf-8")
    assert sync(vault)[0] == 0
    assert block(empty) is None and block(math) is None
    assert block(vault / "kitchen/bread/Hydration.md") is not None
