"""Latency of `notelink watch`: from a note's save to its section written back.

    python benchmarks/watch_latency.py [--notes 1000 10000] [--edits 50] [--idle 60] [--log DIR]

For each vault size: generate a vault (benchmarks/make_vault.py), start
`notelink watch` on it, then save 50 edits one at a time (each appends a sentence to a
random note) and time how long after each save the daemon finishes the batch that
rewrote the sections (its log line), minus the quiet period. Then 60 s of idle: the
daemon's CPU time and RSS from /proc. Prints a table and writes docs/performance.md's
WATCH section.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from docs_section import replace_between  # noqa: E402
from make_vault import make_vault  # noqa: E402

QUIET = 0.5


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(n: int, edits: int, idle: float, log: Path | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="notelink-watch-bench-") as tmp:
        vault, cache = Path(tmp) / "vault", Path(tmp) / "cache"
        paths = make_vault(n, vault, seed=1)
        env = {**os.environ, "NOTELINK_CACHE_DIR": str(cache)}
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "notelink", "sync", str(vault), "-q"], env=env, check=False)
        cold = time.perf_counter() - start
        proc = subprocess.Popen(
            [sys.executable, "-m", "notelink", "watch", str(vault), "--quiet-period", str(QUIET), "--hold", "0"],
            stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        batches: list[float] = []
        ready = threading.Event()

        def read() -> None:
            out = open(log, "w", encoding="utf-8") if log else None
            for line in proc.stderr:
                if out:
                    out.write(f"{time.perf_counter() - start:10.2f} {line}")
                    out.flush()
                if "watching" in line:
                    ready.set()
                if "batch:" in line:
                    batches.append(time.perf_counter())
            if out:
                out.close()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        ready.wait(timeout=1800)
        rng = random.Random(0)
        latencies = []
        for k in range(edits):
            note = rng.choice(paths)
            seen = len(batches)
            saved = time.perf_counter()
            with open(note, "a", encoding="utf-8") as f:
                f.write(f"\nEdit {k}: a new thought about {rng.choice(paths).stem}.\n")
            deadline = saved + 600
            while len(batches) == seen and time.perf_counter() < deadline:
                time.sleep(0.01)
            latencies.append(batches[-1] - saved - QUIET)
        cpu0, t0 = cpu_seconds(proc.pid), time.perf_counter()
        time.sleep(idle)
        idle_cpu = (cpu_seconds(proc.pid) - cpu0) / (time.perf_counter() - t0)
        rss = rss_mb(proc.pid)
        proc.terminate()
        proc.wait(timeout=120)
    latencies.sort()
    return {
        "notes": n, "cold_sync_s": cold,
        "p50": latencies[len(latencies) // 2], "p95": latencies[int(len(latencies) * 0.95) - 1],
        "idle_cpu_pct": 100 * idle_cpu, "rss_mb": rss,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--idle", type=float, default=60)
    parser.add_argument("--log", type=Path, help="folder for each daemon's log (watch-N.log)")
    args = parser.parse_args()
    rows = []
    for n in args.notes:
        log = None
        if args.log:
            args.log.mkdir(parents=True, exist_ok=True)
            log = args.log / f"watch-{n}.log"
        r = measure(n, args.edits, args.idle, log)
        print(r, flush=True)
        rows.append(
            f"| {r['notes']:,} | {r['cold_sync_s']:.1f} s | {r['p50']:.2f} s | {r['p95']:.2f} s "
            f"| {r['idle_cpu_pct']:.2f}% | {r['rss_mb']:.0f} MB |"
        )
    table = "\n".join(
        [
            f"`python benchmarks/watch_latency.py --notes {' '.join(map(str, args.notes))} --edits {args.edits} "
            f"--idle {args.idle:g}` (quiet period {QUIET} s, subtracted; {args.edits} edits; idle {args.idle:g} s)",
            "",
            "| notes | cold sync | save → sections written, p50 | p95 | idle CPU | idle RSS |",
            "|---:|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )
    print(table)
    replace_between(ROOT / "docs" / "performance.md", "<!-- WATCH:BEGIN -->", "<!-- WATCH:END -->", table)


if __name__ == "__main__":
    main()
