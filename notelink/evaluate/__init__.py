"""Suggestion quality by the held-out-links protocol (``shared/benchmarks/PROTOCOL.md``).

A vault's own links are the ground truth. For every note with n ≥ 2 distinct link
targets, k = round-half-up(0.3·n) of them are hidden (``random.Random(13).sample`` over
the sorted targets, one generator for the vault, notes in sorted path order), the
vault is rebuilt in a temporary folder without those links, notelink ranks every
other note for each query note, and the hidden targets should come back.

* Protocol A: each occurrence of a hidden link becomes its display text (alias, else
  the target's name) — the words stay, the link is gone.
* Protocol A2: each occurrence is deleted, text and all.

Links are non-embed wikilinks outside code (``[[T]]``, ``[[T|a]]``, ``[[T#h]]``, the
table form ``[[T\\|a]]``) to an existing other note, resolved as Obsidian does.

>>> occurrences("See [[A|x]], `[[B]]`, ![[C]] and [[D#h]].\\n```\\n[[E]]\\n```\\n")
[(4, 11, 'A', 'x'), (33, 40, 'D', None)]
>>> ndcg_at([1, 0, 1], 2, 10) == (1 + 1 / 2) / (1 + 1 / math.log2(3))
True
"""

from __future__ import annotations

import math
import os
import random
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from notelink.errors import ReadError
from notelink.progress import OnProgress, Progress, Stage
from notelink.rank.topk import first_k
from notelink.text import wikilink
from notelink.text.links import Resolver
from notelink.text.parse import markdown
from notelink.vault.config import Config, load_config
from notelink.vault.read import read_bytes
from notelink.vault.scan import scan

SPLIT_SEED = 13
HOLD_OUT = 0.3
BOOTSTRAP = 2000
_WIKI = wikilink.LINK_RE  # groups 1 and 2: "!" of an embed, the link's text (read a line at a time)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def occurrences(text: str) -> list[tuple[int, int, str, str | None]]:
    """(start, end, target, alias) of every non-embed wikilink outside code and frontmatter."""
    # Frontmatter is not part of the body: skip up to the line after its closing ---.
    m = re.match(r"\ufeff?-{3,}[ \t]*\r?\n.*?^-{3,}[ \t]*(?:\r?\n|$)", text, re.S | re.M)
    body_start = m.end() if m else 0
    body = text[body_start:]
    lines = body.splitlines(keepends=True)
    code_lines: set[int] = set()
    for token in markdown().parse(body):
        if token.type in ("fence", "code_block", "html_block") and token.map:
            code_lines.update(range(token.map[0], token.map[1]))
    out = []
    offset = body_start
    for no, line in enumerate(lines):
        if no not in code_lines:
            spans = [m.span() for m in _CODE_SPAN.finditer(line)]
            for m in _WIKI.finditer(line):
                if m.group(1) or any(s <= m.start() < e for s, e in spans):
                    continue
                target, _, alias = wikilink.split(m.group(2))
                if target:
                    out.append((offset + m.start(), offset + m.end(), target, alias))
        offset += len(line)
    return out


def link_targets(text: str, rel: str, resolver: Resolver) -> dict[str, list[tuple[int, int, str]]]:
    """Resolved target note → [(start, end, display text)] of its occurrences in ``text``."""
    out: dict[str, list[tuple[int, int, str]]] = {}
    for start, end, target, alias in occurrences(text):
        note = resolver.resolve(target, rel)
        if note is None or note == rel:
            continue
        shown = alias or target.rsplit("/", 1)[-1].removesuffix(".md")
        out.setdefault(note, []).append((start, end, shown))
    return out


@dataclass
class Split:
    queries: dict[str, set[str]]  # query note → its held-out targets
    texts: dict[str, str]  # the modified texts of query notes
    remaining: dict[str, set[str]]  # query note → the targets it still links to

    @property
    def held_out(self) -> int:
        return sum(len(h) for h in self.queries.values())


def make_split(root: Path, protocol: str, config: Config | None = None, progress: OnProgress | None = None) -> Split:
    """``progress`` hears the share of notes read."""
    files, _ = scan(root, config or load_config(root))
    rels = [f.rel for f in files]
    resolver = Resolver(rels)
    rng = random.Random(SPLIT_SEED)
    split = Split({}, {}, {})
    for done, f in enumerate(files):
        if progress is not None and done % 256 == 0:
            progress(done / len(files))
        try:
            text = read_bytes(f).decode("utf-8")
        except (ReadError, UnicodeDecodeError):
            continue
        targets = link_targets(text, f.rel, resolver)
        if len(targets) < 2:
            continue
        k = max(1, int(HOLD_OUT * len(targets) + 0.5))
        held = set(rng.sample(sorted(targets), k))
        edits = sorted((s, e, shown) for t in held for s, e, shown in targets[t])
        pieces, last = [], 0
        for s, e, shown in edits:
            pieces += [text[last:s], "" if protocol == "A2" else shown]
            last = e
        new_text = "".join(pieces) + text[last:]
        split.queries[f.rel] = held
        split.texts[f.rel] = new_text
        split.remaining[f.rel] = set(link_targets(new_text, f.rel, resolver))
    return split


