"""What the sections show at the default settings, against a fixed top 5 (protocol A or A2).

    python benchmarks/pruning.py ../shared/vaults/jzhao-en [--protocol A] [--min-score P] [--hidden-share S]

On the held-out split of shared/benchmarks/PROTOCOL.md: precision (held-out links among
the suggestions shown) and macro recall of the section at the default threshold, of a
fixed top 5, a reliability table of the scores (probability → share that are
held-out links) over every query's top 10, and the frontier: the best precision any
one threshold reaches at a recall loss of 10% or less, chosen with the held-out links
(which a vault does not have: a bound for the default threshold, not a setting).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from notelink.evaluate import Split, make_split
from notelink.rank import hybrid
from notelink.rank.signals import pair_features
from notelink.sync.engine import Engine, Options
from notelink.sync.settings import DEFAULT_TOP_K

BINS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0001)


def split_engine(vault: Path, protocol: str, tmp: str) -> tuple[Split, Engine]:
    """The held-out split of ``vault`` written into a copy under ``tmp``, and the hybrid's
    engine on it, refreshed."""
    split = make_split(vault, protocol)
    copy = Path(tmp) / "vault"
    shutil.copytree(vault, copy, symlinks=True, ignore=shutil.ignore_patterns(".git", ".trash"))
    for rel, text in split.texts.items():
        (copy / rel).write_bytes(text.encode("utf-8"))
    engine = Engine(copy, Options(method="hybrid", seed=0), cache_dir=str(Path(tmp) / "cache"))
    engine.refresh()
    return split, engine


def measure(vault: Path, protocol: str, min_score: float | None) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="notelink-pruning-") as tmp:
        split, engine = split_engine(vault, protocol, tmp)
        index, scorer = engine.index(), engine.scorer()
        queries = [q for q in split.queries if q in index.pos]
        rows = [index.pos[q] for q in queries]
        exclude = [set() for _ in index.order]
        for q in queries:
            exclude[index.pos[q]] = {index.pos[t] for t in split.remaining[q] if t in index.pos}
        threshold = scorer.default_min_score if min_score is None else min_score
        shown = scorer.rank(rows, DEFAULT_TOP_K, exclude, threshold)
        top10 = scorer.rank(rows, 10, exclude, -math.inf)
        named = [named_in(index, row, r[:DEFAULT_TOP_K]) for row, r in zip(rows, top10, strict=True)]
    out: dict[str, object] = {"queries": len(queries), "held_out": split.held_out, "threshold": threshold}
    for name, ranked in (("shown", shown), ("top5", [r[:DEFAULT_TOP_K] for r in top10])):
        hits = [sum(index.order[j] in split.queries[q] for j, _ in r) for q, r in zip(queries, ranked, strict=True)]
        n_shown = sum(len(r) for r in ranked)
        out[name] = {
            "shown": n_shown,
            "precision": sum(hits) / max(n_shown, 1),
            "recall": sum(h / len(split.queries[q]) for h, q in zip(hits, queries, strict=True)) / len(queries),
            "per_note": dict(sorted(Counter(len(r) for r in ranked).items())),
        }
    bins: list[list[float]] = [[0, 0.0, 0] for _ in BINS[1:]]
    for q, r in zip(queries, top10, strict=True):
        for j, p in r:
            k = next(b for b in range(len(BINS) - 1) if p < BINS[b + 1])
            bins[k][0] += 1
            bins[k][1] += p
            bins[k][2] += index.order[j] in split.queries[q]
    held = [split.queries[q] for q in queries]
    out["top10"] = [[(p, int(index.order[j] in h)) for j, p in r] for h, r in zip(held, top10, strict=True)]
    out["held"] = [len(split.queries[q]) for q in queries]
    out["frontier"] = frontier(out["top10"], out["held"], out["top5"])
    out["by_name"] = by_name(named, [[(p, int(index.order[j] in h)) for j, p in r[:DEFAULT_TOP_K]]
                                     for h, r in zip(held, top10, strict=True)])  # fmt: skip
    out["reliability"] = [(BINS[k], BINS[k + 1], n, s / n, h / n) for k, (n, s, h) in enumerate(bins) if n]
    return out


def named_in(index: object, row: int, ranked: list[tuple[int, float]]) -> list[bool]:
    """Whether the note at ``row`` mentions each suggestion (the hybrid's mention signal)."""
    if not ranked:
        return []
    b = np.array([j for j, _ in ranked])
    x = pair_features(index, np.full(len(b), row), b)  # type: ignore[arg-type]
    return (x[:, hybrid.MENTION] > 0).tolist()


GROUPS = ("named", "unnamed, the note names another", "unnamed, the note names none")


def by_name(named: list[list[bool]], top5: list[list[tuple[float, int]]]) -> list[tuple[str, int, float, float]]:
    """(group, suggestions, mean score, share that are held-out links) of the top 5s."""
    sums = {g: [0, 0.0, 0] for g in GROUPS}
    for flags, ranked in zip(named, top5, strict=True):
        for flag, (p, hit) in zip(flags, ranked, strict=True):
            g = GROUPS[0] if flag else GROUPS[1] if any(flags) else GROUPS[2]
            sums[g][0] += 1
            sums[g][1] += p
            sums[g][2] += hit
    return [(g, n, s / n, h / n) for g, (n, s, h) in sums.items() if n]


def frontier(
    top10: list[list[tuple[float, int]]], held: list[int], top5: dict[str, float], loss: float = 0.10
) -> tuple[float, float]:
    """(threshold, precision ratio) of the one threshold over the top 5s with the best
    precision at a recall loss of at most ``loss`` against the fixed top 5."""
    pairs = [(p, hit, q) for q, r in enumerate(top10) for p, hit in r[:DEFAULT_TOP_K]]
    best = (0.0, 1.0)
    for t in sorted({p for p, _, _ in pairs}):
        kept = [(hit, q) for p, hit, q in pairs if p >= t]
        recall = sum(hit / held[q] for hit, q in kept) / len(held)
        if recall < (1 - loss) * float(top5["recall"]):
            break
        ratio = sum(hit for hit, _ in kept) / len(kept) / float(top5["precision"])
        if ratio > best[1]:
            best = (t, ratio)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--protocol", default="A", choices=("A", "A2"))
    parser.add_argument("--min-score", type=float, default=None)
    parser.add_argument(
        "--hidden-share", type=float, default=None, help="the default threshold's share (hybrid.HIDDEN_SHARE)"
    )
    parser.add_argument("--dump", type=Path, help="write every query's top 10 (score, hit) as JSON")
    args = parser.parse_args()
    if args.hidden_share is not None:
        hybrid.HIDDEN_SHARE = args.hidden_share
    r = measure(args.vault, args.protocol, args.min_score)
    if args.dump:
        args.dump.write_text(json.dumps({"top10": r.pop("top10"), "held": r.pop("held")}))
    else:
        r.pop("top10"), r.pop("held")
    s, t = r["shown"], r["top5"]
    print(f"{args.vault.name} protocol {args.protocol}: {r['queries']} queries, {r['held_out']} held out, "
          f"threshold {r['threshold']}")  # fmt: skip
    print(f"| top 5 | {t['shown']} | {t['precision']:.3f} | {t['recall']:.3f} |")
    print(f"| shown | {s['shown']} | {s['precision']:.3f} ({s['precision'] / t['precision']:.2f}×) | "
          f"{s['recall']:.3f} ({s['recall'] / t['recall'] - 1:+.1%}) | {s['per_note']}")  # fmt: skip
    t, ratio = r["frontier"]
    print(f"frontier: one threshold chosen with the held-out links, {ratio:.2f}× at {t:.3f} (recall loss ≤ 10%)")
    for lo, hi, n, mean, rate in r["reliability"]:
        print(f"| [{lo:.2f}, {min(hi, 1):.2f}) | {n} | {mean:.3f} | {rate:.3f} |")
    for group, n, mean, rate in r["by_name"]:
        print(f"| {group} | {n} | {mean:.3f} | {rate:.3f} |")


if __name__ == "__main__":
    main()
