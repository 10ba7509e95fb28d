"""Issue 14, part 1: a decision is the user's. notelink records a rejection only when
the user provably deleted a line of the section notelink wrote into that very note;
sections that changed for any other reason (git stash or checkout, another cache
writing the same vault, a section pasted from another note, a suggestion moved into
the prose, two notes whose names differ only in case) infer nothing.

Behaviour only: what ``.notelink/decisions.txt`` holds and what the sections on disk
say, through the real command line (``sync``; a real ``notelink watch`` process).
Nothing here depends on how notelink marks its own block."""

from __future__ import annotations

import builtins
import contextlib
import errno
import io
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from notelink.cli import main
from notelink.disk.decisions import DECISIONS_PATH
from notelink.text import section, suggestions

from conftest import wait_for
from test_watch import daemon_process

# --- helpers -------------------------------------------------------------------


def sync(vault: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["sync", str(vault), "-q", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stderr


def synced(vault: Path, *extra: str) -> None:
    code, err = sync(vault, *extra)
    assert code == 0, err


def decisions(vault: Path) -> list[tuple[str, str, str]]:
    path = vault / DECISIONS_PATH
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] in ("reject", "accept"):
            out.append((parts[0], parts[1], parts[2]))
    return out


def rejections(vault: Path) -> list[tuple[str, str]]:
    return [(note, target) for kind, note, target in decisions(vault) if kind == "reject"]


def body(path: Path) -> list[str] | None:
    return section.split(path.read_text(encoding="utf-8"))[1]


def items(path: Path) -> list[suggestions.Item]:
    return [it for line in body(path) or [] if (it := suggestions.parse_item(line)) is not None]


def targets(path: Path) -> list[str]:
    return [it.target for it in items(path)]


def sections(vault: Path) -> dict[str, list[str]]:
    """Every note's suggested targets, by note."""
    return {p.relative_to(vault).as_posix(): targets(p) for p in sorted(vault.rglob("*.md"))}


def delete_line(path: Path, line: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(line) == 1
    eol = section.detect_eol(text)
    path.write_text(text.replace(line + eol, "", 1), encoding="utf-8", newline="")


def tick(path: Path, line: str) -> str:
    text = path.read_text(encoding="utf-8")
    ticked = line.replace("- [ ]", "- [x]", 1)
    path.write_text(text.replace(line, ticked, 1), encoding="utf-8", newline="")
    return ticked


def offered_line(path: Path, n: int = 0) -> tuple[str, str]:
    """The n-th unticked suggestion line of the note's section and the target it names."""
    lines = [line for line in body(path) or [] if (it := suggestions.parse_item(line)) is not None and not it.checked]
    return lines[n], suggestions.parse_item(lines[n]).target  # type: ignore[union-attr]


def resolves_to(vault: Path, target: str) -> str:
    """The note (path) a section's link target names."""
    from notelink.text.links import Resolver

    rels = [p.relative_to(vault).as_posix() for p in vault.rglob("*.md")]
    hit = Resolver(rels).resolve(target)
    assert hit is not None, target
    return hit


GIT_ID = ["-c", "user.name=notelink test", "-c", "user.email=test@notelink.invalid", "-c", "commit.gpgsign=false"]


def git(vault: Path, *args: str) -> str:
    done = subprocess.run(["git", *GIT_ID, *args], cwd=vault, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def git_repo(vault: Path) -> None:
    git(vault, "init", "-q", "-b", "main")
    git(vault, "add", "-A")
    git(vault, "commit", "-q", "-m", "notes")


def commit_all(vault: Path, message: str) -> None:
    git(vault, "add", "-A", "--", ".", ":(exclude).notelink")
    git(vault, "commit", "-q", "-m", message)


@contextlib.contextmanager
def watching(vault: Path, cache_dir: Path) -> Iterator[list[str]]:
    """A real ``notelink watch`` process on the vault, started; yields its log lines
    (a list that grows)."""
    with daemon_process(vault, cache_dir, "--quiet-period", "0.3", "--hold", "0") as (proc, lines):
        assert proc.poll() is None, "".join(lines)
        yield lines


def settle(lines: list[str], since: int, quiet: float = 2.0, timeout: float = 60.0) -> None:
    """Wait for the daemon to run a batch that read notes after log line ``since``, then
    for its log to stay quiet for ``quiet`` seconds (any batch that follows is done)."""
    wait_for(
        lambda: any("batch:" in line and " 0 notes read" not in line for line in lines[since:]),
        timeout,
        "a batch that reads the changed notes",
    )
    end = time.monotonic() + timeout
    seen, at = len(lines), time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.1)
        if len(lines) != seen:
            seen, at = len(lines), time.monotonic()
        elif time.monotonic() - at >= quiet:
            return
    raise AssertionError("the daemon never went quiet:\n" + "".join(lines[since:]))


# --- 1. git: sections going back to another sync's -------------------------------


def then_notelink(how: str, vault: Path, cache_dir: Path, action: Callable[[], None]) -> None:
    """Do ``action`` (a git command), then let notelink see its result: one ``sync``, or
    a running ``notelink watch`` that handles the events (and any batch after them)."""
    if how == "sync":
        action()
        synced(vault)
        return
    with watching(vault, cache_dir) as log:
        since = len(log)
        action()
        settle(log, since)


@pytest.mark.parametrize("how", ["sync", "watch"])
def test_git_stash_back_to_an_earlier_syncs_sections_invents_no_rejection(
    vault: Path, cache_dir: Path, how: str
) -> None:
    git_repo(vault)
    synced(vault, "--top-k", "3")
    commit_all(vault, "sections, 3 a note")
    synced(vault)  # 5 a note now
    changed = git(vault, "status", "--porcelain", "--untracked-files=no").splitlines()
    assert len(changed) >= 10, changed

    def stash() -> None:
        git(vault, "stash", "-q")  # the sections go back to the 3-a-note ones
        assert all(len(t) <= 3 for t in sections(vault).values())

    then_notelink(how, vault, cache_dir, stash)
    assert rejections(vault) == []


def _branch_with_other_sections(vault: Path, tmp_path: Path) -> None:
    """Branch ``other`` holds sections from another sync (another machine: 3 a note, its
    own cache); ``main`` holds this machine's (5 a note); ``main`` is checked out."""
    git_repo(vault)
    git(vault, "checkout", "-q", "-b", "other")
    synced(vault, "--top-k", "3", "--cache-dir", str(tmp_path / "other-machine"))
    commit_all(vault, "sections from the other machine")
    git(vault, "checkout", "-q", "main")
    assert all(t == [] for t in sections(vault).values())
    synced(vault)
    commit_all(vault, "sections from this machine")
    assert not (vault / DECISIONS_PATH).exists()


@pytest.mark.parametrize("how", ["sync", "watch"])
def test_git_checkout_of_a_branch_with_other_sections_invents_no_rejection(
    vault: Path, tmp_path: Path, cache_dir: Path, how: str
) -> None:
    _branch_with_other_sections(vault, tmp_path)

    def checkout() -> None:
        git(vault, "checkout", "-q", "other")
        assert all(len(t) <= 3 for t in sections(vault).values())

    then_notelink(how, vault, cache_dir, checkout)
    assert rejections(vault) == []
    if how == "sync":  # and back
        then_notelink(how, vault, cache_dir, lambda: git(vault, "checkout", "-q", "-f", "main"))
        assert rejections(vault) == []


# --- 2. two caches taking turns -------------------------------------------------


def test_two_caches_taking_turns_invent_no_rejection(vault: Path, tmp_path: Path) -> None:
    a, b = str(tmp_path / "cache-A"), str(tmp_path / "cache-B")
    turns = [(a,), (b, "--top-k", "3"), (a,), (b, "--top-k", "3", "--seed", "7"), (a,), (b, "--top-k", "3")]
    seen = []
    for cache, *extra in turns:
        synced(vault, "--cache-dir", cache, *extra)
        seen.append(sections(vault))
        assert rejections(vault) == [], f"after the sync with {cache} {extra}"
    assert seen[0] != seen[1], "the two caches must write different sections"


def test_a_line_deleted_after_the_other_cache_wrote_is_a_rejection_for_it(vault: Path, tmp_path: Path) -> None:
    a, b = str(tmp_path / "cache-A"), str(tmp_path / "cache-B")
    synced(vault, "--cache-dir", a)
    synced(vault, "--cache-dir", b, "--top-k", "3")
    note = vault / "sky/Telescopes.md"
    line, target = offered_line(note, 1)
    delete_line(note, line)
    synced(vault, "--cache-dir", b, "--top-k", "3")
    assert rejections(vault) == [("sky/Telescopes.md", resolves_to(vault, target))]
    assert target not in targets(note)


def test_a_line_deleted_is_a_rejection_for_a_cache_whose_last_offer_was_the_same(vault: Path, tmp_path: Path) -> None:
    a, b = str(tmp_path / "cache-A"), str(tmp_path / "cache-B")
    synced(vault, "--cache-dir", a)
    synced(vault, "--cache-dir", b)  # same settings: the same sections, nothing written
    note = vault / "garden/Mulch.md"
    line, target = offered_line(note, 0)
    delete_line(note, line)
    synced(vault, "--cache-dir", a)
    assert rejections(vault) == [("garden/Mulch.md", resolves_to(vault, target))]
    synced(vault, "--cache-dir", b)
    assert rejections(vault) == [("garden/Mulch.md", resolves_to(vault, target))]
    assert target not in targets(note)


# --- 3. a section pasted from another note ----------------------------------------


@pytest.mark.parametrize("how", ["merged", "section-replaced"])
def test_a_section_pasted_from_another_note_infers_nothing(vault: Path, how: str) -> None:
    synced(vault)
    a, b = vault / "sky/Binoculars.md", vault / "kitchen/Focaccia.md"
    a_rel = "sky/Binoculars.md"
    line, _ = offered_line(b, 0)
    tick(b, line)  # a tick in B's section, not reviewed by a sync yet
    a_text, b_text = a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8")
    assert set(targets(a)).isdisjoint(targets(b))
    if how == "merged":  # Obsidian's "merge file": B's whole text appended to A, B deleted
        a.write_text(a_text + "\n\n" + b_text, encoding="utf-8", newline="")
        b.unlink()
    else:  # A's section replaced by B's
        a.write_text(section.replace_body(a_text, section.split(b_text)[1]), encoding="utf-8", newline="")
    code, err = sync(vault)
    assert code in (0, 1), err  # 1: notelink may well say something about the note
    assert rejections(vault) == []
    assert [d for d in decisions(vault) if d[1] == a_rel] == []


# --- 4. a suggestion moved into the prose -----------------------------------------


def test_a_suggestion_moved_into_the_prose_as_a_link_is_not_a_rejection(vault: Path) -> None:
    synced(vault)
    note = vault / "sky/Binoculars.md"
    line, target = offered_line(note, 0)
    link = line[len("- [ ] ") :].split(" — ")[0]
    text = note.read_text(encoding="utf-8")
    start = text.index("<!-- notelink:begin")
    # The line cut from the section (its marker untouched) and pasted into the prose.
    moved = text[:start].rstrip("\n") + f"\n\nCompare {link} before buying.\n\n" + text[start:].replace(line + "\n", "")
    note.write_text(moved, encoding="utf-8")
    synced(vault)
    assert rejections(vault) == []
    assert ("accept", "sky/Binoculars.md", resolves_to(vault, target)) in decisions(vault)
    assert target not in targets(note)  # linked from the prose now: not suggested
    assert link in section.remove(note.read_text(encoding="utf-8"))


# --- 5. positive controls -----------------------------------------------------------


def test_a_line_deleted_from_a_fresh_section_is_exactly_one_rejection(vault: Path) -> None:
    synced(vault)
    note = vault / "kitchen/bread/Hydration.md"
    line, target = offered_line(note, 1)
    delete_line(note, line)
    synced(vault)
    assert decisions(vault) == [("reject", "kitchen/bread/Hydration.md", resolves_to(vault, target))]
    assert target not in targets(note)


def test_a_ticked_line_is_an_acceptance(vault: Path) -> None:
    synced(vault)
    note = vault / "kitchen/bread/Hydration.md"
    line, target = offered_line(note, 0)
    tick(note, line)
    synced(vault)
    assert decisions(vault) == [("accept", "kitchen/bread/Hydration.md", resolves_to(vault, target))]
    assert suggestions.Item(target, True) in items(note)


# --- 6. an accepted line the user deleted, and a lost cache ------------------------------


def test_a_deleted_accepted_line_does_not_come_back_when_the_cache_is_lost(vault: Path, cache_dir: Path) -> None:
    synced(vault)
    note = vault / "sky/Telescopes.md"
    line, target = offered_line(note, 0)
    ticked = tick(note, line)
    synced(vault)
    assert ("accept", "sky/Telescopes.md", resolves_to(vault, target)) in decisions(vault)
    delete_line(note, ticked)
    shutil.rmtree(cache_dir)
    synced(vault)
    assert target not in targets(note), items(note)


# --- 7. a rejection made while the decisions file cannot be written ------------------------


def decisions_unwritable(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any write under ``VAULT/.notelink/`` fails with ENOSPC (a full disk): opening a file
    there for writing (os.open, open), or renaming a file into it."""
    folder = os.path.join(str(vault), ".notelink")

    def inside(path: object, dir_fd: int | None = None) -> bool:
        try:
            p = os.fsdecode(path)  # type: ignore[arg-type]
        except TypeError:
            return False  # a file descriptor
        if dir_fd is not None:  # a name in a folder opened by its fd (notelink.disk.writer): its full path
            p = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), p)
        p = os.path.abspath(p)
        return p == folder or p.startswith(folder + os.sep)

    def full(path: object) -> OSError:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fsdecode(path))  # type: ignore[arg-type]

    real_os_open, real_open, real_replace, real_rename = os.open, builtins.open, os.replace, os.rename
    writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def os_open(path, flags, *args, **kw):  # type: ignore[no-untyped-def]
        if flags & writing and inside(path, kw.get("dir_fd")):
            raise full(path)
        return real_os_open(path, flags, *args, **kw)

    def open_(file, mode="r", *args, **kw):  # type: ignore[no-untyped-def]
        if any(c in mode for c in "wax+") and inside(file):
            raise full(file)
        return real_open(file, mode, *args, **kw)

    def replace(src, dst, *args, **kw):  # type: ignore[no-untyped-def]
        if inside(dst, kw.get("dst_dir_fd")):
            raise full(dst)
        return real_replace(src, dst, *args, **kw)

    def rename(src, dst, *args, **kw):  # type: ignore[no-untyped-def]
        if inside(dst, kw.get("dst_dir_fd")):
            raise full(dst)
        return real_rename(src, dst, *args, **kw)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(io, "open", open_)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "rename", rename)


def test_a_rejection_made_while_the_decisions_file_cannot_be_written_is_not_lost(
    vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced(vault)
    note = vault / "kitchen/bread/Hydration.md"
    line, target = offered_line(note, 1)
    delete_line(note, line)
    with monkeypatch.context() as m:
        decisions_unwritable(vault, m)
        code, err = sync(vault)
    assert code != 0 and "No space left on device" in err, err
    assert not (vault / DECISIONS_PATH).exists()
    synced(vault)
    assert rejections(vault) == [("kitchen/bread/Hydration.md", resolves_to(vault, target))]
    assert target not in targets(note)
    synced(vault, "--top-k", "12")  # a later sync that re-ranks the note still never offers it
    assert target not in targets(note)


# --- 8. two notes whose names differ only in case ---------------------------------------------

MAAS = (
    "# MAAS\n\nMAAS (metal as a service) provisions bare metal servers: word vectors, embedding models and cosine "
    "similarity search run on the machines it deploys. Embedding models, word vectors, semantic search.\n"
)
MAAS_LOWER = (
    "# MaaS\n\nMaaS (model as a service) serves embedding models over an API: word vectors, cosine similarity and "
    "semantic search for any text. Embedding models, word vectors, semantic search.\n"
)


def test_two_notes_whose_names_differ_only_in_case_invent_no_rejection(vault: Path) -> None:
    (vault / "ml/MAAS.md").write_text(MAAS, encoding="utf-8")
    (vault / "ml/MaaS.md").write_text(MAAS_LOWER, encoding="utf-8")
    synced(vault)
    offering = [rel for rel, t in sections(vault).items() if any("MaaS" in x or "MAAS" in x for x in t)]
    assert len(offering) >= 3, "both notes must be suggested"
    synced(vault, "--seed", "7")  # a retrain: every note read again
    assert rejections(vault) == []
    synced(vault)
    assert rejections(vault) == []


# --- 9. found by a red-team pass ------------------------------------------------------------


@pytest.mark.parametrize("new_name", ["TF-IDF Vectors", "tf-idf"])
def test_a_rename_that_updates_every_link_invents_no_rejection(vault: Path, new_name: str) -> None:
    """Obsidian renames a note and rewrites every link to it, the section's too."""
    synced(vault)
    offering = [rel for rel, shown in sections(vault).items() if "TF-IDF" in shown]
    assert offering, "the test needs a section that offers TF-IDF"
    (vault / "ml/TF-IDF.md").rename(vault / f"ml/{new_name}.md")
    for p in vault.rglob("*.md"):
        text = p.read_text(encoding="utf-8")
        if "[[TF-IDF]]" in text:
            p.write_text(text.replace("[[TF-IDF]]", f"[[{new_name}]]"), encoding="utf-8")
    synced(vault)
    assert rejections(vault) == []
    for rel in offering:
        shown = [i.target for i in items(vault / rel)]
        assert len(shown) == len(set(shown)), (rel, shown)  # never the same suggestion twice


def test_an_older_copy_of_a_note_does_not_take_back_an_acceptance(vault: Path) -> None:
    git_repo(vault)
    synced(vault, "--seed", "1")
    commit_all(vault, "synced")
    note = vault / "ml/Word2Vec.md"
    line, target = offered_line(note, 0)
    tick(note, line)
    synced(vault)
    assert git(vault, "diff", "--numstat").split()[:2] == ["1", "1"]  # the tick is the only change
    accepted = ("accept", "ml/Word2Vec.md", resolves_to(vault, target))
    assert accepted in decisions(vault)
    git(vault, "checkout", "--", "ml/Word2Vec.md")  # the copy from before the tick
    synced(vault)
    assert accepted in decisions(vault)


def test_a_formatter_that_changes_bullets_or_wraps_lines_settles(vault: Path) -> None:
    synced(vault)
    note = vault / "ml/Word2Vec.md"
    count = len(items(note))
    for _ in range(3):
        for p in vault.rglob("*.md"):
            text = p.read_text(encoding="utf-8")
            new = text.replace("\n- [ ] ", "\n* [ ] ").replace(" — shared: ", " — shared:\n  ")
            p.write_text(new, encoding="utf-8")
        synced(vault)
        assert len(items(note)) == count
    before = {p: p.stat().st_mtime_ns for p in vault.rglob("*.md")}
    synced(vault)
    assert {p: p.stat().st_mtime_ns for p in vault.rglob("*.md")} == before
    assert rejections(vault) == []
    CliRunner().invoke(main, ["clean", str(vault)])
    assert "[ ] [[" not in "".join(p.read_text(encoding="utf-8") for p in vault.rglob("*.md"))


def test_two_blocks_in_a_note_are_both_taken_out_by_clean(vault: Path) -> None:
    original = (vault / "sky/Binoculars.md").read_bytes()
    synced(vault)
    merged = (vault / "sky/Binoculars.md").read_text(encoding="utf-8") + (vault / "sky/Telescopes.md").read_text(
        encoding="utf-8"
    )
    (vault / "sky/Binoculars.md").write_text(merged, encoding="utf-8")
    synced(vault)
    assert rejections(vault) == []
    CliRunner().invoke(main, ["clean", str(vault)])
    assert "notelink:" not in (vault / "sky/Binoculars.md").read_text(encoding="utf-8")
    assert (vault / "sky/Binoculars.md").read_bytes().startswith(original)
