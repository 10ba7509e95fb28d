"""The section survives what editors, formatters and people do to it (real files, the
real CLI): moved, fenced in code, typed in, reformatted, appended to, cleaned."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from notelink.cli import main
from notelink.disk.decisions import DECISIONS_PATH
from notelink.text import section, suggestions

from conftest import mtimes

NOTE = "sky/Telescopes.md"  # has frontmatter (aliases, tags) and gets a section


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stderr


def sync(vault: Path, *extra: str) -> tuple[int, str]:
    return run("sync", str(vault), *extra)


def text(vault: Path, rel: str = NOTE) -> str:
    return (vault / rel).read_bytes().decode("utf-8")


def write(vault: Path, value: str, rel: str = NOTE) -> None:
    (vault / rel).write_bytes(value.encode("utf-8"))


def block_lines(value: str) -> list[str]:
    """The block's lines, markers included."""
    lines = value.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("<!-- notelink:begin"))
    return lines[start : lines.index(section.END, start) + 1]


def decisions(vault: Path) -> list[str]:
    path = vault / DECISIONS_PATH
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]


@pytest.mark.parametrize("where", ["top", "under the frontmatter", "between paragraphs"])
def test_a_moved_section_leaves_the_note_readable_and_whole(vault: Path, where: str) -> None:
    original = text(vault)
    sync(vault)
    synced = text(vault)
    block = block_lines(synced)
    lines = section.remove(synced).split("\n")
    assert "\n".join(lines) == original
    at = {"top": 0, "under the frontmatter": lines.index("---", 1) + 1, "between paragraphs": lines.index("") + 1}
    at = at[where] if where != "between paragraphs" else lines.index("", lines.index("# Telescopes")) + 1
    moved = "\n".join([*lines[:at], *block, *lines[at:]])
    write(vault, moved)
    code, err = sync(vault)
    assert code == 0, err
    after = text(vault)
    assert section.remove(after) == original  # never "---# Telescopes"
    assert after.count("notelink:begin") == 1 and after.index("notelink:begin") == moved.index("notelink:begin")
    # The frontmatter is still read: opting the note out removes the section where it stands.
    write(vault, after.replace("tags: [astronomy, equipment]", "tags: [astronomy, equipment]\nnotelink: false"))
    sync(vault)
    assert section.locate(text(vault)) is None
    assert text(vault) == original.replace(
        "tags: [astronomy, equipment]", "tags: [astronomy, equipment]\nnotelink: false"
    )
    code, _ = run("clean", str(vault))
    assert text(vault) == original.replace(
        "tags: [astronomy, equipment]", "tags: [astronomy, equipment]\nnotelink: false"
    )


def test_markers_in_code_are_text_even_in_a_vault_never_synced(vault: Path) -> None:
    doc = (
        "# How notelink marks its section\n\nTelescopes and lenses gather light.\n\n"
        "```markdown\n<!-- notelink:begin -->\n## Additional Connections\n- [ ] [[Moon Phases]]\n"
        "<!-- notelink:end -->\n```\n\nIndented:\n\n    <!-- notelink:begin -->\n    <!-- notelink:end -->\n"
    )
    write(vault, doc, "sky/Markers.md")
    sync(vault)
    after = text(vault, "sky/Markers.md")
    assert after.startswith(doc) and after.count("<!-- notelink:begin") == 3  # two examples and its own section
    run("clean", str(vault))
    assert text(vault, "sky/Markers.md") == doc


def test_text_typed_in_the_section_is_kept_by_sync_and_clean(vault: Path) -> None:
    original = text(vault)
    sync(vault)
    synced = text(vault)
    block = block_lines(synced)
    mine = ["#todo check these", "- [ ] [[Moon Phases]] TODO re-read"]
    typed = synced.replace(block[0] + "\n", block[0] + "\n" + "\n".join(mine) + "\n")
    write(vault, typed)
    sync(vault, "--seed", "5")
    after = block_lines(text(vault))
    assert after[1:3] == mine and sum(line.startswith("## Additional") for line in after) == 1
    assert not decisions(vault)  # typing is not deciding
    code, err = run("clean", str(vault))
    assert code == 0, err
    assert text(vault) == original + "\n" + "\n".join(mine) + "\n"  # the owner's lines stay where the block was


