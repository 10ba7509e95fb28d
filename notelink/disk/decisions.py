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

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from notelink.disk.writer import READ_FLAGS, Unsafe, WriteError, open_folder, replace_note, write_file
from notelink.errors import VaultError

DECISIONS_PATH = ".notelink/decisions.txt"
HEADER = (
    "# notelink review decisions, one per line: reject|accept <TAB> note <TAB> suggested note.\n"
    "# A rejected suggestion is never offered again for that note; delete the line to undo.\n"
)
KINDS = ("reject", "accept")
BOM = "\ufeff"


@dataclass
class Decisions:
    entries: set[tuple[str, str, str]] = field(default_factory=set)
    other: list[str] = field(default_factory=list)  # comments and lines kept verbatim
    # The file as loaded (None: there was none), and its entries then: what save()
    # merges the user's own edits of the file with.
    base: bytes | None = None
    base_entries: set[tuple[str, str, str]] = field(default_factory=set)
    bom: bool = False  # the file's own UTF-8 BOM and line ending, kept when it is rewritten
    newline: str = "\n"

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
    def from_bytes(cls, data: bytes, path: Path) -> Decisions:
        """The decisions of the file ``path`` holding ``data``; :class:`VaultError` if
        it is not UTF-8 text (a UTF-8 BOM is fine, and kept)."""
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise VaultError(f"{path}: UTF-16 text; notelink reads this file only as UTF-8 (save it as UTF-8)")
        nul = data.find(b"\0")
        if nul >= 0:
            raise VaultError(f"{path}: binary file, not text (NUL byte at offset {nul}); move it away")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise VaultError(f"{path}: not UTF-8 text (invalid byte at offset {e.start}); save it as UTF-8") from None
        d = cls.parse(text.removeprefix(BOM))
        d.bom, d.newline = text.startswith(BOM), "\r\n" if "\r\n" in text else "\n"
        return d

    @classmethod
    def load(cls, root: Path) -> Decisions:
        """The vault's decisions; :class:`VaultError` if the file cannot be used (a
        symlink, a folder, a FIFO, not UTF-8 text): sections written without them
        would offer what the user rejected."""
        data = _read(root)
        d = cls(other=HEADER.splitlines()) if data is None else cls.from_bytes(data, root / DECISIONS_PATH)
        d.base, d.base_entries = data, set(d.entries)
        return d

    def render(self) -> str:
        lines = self.other + ["\t".join(e) for e in sorted(self.entries, key=lambda e: (e[1], e[0], e[2]))]
        return "".join(line + self.newline for line in lines)

    def save(self, root: Path) -> bool:
        """Write the file if its decisions changed; True when it was written. A file
        whose decisions are the same is never rewritten (its line endings, comments and
        order stay the user's); a rewritten one keeps its line ending and BOM.

        If the user edited the file since it was loaded, their version is the base and
        only the decisions this run added or removed are applied to it; the file is
        replaced only if it still holds what was merged with (else
        :class:`~notelink.disk.writer.Conflict`, and the next run merges again)."""
        path = root / DECISIONS_PATH
        try:
            current = _read(root)
            theirs = None if current is None else Decisions.from_bytes(current, path)
        except VaultError as e:
            raise WriteError(str(e)) from None
        if current != self.base:
            added, removed = self.entries - self.base_entries, self.base_entries - self.entries
            self.entries = ((theirs.entries if theirs else set()) - removed) | added
            self.other = theirs.other if theirs else HEADER.splitlines()
            self.bom, self.newline = (theirs.bom, theirs.newline) if theirs else (False, "\n")
        if self.entries == (theirs.entries if theirs else set()):
            self.base, self.base_entries = current, set(self.entries)
            return False
        data = ((BOM if self.bom else "") + self.render()).encode("utf-8")
        if current is None:
            write_file(path, data, root=root)
        else:
            replace_note(path, current, data, root=root)
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


def _read(root: Path) -> bytes | None:
    """The decisions file's bytes (None: there is none), read without following a
    symlink and without waiting on a FIFO; :class:`VaultError` names what is wrong."""
    path = root / DECISIONS_PATH
    folder_name, name = DECISIONS_PATH.split("/")
    try:
        folder = open_folder(root, [folder_name])
    except Unsafe as e:
        raise VaultError(f"{root}: {e}; notelink keeps its decisions in a real folder") from None
    except (FileNotFoundError, NotADirectoryError):  # none yet, or no vault folder (which the scan says)
        return None
    except OSError as e:
        raise VaultError(
            f"{root / folder_name}: {e.strerror or e}; notelink keeps its decisions in a real folder"
        ) from None
    try:
        try:
            fd = os.open(name, READ_FLAGS, dir_fd=folder)
        finally:
            os.close(folder)
        with os.fdopen(fd, "rb") as f:
            mode = os.fstat(f.fileno()).st_mode
            if stat.S_ISDIR(mode):
                raise VaultError(f"{path}: is a folder, not the decisions file; move it away")
            if not stat.S_ISREG(mode):
                raise VaultError(f"{path}: not a regular file (a FIFO or device); move it away")
            return f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise VaultError(f"{path}: is a symlink; notelink keeps its decisions only in a regular file") from None
        raise VaultError(f"{path}: cannot read: {e.strerror or e}") from None
