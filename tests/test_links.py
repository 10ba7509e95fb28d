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


def test_a_bare_name_means_the_note_beside_the_linking_one_unless_one_is_at_the_root() -> None:
    # Obsidian's getFirstLinkpathDest: the vault path itself, then the source's folder, then the shortest path
    r = Resolver(["inbox/Empty.md", "kitchen/bread/Empty.md", "kitchen/bread/Rye.md", "kitchen/Oven.md"])
    assert r.resolve("Empty") == "inbox/Empty.md"
    assert r.resolve("Empty", source="kitchen/bread/Rye.md") == "kitchen/bread/Empty.md"
    assert r.resolve("Empty", source="kitchen/Oven.md") == "inbox/Empty.md"  # an ancestor folder counts for nothing
    assert r.link_text("inbox/Empty.md", source="kitchen/bread/Empty.md") == "[[inbox/Empty|Empty]]"
    assert r.link_text("kitchen/bread/Empty.md", source="kitchen/bread/Rye.md") == "[[Empty]]"
    with_root = Resolver(["Empty.md", "kitchen/bread/Empty.md", "kitchen/bread/Rye.md"])
    assert with_root.resolve("Empty", source="kitchen/bread/Rye.md") == "Empty.md"


def test_a_suggestion_never_links_a_note_to_itself(tmp_path) -> None:
    from notelink.app import Notelink, Options

    root = tmp_path / "v"
    for folder in ("kitchen/bread", "inbox"):
        (root / folder).mkdir(parents=True)
        (root / folder / "Empty.md").write_text("Rye flour, water, salt and a long cold proof.\n", encoding="utf-8")
    Notelink(root, str(tmp_path / "c")).sync(Options(method="tfidf"))
    here = (root / "kitchen/bread/Empty.md").read_text(encoding="utf-8")
    assert "[[inbox/Empty|Empty]]" in here and "[[Empty]]" not in here
    there = (root / "inbox/Empty.md").read_text(encoding="utf-8")
    assert "[[kitchen/bread/Empty|Empty]]" in there and "[[Empty]]" not in there
