"""The writer never replaces a note it has not seen, keeps the mode, leaves no temp."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from notelink.disk import writer
from notelink.disk.writer import Conflict, WriteError, replace_note


def test_replace_keeps_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    note = tmp_path / "n.md"
    note.write_bytes(b"old\n")
    os.chmod(note, 0o640)
    replace_note(note, b"old\n", b"new\n")
    assert note.read_bytes() == b"new\n"
    assert stat.S_IMODE(note.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.md"]


def test_an_edit_notelink_has_not_seen_is_never_overwritten(tmp_path: Path) -> None:
    note = tmp_path / "n.md"
    note.write_bytes(b"what notelink read\n")
    note.write_bytes(b"what notelink read\nand a line the user just typed\n")
    with pytest.raises(Conflict):
        replace_note(note, b"what notelink read\n", b"what notelink read\nsection\n")
    assert note.read_bytes() == b"what notelink read\nand a line the user just typed\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.md"]


def test_expected_bytes_may_be_given_by_their_hash(tmp_path: Path) -> None:
    """A cold run holds only each note's SHA-256, not its bytes: the check is the same."""
    note = tmp_path / "n.md"
    note.write_bytes(b"read\n")
    replace_note(note, hashlib.sha256(b"read\n").hexdigest(), b"read\nsection\n")
    assert note.read_bytes() == b"read\nsection\n"
    with pytest.raises(Conflict):
        replace_note(note, hashlib.sha256(b"read\n").hexdigest(), b"other\n")
    assert note.read_bytes() == b"read\nsection\n"


def test_a_failed_write_leaves_the_note_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    note = tmp_path / "n.md"
    note.write_bytes(b"keep me\n")

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "fsync", no_space)
    with pytest.raises(WriteError, match="No space left on device"):
        replace_note(note, b"keep me\n", b"keep me\nsection\n")
    assert note.read_bytes() == b"keep me\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.md"]


def test_stale_temps_are_removed(tmp_path: Path) -> None:
    (tmp_path / ".n.md.notelink-tmp").write_bytes(b"half")
    (tmp_path / ".other").write_bytes(b"not ours")
    assert writer.remove_stale_temps(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other"]


def test_a_save_between_the_last_read_and_the_swap_is_put_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not _can_exchange(tmp_path):
        pytest.skip("no atomic exchange on this OS or file system")
    note = tmp_path / "n.md"
    note.write_bytes(b"read\n")
    real = writer.exchange

    def late_save(a: Path, b: Path, dir_fd: int | None = None) -> bool:
        with open(note, "ab") as f:  # the user's editor, right after notelink's last read
            f.write(b"typed just now\n")
        return real(a, b, dir_fd)

    monkeypatch.setattr(writer, "exchange", late_save)
    with pytest.raises(Conflict):
        replace_note(note, b"read\n", b"read\nsection\n")
    assert note.read_bytes() == b"read\ntyped just now\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.md"]


def test_without_exchange_a_plain_replace_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "exchange", lambda a, b, dir_fd=None: False)
    note = tmp_path / "n.md"
    note.write_bytes(b"old\n")
    st = replace_note(note, b"old\n", b"new\n")
    assert note.read_bytes() == b"new\n" and (st.st_size, st.st_mtime_ns) == (4, note.stat().st_mtime_ns)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.md"]


def _can_exchange(folder: Path) -> bool:
    a, b = folder / "xa", folder / "xb"
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    try:
        return writer.exchange(a, b) and a.read_bytes() == b"b"
    finally:
        a.unlink()
        b.unlink()


def test_a_note_swapped_for_a_symlink_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_bytes(b"secret\n")
    vault = tmp_path / "vault"
    vault.mkdir()
    note = vault / "n.md"
    os.symlink(outside, note)  # was a file when notelink read it
    with pytest.raises(WriteError):
        replace_note(note, b"secret\n", b"secret\nsection\n")
    assert outside.read_bytes() == b"secret\n" and note.is_symlink()
    assert sorted(p.name for p in vault.iterdir()) == ["n.md"]
