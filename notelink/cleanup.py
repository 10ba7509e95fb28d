"""``notelink clean``: take notelink's section out of every note. No model, no cache."""

from __future__ import annotations

from pathlib import Path

from notelink import section
from notelink.vault import ReadError, decode, load_config, read_bytes, scan
from notelink.writer import Conflict, WriteError, replace_note


def clean_vault(root: Path) -> tuple[int, list[str]]:
    """Remove the section from every note that has one; (notes cleaned, problems)."""
    config = load_config(root)
    files, problems = scan(root, config)
    cleaned = 0
    for nf in files:
        try:
            data = read_bytes(nf, config.max_note_bytes)
            text = decode(data, config.max_note_bytes)
        except ReadError as e:
            problems.append(f"{nf.rel}: {e}")
            continue
        new = section.remove(text)
        if new == text:
            continue
        try:
            replace_note(nf.path, data, new.encode("utf-8"), root=root)
        except (Conflict, WriteError) as e:
            problems.append(f"{nf.rel}: {e}")
            continue
        cleaned += 1
    return cleaned, problems
