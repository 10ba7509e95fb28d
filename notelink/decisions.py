"""The user's review decisions: user data, kept in the vault as a small text file.

``.notelink/decisions.txt`` holds one decision per line, a tab between the fields,
sorted so that sync tools merge it line by line::

    reject<TAB>Ideas/Word2Vec.md<TAB>Baking/Sourdough.md
    accept<TAB>Ideas/Word2Vec.md<TAB>Ideas/Cosine Similarity.md

A rejected suggestion is never offered again for that note; delete its line to
undo. Lines starting with ``#`` and lines notelink cannot read are kept as they are.

>>> d = Decisions.parse("# mine\\nreject\\ta.md\\tb.md\\n")
>>> d.rejected("a.md"), d.render()
({'b.md'}, '# mine\\nreject\\ta.md\\tb.md\\n')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from notelink.writer import replace_note, write_file

DECISIONS_PATH = ".notelink/decisions.txt"
HEADER = (
    "# notelink review decisions, one per line: reject|accept <TAB> note <TAB> suggested note.\n"
    "# A rejected suggestion is never offered again for that note; delete the line to undo.\n"
)
KINDS = ("reject", "accept")


@dataclass
class Decisions:
    entries: set[tuple[str, str, str]] = field(default_factory=set)
    other: list[str] = field(default_factory=list)  # comments and lines kept verbatim
    # The file as loaded (None: there was none), and its entries then: what save()
    # merges the user's own edits of the file with.
    base: bytes | None = None
    base_entries: set[tuple[str, str, str]] = field(default_factory=set)

    @classmethod
    def parse(cls, text: str) -> Decisions:
        d = cls()
        for line in text.splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[0] in KINDS and parts[1] and parts[2]:
                d.entries.add((parts[0], parts[1], parts[2]))
            elif line.strip():
                d.other.append(line)
        return d

    @classmethod
    def load(cls, root: Path) -> Decisions:
        data = _read(root / DECISIONS_PATH)
        d = cls(other=HEADER.splitlines()) if data is None else cls.parse(data.decode("utf-8", errors="replace"))
        d.base, d.base_entries = data, set(d.entries)
        return d

    def render(self) -> str:
        lines = self.other + ["\t".join(e) for e in sorted(self.entries, key=lambda e: (e[1], e[0], e[2]))]
        return "".join(line + "\n" for line in lines)

    def save(self, root: Path) -> bool:
        """Write the file if its content changed; True when it was written.

        If the user edited the file since it was loaded, their version is the base and
        only the decisions this run added or removed are applied to it; the file is
        replaced only if it still holds what was merged with (else
        :class:`~notelink.writer.Conflict`, and the next run merges again)."""
        path = root / DECISIONS_PATH
        current = _read(path)
        if current != self.base:
            theirs = Decisions.parse((current or b"").decode("utf-8", errors="replace"))
            added, removed = self.entries - self.base_entries, self.base_entries - self.entries
            self.entries = (theirs.entries - removed) | added
            self.other = theirs.other if current is not None else HEADER.splitlines()
        data = self.render().encode("utf-8")
        if data == current or (not self.entries and current is None):
            self.base, self.base_entries = current, set(self.entries)
            return False
        if current is None:
            write_file(path, data)
        else:
            replace_note(path, current, data)
        self.base, self.base_entries = data, set(self.entries)
        return True

    def rejected(self, note: str) -> set[str]:
        return {t for kind, n, t in self.entries if kind == "reject" and n == note}

    def accepted(self, note: str) -> set[str]:
        return {t for kind, n, t in self.entries if kind == "accept" and n == note}

    def set(self, kind: str, note: str, target: str) -> None:
        other = "accept" if kind == "reject" else "reject"
        self.entries.discard((other, note, target))
        self.entries.add((kind, note, target))

    def unset(self, kind: str, note: str, target: str) -> None:
        self.entries.discard((kind, note, target))

    def rename(self, old: str, new: str) -> bool:
        """A note moved: its decisions, and the decisions about it, follow."""
        moved = {(k, new if n == old else n, new if t == old else t) for k, n, t in self.entries}
        changed = moved != self.entries
        self.entries = moved
        return changed


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
