from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from notelink.text import section, suggestions
from notelink.text.section import BEGIN, END

# Text built from pieces that stress the splicer: line endings of every kind, a BOM,
# things that look like headings, markers and suggestion lines.
pieces = st.sampled_from(
    [
        "\n",
        "\r\n",
        "\r",
        "\ufeff",
        "## Additional Connections",
        "- [ ] [[A]]",
        "- [x] [[B]]",
        BEGIN,
        END,
        " ",
        "#",
        "---",
        "text",
        "ünïcödé 🪆",
        "<!--",
        "-->",
        "%%",
    ]
)
texts = st.lists(st.one_of(pieces, st.text(max_size=8)), max_size=30).map("".join)
bodies = st.lists(
    st.text(alphabet=st.characters(blacklist_characters="\r\n"), max_size=20).filter(
        lambda line: line.strip() not in (BEGIN, END)
    ),
    max_size=5,
)


def has_block(text: str) -> bool:
    return section.locate(text) is not None


@settings(max_examples=500)
@given(texts, bodies)
@example("", ["## H"])
@example("no final newline", ["## H"])
@example("a\r\nb\r\n", ["## H", "- [ ] [[X]]"])
@example("a\nb\r", ["x"])
@example("\ufeff---\ntitle: x\n---\n", ["## H"])
@example(f"{END}\n", ["x"])
@example(f"{BEGIN}\n", ["x"])
def test_insert_then_remove_gives_back_the_original(text: str, body: list[str]) -> None:
    if has_block(text):
        return  # a text that already holds a complete block is a note with a section
    with_section = section.replace_body(text, body)
    assert section.remove(with_section) == text
    prefix, found, suffix = section.split(with_section)
    assert found == body and prefix + suffix == text


@settings(max_examples=300)
@given(texts, bodies, bodies)
def test_replacing_the_body_touches_nothing_else(text: str, body1: list[str], body2: list[str]) -> None:
    if has_block(text):
        return
    once = section.replace_body(text, body1)
    twice = section.replace_body(once, body2)
    assert section.remove(twice) == text
    assert section.replace_body(twice, body1) == once  # idempotent, and reversible


@given(texts, bodies, texts)
def test_text_typed_after_the_block_is_kept(text: str, body: list[str], after: str) -> None:
    if has_block(text) or has_block(after) or not text.endswith("\n"):
        return
    typed = section.replace_body(text, body) + after
    if after == "" or after == section.detect_eol(text):
        return  # the block still ends the note
    # The blank line before the block stays: notelink cannot tell it from one the owner made.
    assert section.remove(typed) == text + section.detect_eol(text) + after
    assert section.remove(section.replace_body(typed, ["new"])) == text + section.detect_eol(text) + after


def test_block_uses_the_files_line_ending() -> None:
    out = section.replace_body("a\r\nb\r\n", ["## H", "- [ ] [[X]]"])
    assert out == f"a\r\nb\r\n\r\n{BEGIN}\r\n## H\r\n- [ ] [[X]]\r\n{END}\r\n"


def test_note_without_final_newline_gets_a_block_that_ends_its_line() -> None:
    out = section.replace_body("last line", ["## H"], "0badc0de")
    assert out == f"last line\n\n<!-- notelink:begin 0badc0de noeol -->\n## H\n{END}\n"
    assert section.remove(out) == "last line"


def test_stray_markers_are_not_a_section() -> None:
    text = f"I wrote {BEGIN} inline\nand a line:\n{END}\n"
    assert section.split(text) == (text, None, "")


def test_merge_keeps_ticks_and_user_text_and_replaces_unticked() -> None:
    old = ["## Old heading", "- [x] [[Kept]] — mine", "- [ ] [[Gone]]", "my own remark", "- [ ] [[Also gone]]"]
    new = suggestions.merge_body(old, "## Additional Connections", ["- [ ] [[Fresh]]"])
    assert new == ["## Additional Connections", "- [x] [[Kept]] — mine", "- [ ] [[Fresh]]", "my own remark"]


def test_parse_item_forms() -> None:
    assert suggestions.parse_item("- [ ] [[Folder/Note|Note]] — shared: a") == suggestions.Item("Folder/Note", False)
    assert suggestions.parse_item("* [X] [Odd #name](<Odd #name.md>)") == suggestions.Item("Odd #name.md", True)
    assert suggestions.parse_item("- [ ] no link here") is None


# --- a block where people, editors and formatters put it ---------------------------

BLOCK = ["<!-- notelink:begin 0badc0de -->", "## Additional Connections", "- [ ] [[X]] — shared: y", END]
plain_lines = st.lists(
    st.one_of(st.sampled_from(["---", "title: T", "# Title", "", "- [ ] [[A]]", "text", "```"]), st.text(max_size=6)),
    max_size=12,
).map(lambda lines: [line for line in lines if "\r" not in line and "\n" not in line and "notelink:" not in line])


