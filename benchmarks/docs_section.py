"""Write a benchmark's tables into a Markdown file, between two marker comments."""

from __future__ import annotations

from pathlib import Path


def replace_between(doc: Path, begin: str, end: str, text: str) -> None:
    """Put ``text`` between the ``begin`` and ``end`` markers of ``doc``, keeping the rest."""
    content = doc.read_text(encoding="utf-8")
    head, _, rest = content.partition(begin)
    _, _, tail = rest.partition(end)
    doc.write_text(head + begin + "\n" + text + "\n" + end + tail, encoding="utf-8")
    print(f"wrote {doc}")
