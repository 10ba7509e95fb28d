"""Nothing outside the vault is read or written, odd files get one line, and a
rewritten note keeps its metadata. Real files throughout; a planted symlink is what
a shared (git) vault can carry."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from notelink.cli import main
from notelink.disk import writer
from notelink.disk.decisions import DECISIONS_PATH, Decisions
from notelink.errors import VaultError
from notelink.text import section
from notelink.vault.config import load_config
from notelink.vault.read import read_bytes
from notelink.vault.scan import rescan, scan

from conftest import snapshot

SKY = "Telescopes and binoculars show the Moon, planets, galaxies and nebulae in a dark night sky."


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "Aborted!" not in result.output, result.output
    return result.exit_code, result.stderr


def sync(vault: Path, *extra: str) -> tuple[int, str]:
    return run("sync", str(vault), "--method", "tfidf", *extra)


def has_section(path: Path) -> bool:
    return section.split(path.read_text(encoding="utf-8"))[1] is not None


def one_line(err: str, *words: str) -> str:
    lines = [line for line in err.splitlines() if all(w in line for w in words)]
    assert len(lines) == 1, err
    return lines[0]


# --- 1. nothing outside the vault --------------------------------------------------


def test_a_planted_decisions_temp_symlink_never_overwrites_its_target(vault: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    (vault / ".notelink").mkdir()
    os.symlink(victim, vault / ".notelink/.decisions.txt.notelink-tmp")
    d = Decisions.load(vault)
    d.set("reject", "Home.md", "sky/Telescopes.md")
    with pytest.raises((OSError, writer.WriteError)) as e:
        d.save(vault)
    assert ".decisions.txt.notelink-tmp" in str(e.value) and "symlink" in str(e.value)
    assert victim.read_bytes() == b"precious\n"
    assert not (vault / DECISIONS_PATH).exists()


def test_a_planted_note_temp_symlink_gets_one_line_and_its_target_is_untouched(vault: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    os.symlink(victim, vault / "sky/.Telescopes.md.notelink-tmp")
    code, err = sync(vault)
    assert code == 1
    one_line(err, "sky/Telescopes.md", ".Telescopes.md.notelink-tmp", "symlink")
    assert victim.read_bytes() == b"precious\n"
    assert has_section(vault / "sky/Binoculars.md")


def test_a_stale_regular_temp_is_still_replaced(vault: Path) -> None:
    (vault / "sky/.Telescopes.md.notelink-tmp").write_bytes(b"left by a killed run\n")
    code, err = sync(vault)
    assert code == 0, err
    assert has_section(vault / "sky/Telescopes.md")
    assert not (vault / "sky/.Telescopes.md.notelink-tmp").exists()


def test_a_symlinked_notelink_folder_stops_the_run_and_nothing_outside_is_touched(vault: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "decisions.txt").write_bytes(b"reject\tHome.md\tsky/Telescopes.md\n")
    os.symlink(outside, vault / ".notelink")
    before, outside_before = snapshot(vault), snapshot(outside)
    code, err = sync(vault)
    assert code == 2
    one_line(err, ".notelink", "symlink")
    assert snapshot(vault) == before and snapshot(outside) == outside_before


def test_a_note_or_its_folder_swapped_for_a_symlink_is_never_read_through_it(vault: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "Telescopes.md").write_text("secret\n")
    files, _ = scan(vault, load_config(vault))
    note = next(f for f in files if f.rel == "sky/Telescopes.md")
    os.unlink(note.path)
    os.symlink(secret / "Telescopes.md", note.path)
    with pytest.raises(Exception, match="symlink") as e:
        read_bytes(note)
    assert type(e.value).__name__ == "ReadError"
    os.unlink(note.path)
    (vault / "sky").rename(vault / "sky-moved")
    os.symlink(secret, vault / "sky")
    with pytest.raises(Exception, match="symlink"):
        read_bytes(note)


def test_one_notelink_per_vault_whatever_its_cache_dir(vault: Path, cache_dir: Path, tmp_path: Path) -> None:
    from test_watch import daemon_process

    assert sync(vault)[0] == 0
    with daemon_process(vault, cache_dir):
        before = snapshot(vault)
        code, err = run("sync", str(vault), "--cache-dir", str(tmp_path / "other"))
        assert code == 2
        one_line(err, "another notelink is already working on this vault")
        assert snapshot(vault) == before
        result = CliRunner().invoke(main, ["status", str(vault), "--json", "--cache-dir", str(tmp_path / "other")])
        assert '"daemon": {' in result.output, result.output


def test_clean_is_refused_while_watch_runs(vault: Path, cache_dir: Path, tmp_path: Path) -> None:
    from test_watch import daemon_process

    assert sync(vault)[0] == 0
    with daemon_process(vault, cache_dir):
        before = snapshot(vault)
        code, err = run("clean", str(vault))
        assert code == 2
        one_line(err, "notelink watch (pid", "already working on this vault")
        code, err = run("clean", str(vault), "--cache-dir", str(tmp_path / "other"))
        assert code == 2
        assert snapshot(vault) == before
    code, err = run("clean", str(vault))
    assert code == 0, err
    assert not has_section(vault / "sky/Telescopes.md")


# --- 2. odd files ------------------------------------------------------------------


def _bytes_file(folder: Path, name: bytes, data: bytes) -> None:
    fd = os.open(os.fsencode(str(folder)) + b"/" + name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.write(fd, data)
    os.close(fd)


def test_a_file_or_folder_name_that_is_not_utf8_gets_one_line(vault: Path) -> None:
    _bytes_file(vault / "sky", b"bad\xff.md", f"# Bad\n\n{SKY}\n".encode())
    os.mkdir(os.fsencode(str(vault)) + b"/dir\xfe")
    _bytes_file(vault, b"dir\xfe/Inner.md", f"# Inner\n\n{SKY}\n".encode())
    code, err = sync(vault)
    assert code == 1, err
    one_line(err, "sky/bad\\xff.md", "UTF-8")
    one_line(err, "dir\\xfe", "UTF-8")
    assert has_section(vault / "sky/Telescopes.md")
    code, err = sync(vault)
    assert code == 1 and "Traceback" not in err
    files, _ = scan(vault, load_config(vault))
    bad = os.fsdecode(b"sky/bad\xff.md")
    files2, problems = rescan(vault, load_config(vault), files, {bad, "sky/Telescopes.md"})
    assert [f.rel for f in files2] == [f.rel for f in files]
    assert len([p for p in problems if "bad\\xff.md" in p]) == 1


def _cache_files(cache_dir: Path) -> list[Path]:
    return sorted(p for p in cache_dir.rglob("*") if p.is_file() and p.name != "lock")


@pytest.mark.parametrize("cut", ["empty", "half"])
def test_a_truncated_cache_file_is_rebuilt(vault: Path, cache_dir: Path, cut: str) -> None:
    assert run("sync", str(vault))[0] == 0
    names = [p.relative_to(cache_dir) for p in _cache_files(cache_dir)]
    assert len(names) >= 8
    for name in names:
        path = cache_dir / name
        if not path.exists():
            continue
        data = path.read_bytes()
        path.write_bytes(b"" if cut == "empty" else data[: len(data) // 2])
        for args in (["status", str(vault)], ["related", "Telescopes", "--vault", str(vault)], ["sync", str(vault)]):
            result = CliRunner().invoke(main, args)
            assert result.exception is None or isinstance(result.exception, SystemExit), (name, repr(result.exception))
            assert "Aborted!" not in result.output and result.exit_code in (0, 1), (name, args, result.output)
        code, err = run("sync", str(vault))
        assert code == 0, (name, err)


@pytest.mark.parametrize("kind", ["folder", "symlink", "binary", "utf-16-le", "utf-16-be", "latin-1"])
def test_a_decisions_file_that_is_not_text_stops_the_run_with_one_line(vault: Path, tmp_path: Path, kind: str) -> None:
    path = vault / DECISIONS_PATH
    path.parent.mkdir()
    text = "reject\tHome.md\tsky/Telescopes.md\n"
    if kind == "folder":
        path.mkdir()
    elif kind == "symlink":
        (tmp_path / "elsewhere.txt").write_text(text)
        os.symlink(tmp_path / "elsewhere.txt", path)
    elif kind == "binary":
        path.write_bytes(text.encode() + b"\0\0\x01")
    elif kind == "utf-16-le":
        path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    elif kind == "utf-16-be":
        path.write_bytes(b"\xfe\xff" + text.encode("utf-16-be"))
    else:
        path.write_bytes(b"# caf\xe9\n" + text.encode())
    before = snapshot(vault)
    code, err = sync(vault)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "decisions.txt" in err, err
    assert snapshot(vault) == before


def test_a_decisions_fifo_never_hangs(vault: Path, cache_dir: Path) -> None:
    path = vault / DECISIONS_PATH
    path.parent.mkdir()
    os.mkfifo(path)
    env = {**os.environ, "NOTELINK_CACHE_DIR": str(cache_dir)}
    cmd = [sys.executable, "-m", "notelink", "sync", str(vault), "--method", "tfidf"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("notelink hangs on a FIFO decisions file")
    assert proc.returncode == 2, proc.stderr
    assert "decisions.txt" in proc.stderr and "Traceback" not in proc.stderr
    assert not has_section(vault / "sky/Telescopes.md")


def test_a_utf8_bom_crlf_decisions_file_is_read_and_kept_byte_for_byte(vault: Path) -> None:
    path = vault / DECISIONS_PATH
    path.parent.mkdir()
    data = b"\xef\xbb\xbfreject\tHome.md\tsky/Telescopes.md\r\n# mine, last\r\naccept\tHome.md\tsky/Binoculars.md\r\n"
    path.write_bytes(data)
    d = Decisions.load(vault)
    assert d.rejected("Home.md") == {"sky/Telescopes.md"} and d.accepted("Home.md") == {"sky/Binoculars.md"}
    assert d.save(vault) is False
    code, err = sync(vault)
    assert code == 0, err
    assert path.read_bytes() == data
    d = Decisions.load(vault)
    d.set("reject", "sky/Moon.md", "Home.md")
    assert d.save(vault) is True
    new = path.read_bytes()
    assert new.startswith(b"\xef\xbb\xbf") and new.count(b"\r\n") == 4 and new.count(b"\n") == 4
    assert b"reject\tsky/Moon.md\tHome.md\r\n" in new and b"# mine, last\r\n" in new


@pytest.mark.parametrize("kind", ["dangling", "folder", "fifo"])
def test_a_config_that_cannot_be_read_stops_the_run(vault: Path, kind: str) -> None:
    path = vault / ".notelink.toml"
    path.unlink()
    if kind == "dangling":
        os.symlink(vault / "nowhere.toml", path)
    elif kind == "folder":
        path.mkdir()
    else:
        os.mkfifo(path)
    before = snapshot(vault)
    code, err = sync(vault)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and ".notelink.toml" in err, err
    assert snapshot(vault) == before


@pytest.mark.parametrize("text", ["topk = 3\n", "[notelink]\ntopk = 3\n"])
def test_an_unknown_config_key_is_named(vault: Path, text: str) -> None:
    (vault / ".notelink.toml").write_text(text)
    before = snapshot(vault)
    code, err = sync(vault)
    assert code == 2
    line = one_line(err, "topk")
    assert "top_k" in line and "exclude" in line
    assert snapshot(vault) == before
    with pytest.raises(VaultError):
        load_config(vault)


def test_a_note_name_near_the_255_byte_limit_gets_its_section(vault: Path) -> None:
    name = "Telescope " + "x" * 242 + ".md"
    assert len(name.encode()) == 255
    note = vault / "sky" / name
    note.write_text(f"# Long\n\n{SKY} See [[Telescopes]].\n")
    tmp = writer.temp_path(note)
    assert len(os.fsencode(tmp.name)) <= 255 and tmp.name.startswith(".") and tmp.name.endswith(writer.TMP_SUFFIX)
    code, err = sync(vault)
    assert code == 0, err
    assert has_section(note)
    tmp.write_bytes(b"stale")
    sync(vault)
    assert not tmp.exists()


# --- 3. a note's metadata ----------------------------------------------------------


def test_a_rewritten_note_keeps_its_owner_group_and_extended_attributes(vault: Path) -> None:
    note = vault / "sky/Telescopes.md"
    if os.geteuid() != 0:
        pytest.skip("chown to another user needs root")
    os.chown(note, 12345, 12345)
    try:
        os.setxattr(note, "user.test", b"v")
        xattrs = True
    except OSError:
        xattrs = False
    code, err = sync(vault)
    assert code == 0, err
    assert has_section(note)
    st = os.stat(note)
    assert (st.st_uid, st.st_gid) == (12345, 12345)
    if xattrs:
        assert os.getxattr(note, "user.test") == b"v"
    else:
        pytest.skip("this file system refuses user xattrs (owner checked)")


def test_a_read_only_note_is_reported_and_left_alone(vault: Path) -> None:
    note = vault / "sky/Telescopes.md"
    note.chmod(0o444)
    before = note.read_bytes()
    code, err = sync(vault)
    assert code == 1
    one_line(err, "sky/Telescopes.md", "read-only")
    assert note.read_bytes() == before and stat.S_IMODE(note.stat().st_mode) == 0o444
    assert has_section(vault / "sky/Binoculars.md")


def test_a_note_whose_owner_cannot_be_kept_is_left_alone(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    note = vault / "sky/Telescopes.md"
    os.chown(note, 12345, 12345)

    def refused(*args: object, **kw: object) -> None:
        raise OSError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(writer.os, "fchown", refused)
    monkeypatch.setattr(writer.os, "chown", refused)
    before = note.read_bytes()
    code, err = sync(vault)
    assert code == 1
    one_line(err, "sky/Telescopes.md", "owner")
    assert note.read_bytes() == before and os.stat(note).st_uid == 12345
    assert not list((vault / "sky").glob(".*notelink-tmp"))


# --- 4. part 6 ---------------------------------------------------------------------


def test_excalidraw_drawings_are_not_notes(vault: Path) -> None:
    drawing = vault / "sky/Star map.excalidraw.md"
    drawing.write_text(f"---\nexcalidraw-plugin: parsed\n---\n{SKY}\n\n%%\n# Drawing\n```json\n{{}}\n```\n%%\n")
    before = drawing.read_bytes()
    code, err = sync(vault)
    assert code == 0, err
    assert drawing.read_bytes() == before
    files, problems = scan(vault, load_config(vault))
    assert "sky/Star map.excalidraw.md" not in {f.rel for f in files} and not problems
    again, _ = rescan(vault, load_config(vault), files, {"sky/Star map.excalidraw.md"})
    assert again == files


def test_search_reads_notes_the_safe_way(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import notelink.vault.read

    assert sync(vault)[0] == 0
    seen: list[str] = []
    real = notelink.vault.read.read_bytes

    def spy(note, *args, **kw):  # type: ignore[no-untyped-def]
        seen.append(note.rel)
        return real(note, *args, **kw)

    monkeypatch.setattr(notelink.vault.read, "read_bytes", spy)
    result = CliRunner().invoke(main, ["search", "telescope", "--vault", str(vault)])
    assert result.exit_code == 0, result.output
    assert "sky/Telescopes.md" in seen


def test_the_daemon_goes_on_past_a_name_that_is_not_utf8(vault: Path) -> None:
    import threading

    from notelink.daemon import Watcher
    from notelink.sync.engine import Options

    from test_watch import wait_for

    w = Watcher(vault, Options(method="tfidf"), quiet=0.3, hold=0.0)
    w.start()
    loop = threading.Thread(target=w.run, name="watch-loop")
    loop.start()
    try:
        _bytes_file(vault / "sky", b"bad\xff.md", f"# Bad\n\n{SKY}\n".encode())
        note = vault / "sky/Andromeda.md"
        note.write_text(f"# Andromeda\n\n{SKY} See it with [[Binoculars]].\n", encoding="utf-8")
        wait_for(lambda: has_section(note), what="a section in the new note")
        assert b"bad" not in note.read_bytes()
    finally:
        w.stop()
        loop.join(30)
    assert not loop.is_alive()


@pytest.mark.parametrize(
    "line",
    ['heading = "#Related"', 'heading = "## A\\r## B"', "min_score = nan", "top_k = true", "max_note_bytes = false"],
)
def test_a_config_value_that_would_misbehave_stops_the_run(vault: Path, line: str) -> None:
    (vault / ".notelink.toml").write_text(line + "\n", encoding="utf-8")
    before = snapshot(vault)
    code, err = sync(vault)
    assert code == 2 and err.count("\n") == 1 and ".notelink.toml" in err, err
    assert snapshot(vault) == before


def test_a_config_with_a_bom_is_read(vault: Path) -> None:
    (vault / ".notelink.toml").write_bytes(b'\xef\xbb\xbfexclude = ["templates/**", "sky/**"]\n')
    code, err = sync(vault)
    assert code == 0, err
    assert "notelink:" not in (vault / "sky/Telescopes.md").read_text(encoding="utf-8")


def test_a_hard_linked_note_is_left_alone(vault: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.md"
    os.link(vault / "sky/Telescopes.md", outside)
    before = outside.read_bytes()
    code, err = sync(vault)
    assert code == 1 and "sky/Telescopes.md: has 2 hard links; left alone" in err, err
    assert outside.read_bytes() == before and os.stat(outside).st_nlink == 2
