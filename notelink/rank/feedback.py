"""The owner's review decisions as training pairs for the hybrid's fit.

A ticked suggestion is a positive, a deleted one a negative made "hard" by the model
itself having ranked it high; each also stands as a contrast ("rank what I link above
this"). See docs/quality.md, "Learning from the owner", for what it is worth.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from notelink.rank.index import VaultIndex

# A review decision weighs as much as this many random negatives (docs/quality.md: weighed
# as a link, rejections that look like links flatten the weights).
DECISION_WEIGHT = 1.0


@dataclass(frozen=True)
class Feedback:
    """The owner's review decisions as index pairs (a, b): "a should (not) link to b"."""

    accepted: tuple[tuple[int, int], ...] = ()
    rejected: tuple[tuple[int, int], ...] = ()
    stamp: str = ""  # names the decisions (by note path): another stamp, another fit

    @classmethod
    def of(cls, entries: Iterable[tuple[str, str, str]], pos: Mapping[str, int]) -> Feedback:
        """From ``(kind, note, target)`` decisions; those about notes not in ``pos`` are left out."""
        used = sorted(e for e in entries if e[1] in pos and e[2] in pos and e[1] != e[2])
        text = "\n".join("\t".join(e) for e in used).encode("utf-8", "surrogateescape")
        stamp = hashlib.sha256(text).hexdigest()[:16] if used else ""
        pairs = lambda kind: tuple((pos[n], pos[t]) for k, n, t in used if k == kind)  # noqa: E731
        return cls(pairs("accept"), pairs("reject"), stamp)


def with_feedback(
    index: VaultIndex, a: np.ndarray, b: np.ndarray, y: np.ndarray, feedback: Feedback | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The training pairs with the owner's decisions appended, and which rows are decisions.

    A decision about a pair that is a link now counts once, as the link (an accepted
    suggestion the owner then linked; a rejection they linked after all); a random
    negative the owner decided on counts once, as the decision."""
    none = np.zeros(len(y), bool)
    if feedback is None:
        return a, b, y, none
    fresh = lambda pairs: {(i, j) for i, j in pairs if i != j and j not in index.out_links[i]}  # noqa: E731
    accepted = fresh(feedback.accepted)
    rejected = fresh(feedback.rejected) - accepted
    decided = accepted | rejected
    if not decided:
        return a, b, y, none
    keep = np.array([(i, j) not in decided for i, j in zip(a.tolist(), b.tolist(), strict=True)], bool)
    pairs = sorted(decided)
    a2 = np.array([i for i, _ in pairs], np.int64)
    b2 = np.array([j for _, j in pairs], np.int64)
    y2 = np.array([1.0 if p in accepted else 0.0 for p in pairs], np.float32)
    mask = np.concatenate([none[keep], np.ones(len(pairs), bool)])
    return np.concatenate([a[keep], a2]), np.concatenate([b[keep], b2]), np.concatenate([y[keep], y2]), mask


def sample_weights(y: np.ndarray, decided: np.ndarray) -> np.ndarray:
    """Links and random negatives weighted so each class weighs the same; a decision
    weighs ``DECISION_WEIGHT`` random negatives."""
    base = ~decided
    n = max(float(base.sum()), 1.0)
    pos = max(float(y[base].sum()), 1.0)
    neg = max(n - float(y[base].sum()), 1.0)
    sw = np.where(y == 1, n / (2 * pos), n / (2 * neg))
    sw[decided] = DECISION_WEIGHT * n / (2 * neg)
    return sw


def contrasts(
    a: np.ndarray, y: np.ndarray, decided: np.ndarray, z: np.ndarray, sw: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rejections as contrasts too: each rejected suggestion (i, j) against each of i's
    positives (its links, its accepted suggestions), a row z_pos - z_rej with label 1
    and no intercept; a rejection's contrasts weigh ``sw`` in all, on top of the plain
    negative it stays. Returns the contrast rows and their weights."""
    by_row: dict[int, list[int]] = {}
    for k in np.flatnonzero(y == 1).tolist():
        by_row.setdefault(int(a[k]), []).append(k)
    rows: list[np.ndarray] = []
    weights: list[float] = []
    for k in np.flatnonzero(decided & (y == 0)).tolist():
        pos = by_row.get(int(a[k]))
        if not pos:
            continue  # a note with no positive: the rejection is only a plain negative
        rows += [z[p] - z[k] for p in pos]
        weights += [float(sw[k]) / len(pos)] * len(pos)
    return np.array(rows, np.float64).reshape(-1, z.shape[1]), np.array(weights, np.float64)