def test_clean_records_ticks_not_yet_synced_and_they_come_back(vault: Path) -> None:
    original = text(vault)
    sync(vault)
    item = next(line for line in block_lines(text(vault)) if line.startswith("- [ ]"))
    target = suggestions.parse_item(item).target
    write(vault, text(vault).replace(item, item.replace("- [ ]", "- [x]")))
    code, err = run("clean", str(vault))
    assert code == 0, err
    assert text(vault) == original
    assert any(line.startswith(f"accept\t{NOTE}\t") for line in decisions(vault))
    sync(vault)
    assert suggestions.Item(target, True) in [suggestions.parse_item(line) for line in block_lines(text(vault))]


def test_clean_refuses_while_a_decision_cannot_be_saved(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sync(vault)
    synced = text(vault)
    item = next(line for line in block_lines(synced) if line.startswith("- [ ]"))
    write(vault, synced.replace(item, item.replace("- [ ]", "- [x]")))
    ticked = text(vault)

    from notelink.disk import decisions as decisions_module

    def full(*args: object, **kwargs: object) -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(decisions_module.Decisions, "save", full)
    code, err = run("clean", str(vault))
    assert code != 0 and f"{NOTE}: left as it is" in err
    assert text(vault) == ticked  # the tick is still there to be recorded


def formatted(value: str) -> str:
    """What Prettier does to a section: a blank line after each block-level element."""
    out: list[str] = []
    lines = value.split("\n")
    for i, line in enumerate(lines):
        out.append(line)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if (line.startswith("<!--") or line.startswith("#")) and nxt.strip():
            out.append("")
        elif line.startswith("- [") and nxt.startswith("<!--"):
            out.append("")
    return "\n".join(out)


def prettier() -> str | None:
    """A real Prettier, where one is installed (``.ci/run`` installs it)."""
    for candidate in (os.environ.get("NOTELINK_PRETTIER"), shutil.which("prettier")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.mark.parametrize("formatter", ["blank lines", "prettier"])
def test_a_formatter_and_sync_settle_on_one_heading(vault: Path, formatter: str) -> None:
    tool = prettier()
    if formatter == "prettier" and tool is None:
        pytest.skip("prettier is not installed (set NOTELINK_PRETTIER)")
    sync(vault)
    for round_ in range(3):
        if formatter == "prettier":
            subprocess.run([tool, "--write", str(vault / NOTE)], check=True, capture_output=True)
        else:
            write(vault, formatted(text(vault)))
        before = mtimes(vault)
        code, err = sync(vault, "--seed", str(round_ % 2))  # a new seed: new suggestions, same layout
        assert code == 0, err
        if round_ == 2:
            again = mtimes(vault)
            sync(vault)
            assert mtimes(vault) == again
        assert text(vault).count("## Additional Connections") == 1
    assert before is not None


def test_a_formatted_section_is_not_rewritten(vault: Path) -> None:
    sync(vault)
    write(vault, formatted(text(vault)))
    once = mtimes(vault)
    sync(vault)
    assert mtimes(vault)[NOTE] == once[NOTE]


def test_appending_to_a_synced_note_without_final_newline(vault: Path) -> None:
    rel = "sky/Eclipses.md"  # no final newline
    original = text(vault, rel)
    assert not original.endswith("\n")
    sync(vault)
    with open(vault / rel, "a", encoding="utf-8") as f:  # echo "text" >> note.md
        f.write("Appended later, after the section.\n")
    code, err = sync(vault)
    assert code == 0, err
    after = text(vault, rel)
    assert after.count("notelink:begin") == 1 and after.endswith("Appended later, after the section.\n")
    run("clean", str(vault))
    assert text(vault, rel) == original + "\n\nAppended later, after the section.\n"  # no line joined


def test_a_hand_written_heading_is_not_repeated(vault: Path) -> None:
    write(vault, text(vault) + "\n## Additional Connections\n\nMy own links: [[Binoculars]]\n")
    sync(vault)
    assert text(vault).count("## Additional Connections") == 1
    assert section.locate(text(vault)) is not None


def test_notes_excluded_after_a_sync_are_cleaned_too(vault: Path) -> None:
    original = text(vault)
    sync(vault)
    (vault / ".notelink.toml").write_text('exclude = ["templates/**", "sky/**"]\n', encoding="utf-8")
    code, err = run("clean", str(vault))
    assert code == 0, err
    assert text(vault) == original
