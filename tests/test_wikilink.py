"""The one wikilink grammar, read the ways its three readers need (see notelink.text.wikilink)."""

from notelink.evaluate import occurrences
from notelink.text.parse import parse_note
from notelink.text.suggestions import link_target, own_shape


def test_a_note_takes_single_brackets_into_the_target_the_section_does_not() -> None:
    assert [link.target for link in parse_note("See [[a]b]] and [[c[d]].", "n").links] == ["a]b", "c[d"]
    assert link_target("[[a]b]]") is None and not own_shape("- [ ] [[a]b]]")
    assert occurrences("See [[a]b]].\n") == []


def test_a_line_break_ends_a_link_in_a_note_not_in_a_section_line() -> None:
    assert parse_note("See [[a\nb]].", "n").links == []
    assert link_target("[[a\nb]]") == "a\nb"  # a note's name may hold a line break
    assert occurrences("See [[a\nb]].\n") == []  # read a line at a time


def test_embeds_are_links_in_a_note_not_in_the_evaluation_nor_the_section_shape() -> None:
    assert [(link.target, link.embed) for link in parse_note("![[Pic]] [[Note]]", "n").links] == [
        ("Pic", True),
        ("Note", False),
    ]
    assert [t for _, _, t, _ in occurrences("![[Pic]] [[Note]]\n")] == ["Note"]
    assert link_target("![[Pic]]") == "Pic" and not own_shape("- [ ] ![[Pic]]")


def test_table_pipes_and_blank_parts_split_alike() -> None:
    link = parse_note("| [[Note#Part\\|shown]] |", "n").links[0]
    assert (link.target, link.heading, link.alias) == ("Note", "Part", "shown")
    assert link_target("[[Note#Part\\|shown]]") == "Note"
    assert occurrences("[[Note#Part\\|shown]]\n")[0][2:] == ("Note", "shown")
    assert parse_note("[[ ]] [[]]", "n").links == [] and link_target("[[ ]]") is None
