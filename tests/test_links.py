from notelink.text.links import Resolver


def test_obsidian_resolution_rules() -> None:
    r = Resolver(["a/Note.md", "Note.md", "b/c/Note.md", "b/Other.md", "x/Ünï.md", "Deep/Path/Thing.md"])
    assert r.resolve("note") == "Note.md"  # case-insensitive, shortest path wins
    assert r.resolve("NOTE.md") == "Note.md"
    assert r.resolve("c/Note") == "b/c/Note.md"  # path suffix
    assert r.resolve("a/note") == "a/Note.md"
    assert r.resolve("Path/Thing") == "Deep/Path/Thing.md"
    assert r.resolve("u\u0308ni\u0308") == "x/Ünï.md"  # NFD link to an NFC name
    assert r.resolve("Missing") is None
    assert r.resolve("../Other.md", source="b/c/Note.md") == "b/Other.md"


def test_ties_break_alphabetically() -> None:
    r = Resolver(["b/N.md", "a/N.md"])
    assert r.resolve("N") == "a/N.md"
    assert r.link_text("a/N.md") == "[[N]]"
    assert r.link_text("b/N.md") == "[[b/N|N]]"
