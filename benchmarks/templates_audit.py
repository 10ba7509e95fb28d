"""Which lines the template rule calls boilerplate (rank/templates.py), and how many
lines of notes it drops.

    python benchmarks/templates_audit.py ../shared/vaults/facultad-es [--top 15]

Reads the vault into a temporary cache (nothing is written to the vault).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from notelink.rank.templates import template_floor
from notelink.sync.engine import Engine, Options


def audit(root: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(root, Options(method="tfidf"), cache_dir=tmp)
        engine.refresh()
        index = engine.index()
        lines = sum(len(rec.plain_text().split("\n")) for rec in index.records if rec.plain_text())
        dropped = sum(n for rec in index.records for line, n in rec.lines.items() if line in index.boilerplate)
        notes = sum(any(line in index.boilerplate for line in rec.lines) for rec in index.records)
        top = sorted(((index.line_notes[line], line) for line in index.boilerplate), reverse=True)
        return {"notes": len(index), "floor": template_floor(len(index)), "lines": lines,
                "boilerplate": len(index.boilerplate), "dropped": dropped, "notes_with": notes, "top": top}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    out = audit(args.vault)
    print(f"{out['notes']} notes, {out['lines']} lines; a line in {out['floor']}+ notes is boilerplate:")
    print(f"{out['boilerplate']} such lines, {out['dropped']} lines dropped in {out['notes_with']} notes")
    for n, line in out["top"][: args.top]:  # type: ignore[index]
        print(f"{n:6}  {line}")


if __name__ == "__main__":
    main()
