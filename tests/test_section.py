from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from notelink import section
from notelink.section import BEGIN, END

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
    assert section.remove(typed) == text + after
    assert section.remove(section.replace_body(typed, ["new"])) == text + after


def test_block_uses_the_files_line_ending() -> None:
    out = section.replace_body("a\r\nb\r\n", ["## H", "- [ ] [[X]]"])
    assert out == f"a\r\nb\r\n\r\n{BEGIN}\r\n## H\r\n- [ ] [[X]]\r\n{END}\r\n"


def test_note_without_final_newline_keeps_none() -> None:
    out = section.replace_body("last line", ["## H"])
    assert out == f"last line\n\n{BEGIN}\n## H\n{END}"


def test_stray_markers_are_not_a_section() -> None:
    text = f"I wrote {BEGIN} inline\nand a line:\n{END}\n"
    assert section.split(text) == (text, None, "")


def test_merge_keeps_ticks_and_user_text_and_replaces_unticked() -> None:
    old = ["## Old heading", "- [x] [[Kept]] — mine", "- [ ] [[Gone]]", "my own remark", "- [ ] [[Also gone]]"]
    new = section.merge_body(old, "## Additional Connections", ["- [ ] [[Fresh]]"])
    assert new == ["## Additional Connections", "- [x] [[Kept]] — mine", "- [ ] [[Fresh]]", "my own remark"]


def test_parse_item_forms() -> None:
    assert section.parse_item("- [ ] [[Folder/Note|Note]] — shared: a") == section.Item("Folder/Note", False)
    assert section.parse_item("* [X] [Odd #name](<Odd #name.md>)") == section.Item("Odd #name.md", True)
    assert section.parse_item("- [ ] no link here") is None
