"""End-to-end `notelink evaluate --method hybrid` on generated vaults: wall time, peak RSS, seconds per phase.

    python benchmarks/evaluate_scale.py [--notes 10000 50000] [--protocol A]
                                        [--old SRC --old-notes 10000] [--profile N]

For each size: generate a vault (benchmarks/make_vault.py, seed 1), then run the
protocol for the hybrid in a child process (this script with ``--child``), which
prints the figures and each phase's seconds (``Progress.timings``, wall); wall time,
CPU seconds (user + system: the figure to read on a shared machine) and peak RSS come
from ``wait4``. With ``--old SRC`` (a source tree of older notelink, e.g.
``git archive COMMIT | tar -x -C SRC``), the same run with that code for the sizes in
``--old-notes``: before/after. With ``--profile N``, a cProfile of the run at N notes
(top functions by cumulative time, printed). Writes docs/performance.md's EVALUATE
section (or ``--section NAME``'s).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from docs_section import replace_between  # noqa: E402
from make_vault import make_vault  # noqa: E402

PHASES = ["split", "copying the vault", "reading notes", "training", "note vectors", "fitting weights", "ranking"]


def child(vault: Path, protocol: str, profile: bool) -> None:
    """In the child process: run the protocol, print {"result", "timings", "source"}."""
    import inspect

    import notelink
    from notelink.evaluate import evaluate

    kwargs = {}
    if "progress" in inspect.signature(evaluate).parameters:  # older code has no phases to report
        from notelink.progress import Progress

        kwargs["progress"] = Progress(enabled=False)
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        (result,) = prof.runcall(evaluate, vault, ["hybrid"], protocol, **kwargs)
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    else:
        (result,) = evaluate(vault, ["hybrid"], protocol, **kwargs)
    timings = kwargs["progress"].timings if kwargs else {}
    print(json.dumps({"result": result.as_dict(), "timings": timings, "source": notelink.__file__}))


def run(vault: Path, protocol: str, source: str | None = None, profile: bool = False) -> dict:
    env = dict(os.environ)
    if source:
        env["PYTHONPATH"] = source
    cmd = [sys.executable, __file__, "--child", str(vault), "--protocol", protocol, *(["--profile-child"] * profile)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"evaluate failed with {status}")
    summary = json.loads(out)
    summary.update(wall=time.perf_counter() - start, cpu=usage.ru_utime + usage.ru_stime, rss_mb=usage.ru_maxrss / 1024)
    return summary


def phase_seconds(timings: dict[str, float], phase: str) -> float:
    """A phase's seconds: its own stage, or the hybrid's ("hybrid: ranking 7,178 queries" for "ranking")."""
    return sum(v for k, v in timings.items() if k == phase or k.startswith(f"hybrid: {phase}"))


def row(n: int, code: str, r: dict) -> str:
    res, t = r["result"], r["timings"]
    phases = " | ".join(f"{phase_seconds(t, p):.1f}" if t else "" for p in PHASES)
    return (f"| {n:,} | {code} | {res['queries']:,} | {r['wall']:.1f} s | {r['cpu']:.1f} s | {phases} "
            f"| {r['rss_mb']:,.0f} MiB "
            f"| {res['ndcg@10']:.4f} | {res['mrr']:.4f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, nargs="+", default=[10000, 50000])
    parser.add_argument("--protocol", choices=["A", "A2"], default="A")
    parser.add_argument("--old", help="source tree of the code to compare with")
    parser.add_argument("--old-notes", type=int, nargs="*", default=[10000])
    parser.add_argument("--profile", type=int, help="profile the run at this size")
    parser.add_argument("--section", default="EVALUATE", help="the docs/performance.md section to write")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.protocol, args.profile_child)
    rows = []
    for n in args.notes:
        with tempfile.TemporaryDirectory(prefix="notelink-eval-bench-") as tmp:
            vault = Path(tmp) / "vault"
            make_vault(n, vault, seed=1)
            runs = [("this commit", run(vault, args.protocol, profile=args.profile == n))]
            if args.old and n in args.old_notes:
                runs.append(("old: " + Path(args.old).name, run(vault, args.protocol, args.old)))
            for code, r in runs:
                print(n, code, json.dumps(r), flush=True)
                rows.append(row(n, code, r))
    cmd = f"python benchmarks/evaluate_scale.py --notes {' '.join(map(str, args.notes))} --protocol {args.protocol}"
    if args.old:
        cmd += f" --old OLD --old-notes {' '.join(map(str, args.old_notes))}"
    if args.section != "EVALUATE":
        cmd += f" --section {args.section}"
    lines = [
        f"`{cmd}` ({os.cpu_count()} cores)",
        "",
        "| notes | code | queries | wall | CPU | " + " | ".join(PHASES) + " | peak RSS | nDCG@10 | MRR |",
        "|---:|---|---:|---:|---:|" + "---:|" * len(PHASES) + "---:|---:|---:|",
        *rows,
    ]
    table = "\n".join(lines)
    print(table)
    begin, end = f"<!-- {args.section}:BEGIN -->", f"<!-- {args.section}:END -->"
    replace_between(ROOT / "docs" / "performance.md", begin, end, table)


if __name__ == "__main__":
    main()
