"""Semantic search: notes ranked for a free-text query with the vault's own vectors.

The query is embedded like a note: a TF-IDF vector (exact words) and a word-vector
mean (meaning, from the model trained on the vault). A note's score blends both
cosines with how much of its title the query covers:
``0.45 · tfidf + 0.35 · semantic + 0.2 · title`` (without a model, tfidf takes its share).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from notelink.rank.index import VaultIndex
from notelink.text.tokens import name_tokens, tokenize

WEIGHTS = {"tfidf": 0.45, "semantic": 0.35, "title": 0.2}
SNIPPET_CHARS = 160


@dataclass
class Hit:
    rel: str
    title: str
    score: float


def search(index: VaultIndex, query: str, limit: int = 10) -> list[Hit]:
    words = tokenize(query)
    if not words or not len(index):
        return []
    counts = Counter(words)
    lexical = np.asarray((index.tfidf_of([counts]) @ index.tfidf.T).toarray(), np.float64).ravel()
    if index.semantic is not None:
        semantic = np.asarray(index.semantic_of([counts]) @ index.semantic.T, np.float64).ravel()
        score = WEIGHTS["tfidf"] * lexical + WEIGHTS["semantic"] * semantic
    else:
        score = (WEIGHTS["tfidf"] + WEIGHTS["semantic"]) * lexical
    asked = set(name_tokens(query))
    for j, names in enumerate(index.names):
        cover = max((len(asked & set(n)) / len(set(n)) for n in names), default=0.0)
        score[j] += WEIGHTS["title"] * cover
    order = sorted(range(len(score)), key=lambda j: (-score[j], j))[:limit]
    return [Hit(index.order[j], index.records[j].title, float(score[j])) for j in order]


def snippet(text: str, query: str, width: int = SNIPPET_CHARS) -> str:
    """The line of ``text`` that holds most query words, cut to ``width`` characters.

    >>> snippet("# T\\nnothing here\\nbread flour and water\\n", "flour water")
    'bread flour and water'
    """
    asked = set(tokenize(query))
    best, best_hits = "", -1
    lines = text.removeprefix("\ufeff").splitlines()
    if lines and lines[0].strip() == "---":  # frontmatter is not shown
        end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
        lines = lines[end + 1 :]
    for line in lines:
        stripped = line.strip().lstrip("#>-*0123456789. ").strip()
        if not stripped or stripped.startswith(("---", "```", "<!--")):
            continue
        hits = len(asked & set(tokenize(stripped)))
        if hits > best_hits:
            best, best_hits = stripped, hits
    return best if len(best) <= width else best[: width - 1].rstrip() + "…"
