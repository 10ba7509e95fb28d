from __future__ import annotations

import pytest

from notelink.text.parse import NoteError, parse_note
from notelink.text.tokens import tokenize

NOTE = """---
title: Vectors
aliases: [Vector, "Vektoren"]
tags: [ml, "#math"]
---
# Heading one
Prose with [[Plain]], [[Aliased|shown text]], [[Sectioned#Part]], ![[Embedded.png]], ![[Embedded note]]
and a [markdown link](sub/Other%20Note.md) and [web](https://example.com/page) and https://bare.example.org/x.
Inline `[[NotInline]]` code. #inline-tag and #nested/tag but not #123.

| a | b |
|---|---|
| [[Tabled\\|alias in table]] | x |

```python
[[NotInFence]] = "code words"
```

    [[NotInIndented]] indented code

<!-- [[NotInComment]] html comment -->
%%[[NotInObsidianComment]]%%
"""


def test_links_in_every_form_and_none_from_code() -> None:
    note = parse_note(NOTE, "file-stem")
    targets = [(link.target, link.alias, link.heading, link.embed) for link in note.links]
    assert targets == [
        ("Plain", None, None, False),
        ("Aliased", "shown text", None, False),
        ("Sectioned", None, "Part", False),
        ("Embedded.png", None, None, True),
        ("Embedded note", None, None, True),
        ("sub/Other Note.md", None, None, False),
        ("Tabled", "alias in table", None, False),
    ]


def test_frontmatter_title_aliases_tags() -> None:
    note = parse_note(NOTE, "file-stem")
    assert note.title == "Vectors"
    assert note.aliases == ["Vector", "Vektoren"]
    assert note.tags == ["inline-tag", "math", "ml", "nested/tag"]
    assert note.headings == ["Heading one"]


def test_prose_excludes_code_urls_comments() -> None:
    words = set(tokenize(parse_note(NOTE, "x").text))
    assert {"prose", "shown", "text", "markdown", "link", "heading", "inline"} <= words
    for absent in (
        "notinline",
        "notinfence",
        "words",
        "indented",
        "notincomment",
        "notinobsidiancomment",
        "example",
        "bare",
        "https",
        "embedded",
        "aliased",
    ):
        assert absent not in words, absent


def test_title_defaults_to_file_name_and_opt_out() -> None:
    assert parse_note("just text", "My Note").title == "My Note"
    assert parse_note("---\nnotelink: false\n---\nx", "n").enabled is False


@pytest.mark.parametrize("bad", ["---\ntitle: [unclosed\n---\nbody", "---\na: b: c\n---\n", "---\n\tbad: tab\n---\n"])
def test_malformed_yaml_is_a_clear_error(bad: str) -> None:
    with pytest.raises(NoteError, match="malformed YAML frontmatter"):
        parse_note(bad, "x")


def test_bom_and_crlf() -> None:
    note = parse_note("\ufeff---\r\ntags: [a]\r\n---\r\n# T\r\n[[L]]\r\n", "x")
    assert note.tags == ["a"] and [link.target for link in note.links] == ["L"]


def test_tokenize_is_unicode_aware() -> None:
    assert tokenize("Pão de FERMENTAÇÃO natural") == ["pão", "de", "fermentação", "natural"]
    assert tokenize("Die Straße und Größe") == ["die", "strasse", "und", "grösse"]
    assert tokenize("word2vec, TF-IDF 2024") == ["word2vec", "tf", "idf"]
    # NFD input (as macOS writes it) gives the same tokens as NFC
    assert tokenize("Pa\u0303o") == tokenize("Pão")


def test_math_and_templater_are_not_prose() -> None:
    text = (
        "Costo $O(n^2)$ y $$\\frac{a}{b}$$ fin.\n\n"
        "* $$ \\begin{align}\n  x &= \\theta \\\\\n  \\end{align} $$\n\n"
        "Texto \\begin{equation} E = mc^2 \\end{equation} final <% tp.date.now() %> listo.\n"
    )
    words = parse_note(text, "n").text.split()
    assert words == ["Costo", "y", "fin.", "Texto", "final", "listo."]


def test_dollars_that_are_money_stay_prose() -> None:
    # pandoc's and Obsidian's rule: no space inside the dollars, no digit after the closing one
    assert parse_note("Cost $5 and $10 or more; a $x$2 b", "n").text.split() == [
        "Cost", "$5", "and", "$10", "or", "more;", "a", "$x$2", "b",
    ]  # fmt: skip
