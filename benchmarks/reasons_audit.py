"""What the sections of a synced vault show a reader: suggestions per note, and what
should never be there (reasons with LaTeX words, function words, numbers; missing
reasons; a link that Obsidian resolves to the note itself; reasons out of order).

    python benchmarks/reasons_audit.py ../shared/vaults/facultad-es [--seed 0]
    python benchmarks/reasons_audit.py ../shared/vaults/facultad-es --add ../shared/vaults/jzhao-en:300

Syncs a temporary copy of the vault (fresh cache), then reads every section back.
``--add DIR:N`` copies N notes of another vault (spread evenly over its sorted paths,
with the files they embed) into the copy's folder ``DIR``'s name: a mixed-language vault.
Function words are those of a reference stop list (the ``stopwords`` package, Snowball-style
lists; ``pip install stopwords``) in ``--languages``, cut into tokens as notelink cuts them
("i've" → "ve"); notelink itself does not use that list.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from notelink.text.tokens import tokenize

ROOT = Path(__file__).resolve().parent.parent
# LaTeX command names that are not words of English or Spanish prose.
LATEX = set(
    "frac displaystyle infty mathbb lvert rvert sqrt mathrm ldots cdots cdot leq geq neq mathcal overline "
    "theta alpha lambda varepsilon epsilon partial nabla approx equiv forall exists subseteq".split()
)
LINE = re.compile(r"^\s*[-*+] \[ \] .*$")
# The strongest signal first: the kind of each reason, by its first words.
ORDER = [("mention", 'mentions "'), ("backlink", "links here"), ("backlink", "mentions this note"),
         ("neighbours", "both "), ("neighbours", "via "),
         ("tags", "#"), ("words", "shared: ")]  # fmt: skip


def function_words(languages: list[str]) -> set[str]:
    from stopwords import get_stopwords  # the reference list: not a dependency of notelink

    return {t for lang in languages for w in get_stopwords(lang) for t in tokenize(w)}


def mixed_copy(vault: Path, add: list[str], copy: Path) -> None:
    shutil.copytree(vault, copy, symlinks=True)
    for spec in add:
        src, _, n = spec.rpartition(":")
        other = Path(src)
        notes = sorted(p for p in other.rglob("*.md") if not any(s.startswith(".") for s in p.relative_to(other).parts))
        pick = [notes[i * len(notes) // int(n)] for i in range(min(int(n), len(notes)))]
        for note in pick:
            dest = copy / other.name / note.relative_to(other)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(note, dest)
    for p in [copy, *copy.rglob("*")]:
        if not p.is_symlink():
            p.chmod(p.stat().st_mode | 0o200)


def kind(reason: str) -> int:
    return next((i for i, (_, start) in enumerate(ORDER) if reason.startswith(start)), len(ORDER))


def audit(vault: Path, seed: int, add: list[str], stop: set[str], show: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "vault"
        mixed_copy(vault, add, copy)
        env = {**os.environ, "NOTELINK_CACHE_DIR": str(Path(tmp) / "cache")}
        subprocess.run([sys.executable, "-m", "notelink", "sync", str(copy), "--seed", str(seed), "-q"], env=env,
                       cwd=ROOT, check=False)  # fmt: skip
        per_note: Counter[int] = Counter()
        out = Counter(notes=0, suggestions=0, latex=0, function_words=0, numbers=0, no_reason=0, self_links=0,
                      out_of_order=0)  # fmt: skip
        seen: Counter[str] = Counter()
        digits: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        examples: list[str] = []
        for note in sorted(copy.rglob("*.md")):
            text = note.read_text(encoding="utf-8", errors="replace")
            out["notes"] += 1
            body = text.split("<!-- notelink:begin", 1)[1] if "<!-- notelink:begin" in text else ""
            lines = [line for line in body.splitlines() if LINE.match(line)]
            per_note[len(lines)] += 1
            for line in lines:
                out["suggestions"] += 1
                reason = line.split(" — ", 1)[1] if " — " in line else ""
                out["no_reason"] += not reason
                if not reason and len(examples) < show:
                    examples.append(f"{note.relative_to(copy)}: {line.strip()}")
                bare = re.match(r"^\s*[-*+] \[ \] \[\[([^\]|#]+)\]\]", line)  # [[Name]] in Name.md: itself
                out["self_links"] += bool(bare and bare.group(1).strip().casefold() == note.stem.casefold())
                parts = [kind(r) for r in reason.split("; ")] if reason else []
                out["out_of_order"] += parts != sorted(parts)
                kinds.update(ORDER[k][0] if k < len(ORDER) else "other" for k in parts)
                shared = reason.split("shared: ", 1)[1].split("; ")[0] if "shared: " in reason else ""
                words = [w.strip() for w in shared.split(",") if w.strip()]
                out["latex"] += bool(LATEX & set(words))
                bad = [w for w in words if w in stop]
                out["function_words"] += bool(bad)
                seen.update(bad)
                numbers = [w for w in words if any(c.isdigit() for c in w)]
                out["numbers"] += bool(numbers)
                digits.update(numbers)
        result: dict[str, object] = dict(out)
        result.update({f"notes with {k}": v for k, v in sorted(per_note.items())})
        result["reasons by kind"] = dict(sorted(kinds.items()))
        result["function words, most seen"] = dict(seen.most_common(show))
        result["numbers, most seen"] = dict(digits.most_common(show))
        result["no reason, first"] = examples
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--add", action="append", default=[], metavar="DIR:N")
    parser.add_argument("--languages", default="english,spanish,portuguese")
    parser.add_argument("--show", type=int, default=12, help="examples to show")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    stop = function_words(args.languages.split(","))
    result = audit(args.vault, args.seed, args.add, stop, args.show)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    for key, value in result.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