def ndcg_at(hits: list[int], n_relevant: int, k: int = 10) -> float:
    dcg = sum(h / math.log2(i + 2) for i, h in enumerate(hits[:k]))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(n_relevant, k)))
    return dcg / ideal if ideal else 0.0


@dataclass
class Result:
    method: str
    protocol: str
    queries: int
    held_out: int
    recall5: float
    recall10: float
    mrr: float
    ndcg10: float
    ndcg10_ci: tuple[float, float]
    seconds: float
    per_query: list[float] = field(default_factory=list, repr=False)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method, "protocol": self.protocol, "queries": self.queries, "held_out": self.held_out,
            "recall@5": round(self.recall5, 4), "recall@10": round(self.recall10, 4), "mrr": round(self.mrr, 4),
            "ndcg@10": round(self.ndcg10, 4), "ndcg@10_ci95": [round(x, 4) for x in self.ndcg10_ci],
            "seconds": round(self.seconds, 1), **({"note": self.note} if self.note else {}),
        }  # fmt: skip


def bootstrap_ci(values: list[float], seed: int = SPLIT_SEED, n: int = BOOTSTRAP) -> tuple[float, float]:
    if not values:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    arr = np.asarray(values)
    means = arr[rng.integers(0, len(arr), size=(n, len(arr)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def score(
    method: str,
    protocol: str,
    ranked: Mapping[str, list[str]] | Iterable[tuple[str, list[str]]],
    split: Split,
    seconds: float,
) -> Result:
    """The protocol's figures. ``ranked`` gives each query's full ranking; as pairs it
    is read one query at a time, so a large vault's rankings are never all held."""
    pairs = ranked.items() if isinstance(ranked, Mapping) else ranked
    return figures(method, protocol, dict(_ranking_figures(pairs, split)), split, seconds)


def _ranking_figures(
    pairs: Iterable[tuple[str, list[str]]], split: Split
) -> Iterator[tuple[str, tuple[float, float, float, float]]]:
    for q, ranking in pairs:
        held = split.queries.get(q)
        if held is None:
            continue
        order = [r for r in ranking if r != q and r not in split.remaining[q]]
        hits = [1 if r in held else 0 for r in order]
        yield q, query_figures(hits[:10], next((i for i, h in enumerate(hits) if h), None), len(held))


def query_figures(hits: list[int], first: int | None, n_held: int) -> tuple[float, float, float, float]:
    """(Recall@5, Recall@10, reciprocal rank, nDCG@10) of one query from the hits of its
    first 10 and the 0-based rank of its first hit (None: none)."""
    return (sum(hits[:5]) / n_held, sum(hits[:10]) / n_held, 0.0 if first is None else 1 / (first + 1),
            ndcg_at(hits, n_held))  # fmt: skip


def figures(
    method: str, protocol: str, per_query: Mapping[str, tuple[float, float, float, float]], split: Split, seconds: float
) -> Result:
    """The macro-averages of :func:`query_figures` over the split's queries (0 for one not ranked)."""
    r5, r10, mrr, nd = [], [], [], []
    for q in split.queries:  # the split's order (the bootstrap resamples this list)
        a, b, c, d = per_query.get(q, (0.0, 0.0, 0.0, 0.0))
        r5.append(a)
        r10.append(b)
        mrr.append(c)
        nd.append(d)
    n = max(len(nd), 1)
    return Result(method, protocol, len(split.queries), split.held_out, sum(r5) / n, sum(r10) / n, sum(mrr) / n,
                  sum(nd) / n, bootstrap_ci(nd), seconds, nd)  # fmt: skip


def evaluate(
    root: Path,
    methods: list[str],
    protocol: str = "A",
    seed: int = 0,
    dim: int = 100,
    dims: int | None = None,
    use_binary: bool = False,
    rerank: int = 100,
    progress: Progress | None = None,
    pretrained: bool | None = None,
) -> list[Result]:
    """Run the protocol for each method on a temporary copy of the vault (never on it);
    ``progress`` shows each phase (a method's own stages named after it); ``pretrained``
    False leaves the pretrained sentence model out."""
    from notelink.sync.engine import Engine, Options

    progress = progress or Progress(enabled=False)
    stage = progress.stage("split", 1)
    split = make_split(root, protocol, progress=stage.update)
    stage.done()
    results = []
    with tempfile.TemporaryDirectory(prefix="notelink-eval-") as tmp:
        copy = Path(tmp) / "vault"
        _copy_vault(root, copy, split, progress)
        for method in methods:
            start = time.perf_counter()
            options = Options(method=method, seed=seed, dim=dim, dims=dims, binary=use_binary, binary_rerank=rerank,
                              pretrained=pretrained)  # fmt: skip
            named = _Named(progress, f"{method}: ")
            engine = Engine(copy, options, cache_dir=str(Path(tmp) / method), progress=named)
            try:
                engine.refresh()
                index = engine.index()
                scorer = engine.scorer()
            except ValueError as e:  # a method that refuses this vault
                results.append(Result(method, protocol, len(split.queries), split.held_out, 0, 0, 0, 0, (0, 0),
                                      time.perf_counter() - start, note=str(e)))  # fmt: skip
                continue
            rows = [index.pos[q] for q in split.queries if q in index.pos]
            stage = named.stage(f"ranking {len(rows):,} queries", len(rows))
            blocks = scorer.ranking_blocks(rows)
            if blocks is None:  # no score rows: every query's full ranking, the slow way
                per_query = dict(_ranking_figures(rankings(index, scorer, rows, stage), split))
            else:
                per_query = dict(_row_figures(index, split, blocks, stage))
            stage.done()
            results.append(figures(method, protocol, per_query, split, time.perf_counter() - start))
    return results


class _Named(Progress):
    """Stages of ``progress`` named with a prefix (the method they belong to)."""

    def __init__(self, progress: Progress, prefix: str) -> None:
        super().__init__(progress.enabled, progress.stream)
        self.timings = progress.timings
        self.inner, self.prefix = progress, prefix

    def stage(self, name: str, total: float) -> Stage:
        return self.inner.stage(self.prefix + name, total)


def _copy_vault(root: Path, copy: Path, split: Split, progress: Progress) -> None:
    """The vault copied (not its .git or .trash), the split's query texts written over theirs."""
    skip = {".git", ".trash"}
    total = 0
    for _, folders, names in os.walk(root):
        folders[:] = [f for f in folders if f not in skip]
        total += len(names)
    stage = progress.stage("copying the vault", total)
    copied = 0

    def copy_file(src: str, dst: str) -> None:
        nonlocal copied
        shutil.copy2(src, dst)
        copied += 1
        stage.update(copied)

    shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns(*skip), copy_function=copy_file)
    for rel, text in split.texts.items():
        (copy / rel).write_bytes(text.encode("utf-8"))
    stage.done()


def _row_figures(
    index: Any, split: Split, blocks: Iterable[tuple[list[int], np.ndarray]], stage: Stage
) -> Iterator[tuple[str, tuple[float, float, float, float]]]:
    """Each query's figures read off its score row (the order: score down, then index)
    without sorting it: its 10 best by partition, its first hit's rank by counting the
    notes above it. Left out: -inf scores, the query itself, the targets it still links to."""
    done = 0
    for chunk, scores in blocks:
        s = np.array(scores, np.float64)
        s[np.isnan(s)] = -np.inf
        for r, i in enumerate(chunk):
            q, row = index.order[i], s[r]
            row[[i, *(index.pos[t] for t in split.remaining[q] if t in index.pos)]] = -np.inf
            held = np.array(sorted(index.pos[t] for t in split.queries[q] if t in index.pos), np.int64)
            live = held[row[held] > -np.inf]
            first = None
            if len(live):
                best = int(live[np.lexsort((live, -row[live]))[0]])
                first = int(np.count_nonzero(row > row[best]) + np.count_nonzero(row[:best] == row[best]))
            hits = np.isin(first_k(row, 10), held).astype(int).tolist()
            yield q, query_figures(hits, first, len(split.queries[q]))
        done += len(chunk)
        stage.update(done)


def rankings(
    index: Any, scorer: Any, rows: list[int], stage: Stage | None = None, block: int = 256
) -> Iterator[tuple[str, list[str]]]:
    """Each query's ranking of every other note, ``block`` queries at a time."""
    exclude: list[set[int]] = [set() for _ in index.order]
    for start in range(0, len(rows), block):
        chunk = rows[start : start + block]
        for i, row in zip(chunk, scorer.rank(chunk, len(index), exclude, -math.inf), strict=True):
            yield index.order[i], [index.order[j] for j, _ in row]
        if stage is not None:
            stage.update(start + len(chunk))


# The Lee corpus's document similarity lives apart; it is named here for its callers.
from notelink.evaluate.similarity import document_similarity as document_similarity  # noqa: E402
from notelink.evaluate.similarity import lee as lee  # noqa: E402
