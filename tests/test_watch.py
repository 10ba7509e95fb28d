"""The daemon with real watchdog events, real files and real threads.

No sleeping and hoping: every test waits on a condition with a timeout.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from notelink.cli import main
from notelink.daemon import Watcher
from notelink.disk.lock import Locked
from notelink.sync.engine import Options
from notelink.text import section

from conftest import has_section, wait_for

SKY = "Telescopes and binoculars show the Moon, planets, galaxies and nebulae in a dark night sky."


def links_in_sections(root: Path) -> str:
    out = []
    for p in root.rglob("*.md"):
        body = section.split(p.read_text(encoding="utf-8"))[1]
        out += body or []
    return "\n".join(out)


@contextlib.contextmanager
def daemon_process(vault: Path, cache_dir: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], list[str]]]:
    """``notelink watch`` as a process, started (its "watching" line seen); yields it and
    its log lines so far; killed on the way out if still running."""
    env = {**os.environ, "NOTELINK_CACHE_DIR": str(cache_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "notelink", "watch", str(vault), "--quiet-period", "0.1", *args],
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or []), name="stderr-reader")
    reader.start()
    try:
        wait_for(lambda: any("watching" in line for line in lines), timeout=120, what="the daemon to start")
        yield proc, lines
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        reader.join(10)


@pytest.fixture
def watching(vault: Path) -> Iterator[Watcher]:
    w = Watcher(vault, Options(), quiet=0.3, hold=0.0)
    w.start()
    loop = threading.Thread(target=w.run, name="watch-loop")
    loop.start()
    yield w
    w.stop()
    loop.join(30)
    assert not loop.is_alive()


def test_direct_write_of_a_new_note_gets_a_section(watching: Watcher, vault: Path) -> None:
    note = vault / "sky/Andromeda.md"
    note.write_text(f"# Andromeda\n\n{SKY} See it with [[Binoculars]].\n", encoding="utf-8")
    wait_for(lambda: has_section(note), what="a section in the new note")
    assert note.read_text(encoding="utf-8").startswith(f"# Andromeda\n\n{SKY} See it with [[Binoculars]].\n")


@pytest.mark.parametrize("pattern", ["temp-then-rename", "backup-then-rename", "in-place"])
def test_editor_save_patterns(watching: Watcher, vault: Path, pattern: str) -> None:
    note = vault / "sky/Moon Phases.md"
    wait_for(lambda: has_section(note), what="the initial section")
    batches = watching.batches
    user_text = section.remove(note.read_text(encoding="utf-8")) + "Added: the Moon and planets through a telescope.\n"
    with_section = section.replace_body(user_text, section.split(note.read_text(encoding="utf-8"))[1])
    if pattern == "temp-then-rename":  # VS Code / JetBrains "safe write"
        tmp = note.with_name("Moon Phases.md.tmp~")
        tmp.write_text(with_section, encoding="utf-8")
        os.replace(tmp, note)
    elif pattern == "backup-then-rename":  # Vim: rename to backup, write anew, drop the backup
        backup = note.with_name("Moon Phases.md~")
        os.rename(note, backup)
        note.write_text(with_section, encoding="utf-8")
        backup.unlink()
    else:  # Obsidian: write in place
        note.write_text(with_section, encoding="utf-8")
    wait_for(lambda: watching.batches > batches, what="a batch")
    text = note.read_text(encoding="utf-8")
    assert section.remove(text) == user_text  # the user's edit is all there, once
    assert text.count("<!-- notelink:begin") == 1


def test_a_burst_of_500_changes_is_one_batch_or_few(watching: Watcher, vault: Path) -> None:
    batches = watching.batches
    notes = []
    for i in range(500):  # like a git checkout
        note = vault / f"burst/Star {i}.md"
        note.parent.mkdir(exist_ok=True)
        note.write_text(f"# Star {i}\n\n{SKY} Star number {i}.\n", encoding="utf-8")
        notes.append(note)
    wait_for(lambda: all(has_section(n) for n in notes), timeout=300, what="sections in all 500 notes")
    assert watching.batches - batches <= 3


def test_rename_and_delete_follow_into_other_sections(watching: Watcher, vault: Path) -> None:
    wait_for(lambda: "[[Binoculars]]" in links_in_sections(vault), what="a suggestion of Binoculars")
    os.rename(vault / "sky/Binoculars.md", vault / "sky/Field Glasses.md")
    wait_for(lambda: "[[Binoculars]]" not in links_in_sections(vault), what="the old name to leave every section")
    assert "[[Field Glasses]]" in links_in_sections(vault)
    (vault / "sky/Field Glasses.md").unlink()
    wait_for(lambda: "[[Field Glasses]]" not in links_in_sections(vault), what="the deleted note to leave")


def test_a_note_being_edited_is_not_written_to(vault: Path) -> None:
    w = Watcher(vault, Options(), quiet=0.2, hold=2.0)
    w.start()
    loop = threading.Thread(target=w.run, name="watch-loop")
    loop.start()
    try:
        note = vault / "sky/Comets.md"
        note.write_text(f"# Comets\n\n{SKY} Comets have tails.\n", encoding="utf-8")
        wait_for(lambda: w.batches >= 1, what="the first batch")
        assert not has_section(note) or time.time() - note.stat().st_mtime >= 2.0
        wait_for(lambda: has_section(note), what="the held note, once quiet")
    finally:
        w.stop()
        loop.join(30)


def test_own_writes_do_not_feed_the_daemon(watching: Watcher, vault: Path) -> None:
    idle = float(os.environ.get("NOTELINK_IDLE_SECONDS", "60"))
    note = vault / "sky/Variable Stars.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nCepheids and galaxies.\n", encoding="utf-8")
    wait_for(lambda: watching.batches >= 1, what="a batch")
    time.sleep(1.0)  # let the batch's own writes land and be reported
    writes, batches = watching.writes, watching.batches
    end = time.monotonic() + idle
    while time.monotonic() < end:  # a minute of idle watching: nothing is written
        time.sleep(0.5)
        assert watching.writes == writes and watching.batches == batches


def test_one_daemon_per_vault(watching: Watcher, vault: Path) -> None:
    second = Watcher(vault, Options())
    with pytest.raises(Locked, match=r"notelink watch .* is already working on this vault"):
        second.start()
    result = CliRunner().invoke(main, ["sync", str(vault)])
    assert result.exit_code == 2 and "already working on this vault" in result.stderr


def test_sigterm_during_a_batch_leaves_every_note_whole(vault: Path, cache_dir: Path) -> None:
    with daemon_process(vault, cache_dir, "--hold", "0") as (proc, lines):
        user = {}
        for i, note in enumerate(sorted(vault.rglob("*.md"))[:20]):
            text = note.read_text(encoding="utf-8") + f"\nEdit {i} about telescopes and bread.\n"
            note.write_text(text, encoding="utf-8")
            user[note] = section.remove(text)
        wait_for(lambda: any("batch" in line for line in lines) or len(lines) > 1, timeout=30, what="a batch")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    for note, text in user.items():
        assert section.remove(note.read_text(encoding="utf-8")) == text
    assert not list(vault.rglob("*.notelink-tmp"))


def test_a_killed_daemon_leaves_no_stale_lock(vault: Path, cache_dir: Path) -> None:
    with daemon_process(vault, cache_dir) as (proc, _):
        proc.kill()  # SIGKILL: no clean-up at all
        proc.wait(timeout=30)
    result = CliRunner().invoke(main, ["sync", str(vault)])
    assert result.exit_code == 0, result.stderr


def test_drift_retrains_in_the_background_and_swaps_the_model(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from notelink.sync import engine as pipeline

    w = Watcher(vault, Options(), quiet=0.2, hold=0.0)
    w.start()
    first = w.session.model().trained_at
    monkeypatch.setattr(pipeline, "RETRAIN_FRACTION", 0.01)  # one changed note is drift enough
    loop = threading.Thread(target=w.run, name="watch-loop")
    loop.start()
    try:
        note = vault / "sky/Star Charts.md"
        note.write_text(note.read_text(encoding="utf-8") + "\nPlanisphere wheels and zodiacal light.\n")
        wait_for(lambda: w.session.model().trained_at != first, timeout=120, what="a retrained model")
        wait_for(lambda: w._trainer is None, what="the trainer to finish")
        note.write_text(note.read_text(encoding="utf-8") + "\nMore about the ecliptic.\n")
        batches = w.batches
        wait_for(lambda: w.batches > batches, what="a batch with the new model")
        assert w.session.engine.model.trained_at != first
    finally:
        w.stop()
        loop.join(60)


def test_a_change_whose_events_were_dropped_is_found_by_the_periodic_scan(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from notelink import daemon

    monkeypatch.setattr(daemon, "RESCAN_SECONDS", 1.0)
    w = Watcher(vault, Options(), quiet=0.2, hold=0.0)
    w.start()
    real = w.on_event
    w.on_event = lambda event: None if "Dropped" in os.fsdecode(event.src_path) else real(event)  # type: ignore[method-assign]
    loop = threading.Thread(target=w.run, name="watch-loop")
    loop.start()
    try:
        note = vault / "sky/Dropped.md"
        note.write_text(f"# Dropped\n\n{SKY} Nobody told the daemon.\n", encoding="utf-8")
        wait_for(lambda: has_section(note), what="the note no event named")
    finally:
        w.stop()
        loop.join(30)


def test_a_new_folder_of_notes_is_picked_up(watching: Watcher, vault: Path) -> None:
    staged = vault.parent / "staged"
    staged.mkdir()
    for i in range(5):
        (staged / f"Nebula {i}.md").write_text(f"# Nebula {i}\n\n{SKY}\n", encoding="utf-8")
    os.rename(staged, vault / "nebulae")  # a folder moved in: one event for five notes
    wait_for(lambda: all(has_section(vault / f"nebulae/Nebula {i}.md") for i in range(5)), what="five sections")


def test_verbose_logs_notelinks_steps_not_the_parsers(vault: Path, cache_dir: Path) -> None:
    with daemon_process(vault, cache_dir, "--hold", "0", "-v") as (proc, lines):
        note = sorted(vault.rglob("*.md"))[0]
        note.write_text(note.read_text(encoding="utf-8") + "\nA new line about telescopes.\n", encoding="utf-8")
        wait_for(lambda: any("batch:" in line for line in lines), timeout=60, what="a batch")
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert any(note.name in line and "modified" in line for line in lines)  # the event, at debug level
    assert not [line for line in lines if "entering " in line]  # markdown-it's rule-by-rule debug log
