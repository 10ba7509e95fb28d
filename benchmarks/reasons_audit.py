"""What the sections of a synced vault show a reader: suggestions per note, and what
should never be there (reasons with LaTeX words, missing reasons, a link that Obsidian
resolves to the note itself).

    python benchmarks/reasons_audit.py ../shared/vaults/facultad-es [--seed 0]

Syncs a temporary copy of the vault (fresh cache), then reads every section back.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# LaTeX command names that are not words of English or Spanish prose.
LATEX = set(
    "frac displaystyle infty mathbb lvert rvert sqrt mathrm ldots cdots cdot leq geq neq mathcal overline "
    "theta alpha lambda varepsilon epsilon partial nabla approx equiv forall exists subseteq".split()
)
LINE = re.compile(r"^\s*[-*+] \[ \] .*$")


def audit(vault: Path, seed: int) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "vault"
        shutil.copytree(vault, copy, symlinks=True)
        for p in [copy, *copy.rglob("*")]:
            if not p.is_symlink():
                p.chmod(p.stat().st_mode | 0o200)
        env = {**os.environ, "NOTELINK_CACHE_DIR": str(Path(tmp) / "cache")}
        subprocess.run([sys.executable, "-m", "notelink", "sync", str(copy), "--seed", str(seed), "-q"], env=env,
                       cwd=ROOT, check=False)  # fmt: skip
        per_note: Counter[int] = Counter()
        out = Counter(notes=0, suggestions=0, latex=0, no_reason=0, self_links=0)
        for note in copy.rglob("*.md"):
            text = note.read_text(encoding="utf-8", errors="replace")
            out["notes"] += 1
            body = text.split("<!-- notelink:begin", 1)[1] if "<!-- notelink:begin" in text else ""
            lines = [line for line in body.splitlines() if LINE.match(line)]
            per_note[len(lines)] += 1
            for line in lines:
                out["suggestions"] += 1
                reason = line.split(" — ", 1)[1] if " — " in line else ""
                out["no_reason"] += not reason
                bare = re.match(r"^\s*[-*+] \[ \] \[\[([^\]|#]+)\]\]", line)  # [[Name]] in Name.md: itself
                out["self_links"] += bool(bare and bare.group(1).strip().casefold() == note.stem.casefold())
                shared = reason.split("shared: ", 1)[1] if "shared: " in reason else ""
                out["latex"] += bool(LATEX & set(re.findall(r"\w+", shared)))
        out.update({f"notes with {k}": v for k, v in sorted(per_note.items())})
        return dict(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for key, value in audit(args.vault, args.seed).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
