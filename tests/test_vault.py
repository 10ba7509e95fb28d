"""Finding the vault's notes: a full scan, and the daemon's rescan of named paths."""

from __future__ import annotations

import os
from pathlib import Path

from notelink.vault.config import Config
from notelink.vault.scan import rescan, scan


def test_rescan_of_the_changed_paths_equals_a_full_scan(vault: Path, tmp_path: Path) -> None:
    config = Config(exclude=["drafts/**"])
    before, _ = scan(vault, config)
    (vault / "sky/New Star.md").write_text("# New Star\n")
    (vault / "garden/Mulch.md").unlink()
    (vault / "sky/Telescopes.md").write_text("# Telescopes\nrewritten, longer than before\n")
    (vault / ".hidden").mkdir()
    (vault / ".hidden/Secret.md").write_text("# Secret\n")
    (vault / "drafts").mkdir()
    (vault / "drafts/Draft.md").write_text("# Draft\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "Far.md").write_text("# Far\n")
    os.symlink(outside, vault / "linked")
    named = {
        "sky/New Star.md",
        "garden/Mulch.md",
        "sky/Telescopes.md",
        ".hidden/Secret.md",
        "drafts/Draft.md",
        "linked/Far.md",
        "../escape.md",
        "sky/notes.txt",
    }
    after, problems = rescan(vault, config, before, named)
    full, _ = scan(vault, config)
    assert [(f.rel, f.size, f.mtime_ns) for f in after] == [(f.rel, f.size, f.mtime_ns) for f in full]
    assert problems == []


def test_rescan_reports_what_scan_reports(vault: Path, tmp_path: Path) -> None:
    before, _ = scan(vault, Config())
    (tmp_path / "out.md").write_text("# Out\n")
    os.symlink(tmp_path / "out.md", vault / "Out.md")
    (vault / "Folder.md").mkdir()
    _, problems = rescan(vault, Config(), before, {"Out.md", "Folder.md"})
    assert problems == ["Out.md: symlink to outside the vault, left alone"]
