"""Suggestion quality: the default method against the baselines, on every shared vault.

    python benchmarks/quality.py [--vaults ../shared/vaults] [--lee ../shared/data/lee] [--all-methods NAME]

For every vault under ``--vaults`` and both protocols (A, A2) of
shared/benchmarks/PROTOCOL.md, runs `notelink evaluate` for the default method
(hybrid) and the baselines on the same split: TF-IDF, LSA, title mention + TF-IDF,
Adamic–Adar, all without the optional pretrained sentence model (the default install);
then, when the ``notelink[pretrained]`` extra is installed, TF-IDF + MiniLM and the
hybrid with the extra. Writes into docs/quality.md (between the QUALITY markers) one
summary table (the default's margin over the best baseline, against issue 16's +0.03
bar, and the extra against the default), a detail table per vault and protocol (every
method on the vault named by ``--all-methods``), and the Lee et al. (2005) correlations.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import platform
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from notelink.evaluate import Result, bootstrap_ci, evaluate, lee
from notelink.model import pretrained
from notelink.rank.registry import METHODS, REGISTRY

from docs_section import replace_between

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "quality.md"
BEGIN, END = "<!-- QUALITY:BEGIN -->", "<!-- QUALITY:END -->"
DEFAULT = "hybrid"
BASELINES = ("tfidf", "lsa", "mention-tfidf", "adamic")
OPTIONAL = "tfidf-minilm"  # TF-IDF + MiniLM, with the notelink[pretrained] extra
WITH_EXTRA = "hybrid + pretrained"  # the default with the extra installed
EXTRA_METHODS = tuple(m for m in METHODS if REGISTRY[m].needs_pretrained)
BAR = 0.03  # issue 16: the default at least this much nDCG@10 above the best baseline
PROTOCOLS = ("A", "A2")
NAMES = {"tfidf": "TF-IDF", "lsa": "LSA", "mention-tfidf": "title mention + TF-IDF", "adamic": "Adamic–Adar",
         OPTIONAL: "TF-IDF + MiniLM"}  # fmt: skip
NOT_INSTALLED = "not installed (`pip install -e '.[pretrained]'`)"
NOT_LEE = ("mention-tfidf", "adamic")  # Lee's documents have no links and no titles: these are TF-IDF there


@dataclass
class Run:
    vault: Path
    protocol: str
    results: list[Result]
    skipped: dict[str, str] = field(default_factory=dict)  # method → why it was not measured

    def get(self, method: str) -> Result | None:
        return next((r for r in self.results if r.method == method and not r.note), None)


def shown(path: Path) -> str:
    """A path as a reader in the repository would type it."""
    return os.path.relpath(path, ROOT)


@contextlib.contextmanager
def extra(on: bool) -> Iterator[None]:
    """The pretrained sentence model switched on (when installed) or off, for this block."""
    before = os.environ.pop(pretrained.ENV, None)
    if not on:
        os.environ[pretrained.ENV] = "0"
    try:
        yield
    finally:
        os.environ.pop(pretrained.ENV, None)
        if before is not None:
            os.environ[pretrained.ENV] = before


def measure(vault: Path, protocol: str, methods: list[str], extra_methods: list[str]) -> Run:
    """Every method on one split without the extra; then, with it, ``extra_methods`` and
    the default (as ``WITH_EXTRA``), so that a failure there is only a note."""
    with extra(False):
        run = Run(vault, protocol, evaluate(vault, methods, protocol))
    for r in run.results:
        if r.note:
            run.skipped[r.method] = r.note
    if not pretrained.available():
        run.skipped.update({m: NOT_INSTALLED for m in (*extra_methods, WITH_EXTRA)})
        return run
    with extra(True):
        try:
            found = evaluate(vault, [*extra_methods, DEFAULT], protocol)
        except (ImportError, OSError, RuntimeError, ValueError) as e:
            run.skipped.update({m: f"failed: {type(e).__name__}: {e}" for m in (*extra_methods, WITH_EXTRA)})
            return run
    for r in found:
        r = dataclasses.replace(r, method=WITH_EXTRA) if r.method == DEFAULT else r
        if r.note:
            run.skipped[r.method] = r.note
        else:
            run.results.append(r)
    return run


def best_baseline(run: Run) -> Result | None:
    found = [r for m in (*BASELINES, OPTIONAL) if (r := run.get(m)) is not None]
    return max(found, key=lambda r: r.ndcg10, default=None)


def summary_table(runs: list[Run]) -> str:
    lines = [
        f"**Summary** — nDCG@10 of the default ({DEFAULT}) and of the best baseline on the same split; "
        f"issue 16 asks for a margin of at least +{BAR:.2f} on every vault and protocol "
        "(the margin's interval: 2,000 paired resamples of the query notes)",
        "",
        "| vault | protocol | queries | hybrid nDCG@10 | 95% CI | best baseline | its nDCG@10 | margin | "
        "margin's 95% CI (paired) | ≥ +0.03 | hybrid + pretrained | its difference [95% CI] |",
        "|---|---|---:|---:|---|---|---:|---:|---|---|---:|---|",
    ]
    for run in runs:
        d, b = run.get(DEFAULT), best_baseline(run)
        if d is None or b is None:
            lines.append(f"| {run.vault.name} | {run.protocol} | | not measured | | | | | | | | |")
            continue
        margin = d.ndcg10 - b.ndcg10
        lo, hi = bootstrap_ci([x - y for x, y in zip(d.per_query, b.per_query, strict=True)])
        ok = "yes" if margin >= BAR else f"**no** ({margin - BAR:+.3f})"
        e, with_extra = run.get(WITH_EXTRA), "| not measured | |"
        if e is not None:
            elo, ehi = bootstrap_ci([x - y for x, y in zip(e.per_query, d.per_query, strict=True)])
            with_extra = f"| {e.ndcg10:.3f} | {e.ndcg10 - d.ndcg10:+.4f} [{elo:+.3f}, {ehi:+.3f}] |"
        lines.append(
            f"| {run.vault.name} | {run.protocol} | {d.queries} | **{d.ndcg10:.3f}** | "
            f"[{d.ndcg10_ci[0]:.3f}, {d.ndcg10_ci[1]:.3f}] | {NAMES.get(b.method, b.method)} | {b.ndcg10:.3f} | "
            f"{margin:+.3f} | [{lo:+.3f}, {hi:+.3f}] | {ok} {with_extra}"
        )
    return "\n".join(lines)


def detail_table(run: Run) -> str:
    r0 = run.results[0]
    lines = [
        f"**{run.vault.name}, protocol {run.protocol}** — {r0.queries} query notes, {r0.held_out} held-out links "
        f"(`notelink evaluate {shown(run.vault)} --protocol {run.protocol} --method M`)",
        "",
        "| method | Recall@5 | Recall@10 | MRR | nDCG@10 | 95% CI (nDCG@10) | time |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for r in run.results:
        if r.note:
            continue
        lines.append(
            f"| {r.method} | {r.recall5:.3f} | {r.recall10:.3f} | {r.mrr:.3f} | **{r.ndcg10:.3f}** | "
            f"[{r.ndcg10_ci[0]:.3f}, {r.ndcg10_ci[1]:.3f}] | {r.seconds:.1f} s |"
        )
    lines += [f"| {m} | not measured: {why} | | | | | |" for m, why in sorted(run.skipped.items())]
    return "\n".join(lines)


def lee_table(data: Path, methods: list[str]) -> str:
    lines = [
        "**Lee et al. (2005)** — 50 documents, 1,225 rated pairs; trained on all 350 documents "
        f"({', '.join(NOT_LEE)} left out: with no links and no titles they are TF-IDF); issue 16 asks for "
        "a Pearson of 0.65 or more without the extra, 0.70 with it",
        "",
        "| method | Pearson | Spearman | time |",
        "|---|---:|---:|---:|",
    ]
    runs = [(m, m, False) for m in methods]
    if pretrained.available():
        runs += [(WITH_EXTRA, DEFAULT, True), *((m, m, True) for m in EXTRA_METHODS)]
    else:
        lines += [f"| {m} | not measured: {NOT_INSTALLED} | | |" for m in (WITH_EXTRA, *EXTRA_METHODS)]
    for name, method, on in runs:
        start = time.perf_counter()
        try:
            with extra(on):
                pearson, spearman = lee(data, method)
        except (ImportError, OSError, RuntimeError, ValueError) as e:
            lines.append(f"| {name} | not measured: {e} | | |")
            continue
        lines.append(f"| {name} | **{pearson:.3f}** | {spearman:.3f} | {time.perf_counter() - start:.1f} s |")
        print("lee", name, round(pearson, 3), round(spearman, 3), flush=True)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vaults", type=Path, default=ROOT.parent / "shared/vaults")
    parser.add_argument("--lee", type=Path, default=ROOT.parent / "shared/data/lee")
    parser.add_argument("--all-methods", default="obsidian-help-en", help="the vault measured with every method")
    args = parser.parse_args()
    vaults = sorted(p for p in args.vaults.iterdir() if p.is_dir() and not p.name.startswith("."))
    runs = []
    for vault in vaults:
        every = vault.name == args.all_methods
        core = [m for m in METHODS if m not in EXTRA_METHODS] if every else [DEFAULT, *BASELINES]
        optional = list(EXTRA_METHODS) if every else [OPTIONAL]
        for protocol in PROTOCOLS:
            start = time.perf_counter()
            runs.append(measure(vault, protocol, core, optional))
            print(vault.name, protocol, f"{time.perf_counter() - start:.0f} s", flush=True)
            for r in runs[-1].results:
                print("  ", r.as_dict(), flush=True)
    parts = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, Python {platform.python_version()}, "
        f"by `python benchmarks/quality.py` (seed 0).",
        summary_table(runs),
        *(detail_table(run) for run in runs),
        lee_table(args.lee, [m for m in METHODS if m not in (*NOT_LEE, *EXTRA_METHODS)]),
    ]
    replace_between(DOC, BEGIN, END, "\n\n".join(parts))


if __name__ == "__main__":
    main()
