"""Memory of a cold `sync`, stage by stage, measured inside the process.

    python benchmarks/stage_rss.py VAULT CACHE_DIR

Runs one cold sync of VAULT (a copy: it is written into; CACHE_DIR is emptied first)
in this process, with a thread reading RSS from /proc every 20 ms. For each stage:
its seconds, RSS and the process's peak so far (``VmHWM``) at its start, and the
highest RSS sampled within it. ``VmHWM`` at the end is the run's peak; the 20 ms
samples say which stage reached it.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from pathlib import Path

import notelink.progress as progress_module
from notelink.sync.engine import Engine, Options, sync


def status() -> dict[str, int]:
    """VmRSS and VmHWM of this process, MiB."""
    with open("/proc/self/status") as f:
        return {k: int(v.split()[0]) // 1024 for k, v in (line.split(":", 1) for line in f) if k in ("VmRSS", "VmHWM")}


def main() -> None:
    vault, cache = Path(sys.argv[1]), Path(sys.argv[2])
    shutil.rmtree(cache, ignore_errors=True)
    rows: list[list] = []  # [stage, start seconds, RSS at start, HWM at start, highest sampled]
    t0 = time.monotonic()

    def sample() -> None:
        while True:
            rss = status()["VmRSS"]
            if rows:
                rows[-1][4] = max(rows[-1][4], rss)
            time.sleep(0.02)

    original = progress_module.Progress.stage

    def stage(self: progress_module.Progress, name: str, total: float) -> progress_module.Stage:
        now = status()
        rows.append([name, time.monotonic() - t0, now["VmRSS"], now["VmHWM"], now["VmRSS"]])
        return original(self, name, total)

    progress_module.Progress.stage = stage  # type: ignore[method-assign]
    threading.Thread(target=sample, daemon=True).start()
    engine = Engine(vault, Options(), cache_dir=str(cache))
    original_save = engine.save

    def save(synced: bool) -> None:
        now = status()
        rows.append(["saving the cache", time.monotonic() - t0, now["VmRSS"], now["VmHWM"], now["VmRSS"]])
        original_save(synced)

    engine.save = save  # type: ignore[method-assign]
    sync(engine)
    end, final = time.monotonic() - t0, status()
    print(f"`python benchmarks/stage_rss.py VAULT CACHE` on {engine.report.notes:,} notes: {end:.0f} s, "
          f"peak (VmHWM) {final['VmHWM']:,} MiB\n")  # fmt: skip
    print("| stage | seconds | RSS at start | peak so far (VmHWM) at start | highest RSS sampled within |")
    print("|---|---:|---:|---:|---:|")
    for k, (name, start, rss, hwm, high) in enumerate(rows):
        took = (rows[k + 1][1] if k + 1 < len(rows) else end) - start
        print(f"| {name} | {took:.1f} | {rss:,} MiB | {hwm:,} MiB | {high:,} MiB |")
    print(f"| (end) | | {final['VmRSS']:,} MiB | {final['VmHWM']:,} MiB | |")


if __name__ == "__main__":
    main()