@settings(max_examples=300)
@given(plain_lines, st.integers(0, 12), st.sampled_from(["\n", "\r\n"]))
def test_a_moved_block_is_taken_out_as_whole_lines(lines: list[str], at: int, eol: str) -> None:
    """Wherever the block stands, the text without it is the user's lines, none joined."""
    at = min(at, len(lines))
    text = eol.join([*lines[:at], *BLOCK, *lines[at:]]) + eol
    if section.locate(text) is None:
        return  # the block landed inside a code fence of the user's: text, not a section
    prefix, body, suffix = section.split(text)
    assert body == BLOCK[1:-1]
    out = (prefix + suffix).split(eol)
    assert [line for line in out if line] == [line for line in lines if line]


def test_a_block_moved_under_the_frontmatter_leaves_it_whole() -> None:
    text = "---\ntags: [a]\n---\n<!-- notelink:begin 0badc0de -->\n## H\n- [ ] [[X]]\n<!-- notelink:end -->\n# Title\n"
    assert section.remove(text) == "---\ntags: [a]\n---\n# Title\n"  # never "---# Title"
    text = "---\ntags: [a]\n---\n\n<!-- notelink:begin -->\n## H\n<!-- notelink:end -->\nBody\n"
    assert section.remove(text) == "---\ntags: [a]\n---\n\nBody\n"


@pytest.mark.parametrize(
    "text",
    [
        f"# Notes on notelink\n\n```markdown\n{BEGIN}\n## H\n- [ ] [[X]]\n{END}\n```\n",
        f"# Notes\n\n~~~~\n{BEGIN}\n~~~\n{END}\n~~~~\n",
        f"# Notes\n\nAn example:\n\n    {BEGIN}\n    - [ ] [[X]]\n    {END}\n",
    ],
)
def test_markers_in_code_are_text(text: str) -> None:
    assert section.locate(text) is None
    assert section.remove(text) == text
    out = section.replace_body(text, ["## H", "- [ ] [[Y]]"], "0badc0de")
    assert out.startswith(text) and section.remove(out) == text


def test_a_block_after_an_unclosed_fence_is_found() -> None:
    text = "# Draft\n\n```python\nprint(1)\n"
    out = section.replace_body(text, ["## H", "- [ ] [[Y]]"], "0badc0de")
    assert section.split(out) == (text, ["## H", "- [ ] [[Y]]"], "")


def test_text_appended_to_a_synced_note_without_final_newline_keeps_one_block() -> None:
    synced = section.replace_body("last line", ["## H", "- [ ] [[X]]"], "0badc0de")
    appended = synced + "text\n"  # echo "text" >> note.md
    assert section.split(appended) == ("last line\n\n", ["## H", "- [ ] [[X]]"], "text\n")
    again = section.replace_body(appended, ["## H", "- [ ] [[Z]]"], "0badc0de")
    assert again.count("notelink:begin") == 1 and again.endswith(f"{END}\ntext\n")
    # An old block (no final newline, no flag) with text glued to its END marker.
    old = f"last line\n\n{BEGIN}\n## H\n{END}" + "text\n"
    assert section.split(old) == ("last line\n\n", ["## H"], "text\n")
    assert section.replace_body(old, ["## H"]).count("notelink:begin") == 1


def test_an_old_block_at_the_end_without_newline_is_rewritten_with_one() -> None:
    old = f"last line\n\n{BEGIN}\n## H\n{END}"
    new = section.replace_body(old, ["## H", "- [ ] [[X]]"], "0badc0de")
    assert new.endswith(f"{END}\n") and section.remove(new) == section.remove(old) == "last line"


def test_user_lines_in_the_section_are_kept() -> None:
    old = ["#todo check these", "- [ ] [[X]] TODO re-read", "- [ ] [[Old]] — shared: a"]
    new = suggestions.merge_body(old, "## Additional Connections", ["- [ ] [[New]]"])
    assert new == ["## Additional Connections", *old[:2], "- [ ] [[New]]"]


def test_a_formatters_blank_lines_are_kept_and_there_is_one_heading() -> None:
    formatted = ["", "## Additional Connections", "", "- [x] [[A]]", "- [ ] [[B]] — shared: b", ""]
    new = suggestions.merge_body(formatted, "## Additional Connections", ["- [ ] [[B]] — shared: b"])
    assert new == formatted
    new = suggestions.merge_body(
        ["", "## Additional Connections", "", ""], "## Additional Connections", ["- [ ] [[C]]"]
    )
    assert new == ["", "## Additional Connections", "", "- [ ] [[C]]", ""]


def test_clean_keeps_the_lines_it_is_told_to() -> None:
    text = section.replace_body("# T\n", ["## H", "- [x] [[A]]", "mine", "- [ ] [[B]]"], "0badc0de")
    assert section.clean(text, ["mine"]) == "# T\n\nmine\n"
    assert section.clean(text, []) == "# T\n"
    moved = "<!-- notelink:begin -->\nmine\n<!-- notelink:end -->\n# T\n"
    assert section.clean(moved, ["mine"]) == "mine\n# T\n"
