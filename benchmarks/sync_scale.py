"""End-to-end `notelink sync` at scale: cold, warm, after 1 and after 100 edits.

    python benchmarks/sync_scale.py [--notes 1000 10000 50000] [--gensim]

For each size: generate a vault (benchmarks/make_vault.py, seed 1), then run
`notelink sync --json` in a subprocess four times: cold (empty cache), warm (nothing
changed), after appending a sentence to 1 note, after appending to 100 notes. Each
row: wall time, seconds per stage (from --json), peak RSS of the process, files
written. With ``--gensim``, also the time gensim's Word2Vec (skip-gram, workers=2,
5 epochs, the same settings as benchmarks/train_throughput.py) needs to train on the
same notes' tokens: the bar for a cold sync. Writes docs/performance.md's SYNC section.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from docs_section import replace_between  # noqa: E402
from make_vault import make_vault  # noqa: E402

STAGES = ["scanning", "reading notes", "training", "note vectors", "fitting weights", "ranking", "composing sections",
          "writing sections"]  # fmt: skip


def sync(vault: Path, cache: Path) -> dict:
    env = {**os.environ, "NOTELINK_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "notelink", "sync", str(vault), "--json", "-q"],
                            stdout=subprocess.PIPE, env=env)  # fmt: skip
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise RuntimeError(f"sync failed with {status}")
    summary = json.loads(out)
    summary.update(wall=wall, rss_mb=usage.ru_maxrss / 1024)
    return summary


def gensim_seconds(vault: Path) -> float:
    from train_throughput import run_gensim

    from notelink.vault.config import Config
    from notelink.vault.read import load_note
    from notelink.vault.scan import scan

    files, _ = scan(vault, Config())
    docs = [load_note(nf, 1 << 30).tokens for nf in files]
    return run_gensim(docs, epochs=5, workers=2)[0]


def edit(paths: list[Path], n: int, rng: random.Random) -> None:
    for p in rng.sample(paths, n):
        with open(p, "a", encoding="utf-8") as f:
            f.write(f"\nAn added thought about {rng.choice(paths).stem}.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--gensim", action="store_true")
    args = parser.parse_args()
    rows, bars = [], []
    for n in args.notes:
        with tempfile.TemporaryDirectory(prefix="notelink-sync-bench-") as tmp:
            vault, cache = Path(tmp) / "vault", Path(tmp) / "cache"
            paths = make_vault(n, vault, seed=1)
            words = sum(len(p.read_text(encoding="utf-8").split()) for p in paths)
            rng = random.Random(0)
            runs = [("cold", sync(vault, cache)), ("warm, nothing changed", sync(vault, cache))]
            edit(paths, 1, rng)
            runs.append(("1 note edited", sync(vault, cache)))
            edit(paths, 100, rng)
            runs.append(("100 notes edited", sync(vault, cache)))
            for name, r in runs:
                print(n, name, json.dumps(r), flush=True)
                stages = " | ".join(f"{r['stages'].get(s, 0):.1f}" for s in STAGES)
                rows.append(f"| {n:,} ({words / 1e6:.1f} M words) | {name} | {r['wall']:.1f} s | {stages} "
                            f"| {r['rss_mb']:,.0f} MB | {r['changed']:,} |")  # fmt: skip
            if args.gensim:
                g = gensim_seconds(vault)
                bars.append(f"| {n:,} | {g:.1f} s | {runs[0][1]['wall']:.1f} s | {g / runs[0][1]['wall']:.2f} |")
                print(n, "gensim", g, flush=True)
    lines = [
        f"`python benchmarks/sync_scale.py --notes {' '.join(map(str, args.notes))}"
        f"{' --gensim' if args.gensim else ''}` ({os.cpu_count()} cores)",
        "",
        "| vault | run | wall | " + " | ".join(STAGES) + " | peak RSS | files written |",
        "|---|---|---:|" + "---:|" * len(STAGES) + "---:|---:|",
        *rows,
    ]
    if bars:
        lines += ["", "| notes | gensim workers=2, 5 epochs (train only) | notelink cold sync | ratio |",
                  "|---:|---:|---:|---:|", *bars]  # fmt: skip
    table = "\n".join(lines)
    print(table)
    replace_between(ROOT / "docs" / "performance.md", "<!-- SYNC:BEGIN -->", "<!-- SYNC:END -->", table)


if __name__ == "__main__":
    main()
