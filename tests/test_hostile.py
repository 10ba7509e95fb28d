"""A hostile vault: odd names, links out of the vault, special files, YAML bombs.

Each case must give at most a one-line message for the file concerned, never a hang,
a crash of the whole run, or a byte read or written outside the vault.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from notelink.cli import main
from notelink.text import section, suggestions

from conftest import snapshot

SKY = "Telescopes and binoculars show the Moon, planets, galaxies and nebulae in a dark night sky."


def sync(vault: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["sync", str(vault), "--method", "tfidf", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


def sections(vault: Path) -> str:
    out = []
    for p in vault.rglob("*.md"):
        if p.is_file() and not p.is_symlink():
            out += section.split(p.read_text(encoding="utf-8"))[1] or []
    return "\n".join(out)


def test_symlinks_out_of_the_vault_and_loops(vault: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Secret.md").write_text(f"# Secret\n\n{SKY}\n")
    os.symlink("/etc", vault / "etc")
    os.symlink("/etc/passwd", vault / "passwd.md")
    os.symlink(outside, vault / "elsewhere")
    os.symlink(outside / "Secret.md", vault / "sky/Secret.md")
    os.symlink(vault / "loop-a.md", vault / "loop-b.md")
    os.symlink(vault / "loop-b.md", vault / "loop-a.md")
    os.symlink(vault, vault / "sky/self")
    before = snapshot(outside)
    code, err = sync(vault)
    assert code == 1  # something was left out, and said
    assert "passwd.md: symlink to outside the vault, left alone" in err
    assert "sky/Secret.md: symlink to outside the vault, left alone" in err
    assert "loop-a.md" in err and "loop-b.md" in err
    assert snapshot(outside) == before
    assert "Secret" not in sections(vault) and "passwd" not in sections(vault)
    assert (vault / "sky/Telescopes.md").read_text().count("<!-- notelink:begin") == 1


def test_dot_dot_links_do_not_leave_the_vault(vault: Path, tmp_path: Path) -> None:
    (tmp_path / "Escape.md").write_text(f"# Escape\n\n{SKY}\n")
    note = vault / "sky/Out.md"
    note.write_text(f"# Out\n\n{SKY} [[../../Escape]] and [up](../../Escape.md).\n")
    assert sync(vault)[0] == 0
    assert "Escape" not in sections(vault)
    assert (tmp_path / "Escape.md").read_text() == f"# Escape\n\n{SKY}\n"


def test_names_with_newlines_tabs_and_brackets_are_never_suggested_broken(vault: Path) -> None:
    odd = ["sky/Line\nbreak.md", "sky/Tab\there.md", "sky/Pipe | bar.md", "sky/Brackets ]] here.md", "sky/Hash # it.md"]
    for name in odd:
        (vault / name).write_text(f"# Odd\n\n{SKY} Odd names.\n")
    code, err = sync(vault)
    assert code == 0, err
    written = sections(vault)
    assert "[[Line" not in written and "Tab\t" not in written  # never a link broken over lines
    assert "[Pipe | bar](<sky/Pipe | bar.md>)" in written  # a Markdown link where a wikilink cannot hold the name
    items = [line for line in written.splitlines() if line.startswith("- ")]
    assert items and all(suggestions.parse_item(line) is not None for line in items)
    again = snapshot(vault)
    assert sync(vault)[0] == 0 and snapshot(vault) == again  # stable: nothing to rewrite


def test_unicode_normalisation_and_case_duplicates(vault: Path) -> None:
    nfc, nfd = unicodedata.normalize("NFC", "Café.md"), unicodedata.normalize("NFD", "Café.md")
    (vault / "sky" / nfc).write_text(f"# Café\n\n{SKY} Coffee under the stars.\n")
    (vault / "sky" / nfd).write_text(f"# Café\n\n{SKY} Coffee at the eyepiece.\n")
    (vault / "sky/moon.md").write_text(f"# moon\n\n{SKY} lower case moon.\n")
    (vault / "sky/MOON.md").write_text(f"# MOON\n\n{SKY} upper case moon.\n")
    code, err = sync(vault)
    assert code == 0, err
    for name in (nfc, nfd, "moon.md", "MOON.md"):
        text = (vault / "sky" / name).read_text()
        assert text.startswith("# "), name
    again = snapshot(vault)
    assert sync(vault)[0] == 0 and snapshot(vault) == again


def test_a_50_mb_note_gets_one_line_and_is_left_alone(vault: Path) -> None:
    big = vault / "Big.md"
    with open(big, "wb") as f:
        f.write(b"# Big\n\n")
        f.write((SKY + "\n").encode() * (50 * 1024 * 1024 // (len(SKY) + 1)))
    size = big.stat().st_size
    code, err = sync(vault)
    assert code == 1
    assert [line for line in err.splitlines() if "Big.md" in line] == [
        f"notelink: Big.md: file is {size / 1e6:.1f} MB, over the 8.4 MB limit"
    ]
    assert big.stat().st_size == size


def test_a_folder_named_like_a_note_and_a_fifo(vault: Path) -> None:
    (vault / "Folder.md").mkdir()
    (vault / "Folder.md/Inside.md").write_text(f"# Inside\n\n{SKY}\n")
    os.mkfifo(vault / "Pipe.md")
    done: list[tuple[int, str]] = []
    t = threading.Thread(target=lambda: done.append(sync(vault)))
    t.start()
    t.join(120)
    if t.is_alive():  # a blocked open() on the FIFO: unblock it so the thread can end
        with open(vault / "Pipe.md", "wb"):
            pass
        t.join(30)
        pytest.fail("sync blocked on a FIFO")
    code, err = done[0]
    assert code == 1 and "Pipe.md: not a regular file, left alone" in err
    assert section.split((vault / "Folder.md/Inside.md").read_text())[1] is not None


def test_ten_thousand_tiny_notes_in_one_folder(tmp_path: Path) -> None:
    vault = tmp_path / "many"
    (vault / "box").mkdir(parents=True)
    words = ["moon", "star", "comet", "planet", "orbit", "nebula", "galaxy", "dust", "light", "lens"]
    for i in range(10_000):
        (vault / f"box/n{i:05d}.md").write_text(f"{words[i % 10]} {words[(i * 7) % 10]} {words[(i * 3) % 10]}\n")
    code, err = sync(vault)
    assert code == 0, err
    assert "10000 notes" in err


ALIAS_BOMB = """---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
tags: [*i]
title: *i
aliases: *i
---
# Bomb
"""


@pytest.mark.parametrize(
    "name, text, problem",
    [
        (
            "Bomb.md",
            ALIAS_BOMB,
            "Bomb.md: malformed YAML frontmatter at frontmatter line 3: alias *a of a list or map is not supported",
        ),
        ("Deep.md", "---\nx: " + "[" * 5000 + "]" * 5000 + "\n---\nbody\n", "Deep.md: malformed YAML frontmatter"),
        ("Huge.md", "---\nx: '" + "y" * 300_000 + "'\n---\nbody\n", "Huge.md: frontmatter over 256 KiB"),
        ("Open.md", "---\nx: '" + "y" * 300_000 + "\n", None),
    ],
)
def test_yaml_bombs_get_an_error_for_that_file(vault: Path, name: str, text: str, problem: str | None) -> None:
    (vault / name).write_text(text)
    done: list[tuple[int, str]] = []
    t = threading.Thread(target=lambda: done.append(sync(vault)), daemon=True)
    t.start()
    t.join(120)
    assert not t.is_alive(), "sync hung on a YAML bomb"
    code, err = done[0]
    if problem is None:
        assert code == 0, err
    else:
        assert code == 1 and problem in err, err
    assert (vault / "sky/Telescopes.md").read_text().count("<!-- notelink:begin") == 1


class _Boom:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, ("touch PWNED",))


def test_cache_files_are_never_unpickled(vault: Path, cache_dir: Path, tmp_path: Path, monkeypatch) -> None:
    import numpy as np

    assert CliRunner().invoke(main, ["sync", str(vault)]).exit_code == 0
    folder = next(cache_dir.iterdir())
    monkeypatch.chdir(tmp_path)
    evil = np.array([_Boom()], dtype=object)
    for name in ("text-idf.npy", "text-lsa.npy"):
        np.save(folder / name, evil, allow_pickle=True)
    np.savez(folder / "sgns-model.npz", vectors=evil, words=evil)
    note = vault / "sky/Telescopes.md"
    note.write_text(note.read_text() + "\nA new line to make the cache be read.\n")
    result = CliRunner().invoke(main, ["sync", str(vault)])
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "PWNED").exists()  # the pickles were refused, the cache rebuilt
