"""Promise 6: a full disk or a denied permission leaves every note whole and says so;
the next run succeeds once the disk is fine again. Faults are injected into the
system calls (a test running as root cannot rely on a read-only folder)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from notelink.cli import main
from notelink.disk import writer
from notelink.disk.decisions import DECISIONS_PATH
from notelink.text import section

from conftest import snapshot


def sync(vault: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["sync", str(vault)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stderr


def fail_in(folder: Path, code: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """os.open of a temp file under ``folder`` fails with ``code``."""
    real = os.open

    def failing(path, flags, mode=0o777, *args, **kw):  # type: ignore[no-untyped-def]
        p = os.fsdecode(path)
        if kw.get("dir_fd") is not None:  # a name in an open folder: its full path
            p = os.path.join(os.readlink(f"/proc/self/fd/{kw['dir_fd']}"), p)
        if p.startswith(str(folder)) and p.endswith(writer.TMP_SUFFIX):
            raise OSError(code, os.strerror(code), p)
        return real(path, flags, mode, *args, **kw)

    monkeypatch.setattr(writer.os, "open", failing)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EROFS])
def test_notes_that_cannot_be_written_stay_whole_and_are_done_next_time(
    vault: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    before = snapshot(vault)
    with monkeypatch.context() as m:
        fail_in(vault, code, m)
        exit_code, err = sync(vault)
    assert exit_code == 1
    lines = [line for line in err.splitlines() if os.strerror(code) in line]
    assert len(lines) >= 40 and all(line.startswith("notelink: ") and ".md: cannot write" in line for line in lines)
    assert snapshot(vault) == before  # not a byte changed, no temp file left
    exit_code, err = sync(vault)
    assert exit_code == 0, err
    assert section.split((vault / "sky/Telescopes.md").read_text())[1] is not None


def test_a_full_disk_for_the_cache_stops_with_one_line_and_nothing_half_written(
    vault: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(vault)
    real = writer.write_file

    def full(path: Path, data: bytes) -> None:
        if str(path).startswith(str(cache_dir)):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, data)

    with monkeypatch.context() as m:
        m.setattr("notelink.disk.store.write_file", full)
        m.setattr("notelink.disk.recordlog.write_file", full)
        exit_code, err = sync(vault)
    assert exit_code == 3
    assert len(err.strip().splitlines()) == 1 and "No space left on device; stopped" in err
    for rel, data in snapshot(vault).items():
        assert data == before.get(rel) or section.remove(data.decode()) == before[rel].decode(), rel
    exit_code, err = sync(vault)
    assert exit_code == 0, err


def test_decisions_edited_while_notelink_runs_are_merged_not_overwritten(vault: Path) -> None:
    from notelink.sync.engine import Engine

    assert sync(vault)[0] == 0
    note = vault / "sky/Telescopes.md"
    text = note.read_text()
    first = next(line for line in section.split(text)[1] if line.startswith("- [ ] "))
    note.write_text(text.replace(first + "\n", ""))  # the user rejects one suggestion
    engine = Engine(vault)
    engine.refresh()
    engine.apply(engine.plan())
    path = vault / DECISIONS_PATH
    path.parent.mkdir(exist_ok=True)
    mine = path.read_text() if path.exists() else ""
    path.write_text(mine + "reject\tsky/Telescopes.md\tgarden/Mulch.md\n")  # typed meanwhile
    engine.save_decisions()
    saved = path.read_text()
    assert "reject\tsky/Telescopes.md\tgarden/Mulch.md" in saved  # theirs
    assert sum(line.startswith("reject\tsky/Telescopes.md\t") for line in saved.splitlines()) == 2  # and ours
