"""From a ranking score to the probability that the owner links the pair.

The hybrid's logistic fit weighs links and non-links equally, which ranks well but
says nothing about how likely a suggestion is: its scores crowd near 1. Here the
fit's own training pairs are reused, each sampled non-link standing for the
non-links it was drawn from (weight = pool size / number drawn), to fit Platt's
sigmoid on two inputs: the pair's logit, and ln(1 + its rank among the note's
unlinked candidates). The rank matters because a note links to a few notes, not to
every note that scores well: the third-best candidate of a note is less likely to be
linked than a pair with the same logit that is best in its note.

>>> import numpy as np
>>> ranks_within(np.array([0, 0, 0, 1]), np.array([3.0, 1.0, 2.0, 5.0]), np.array([1, 0, 0, 0]),
...              np.array([1.0, 2.0, 2.0, 1.0])).tolist()
[0.0, 2.0, 0.0, 0.0]
"""

from __future__ import annotations

import numpy as np


def negative_weights(a: np.ndarray, y: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """1 for a link; for a sampled non-link of note ``a[k]``, how many non-links it stands
    for (``pool[a[k]]`` unlinked notes, of which this many were drawn)."""
    w = np.ones(len(y), np.float64)
    neg = y == 0
    drawn = np.bincount(a[neg], minlength=len(pool)).astype(np.float64)
    w[neg] = pool[a[neg]] / np.maximum(drawn[a[neg]], 1.0)
    return w


def ranks_within(a: np.ndarray, z: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Each pair's estimated rank among its note's unlinked candidates: the weight of the
    non-links of the same note that score higher (ties: the earlier pair first)."""
    out = np.zeros(len(z), np.float64)
    order = np.lexsort((np.arange(len(z)), -z, a))
    neg_w = np.where(y == 0, w, 0.0)[order]
    starts = np.flatnonzero(np.r_[True, a[order][1:] != a[order][:-1]])
    for s, e in zip(starts, np.r_[starts[1:], len(order)], strict=True):
        above = np.cumsum(neg_w[s:e]) - neg_w[s:e]
        out[order[s:e]] = above
    return out


def platt(x: np.ndarray, y: np.ndarray, w: np.ndarray, iters: int = 100) -> np.ndarray:
    """Weighted logistic regression of ``y`` on the columns of ``x`` (plus a bias, last),
    with Platt's smoothed targets so a separable vault cannot drive it to infinity."""
    pos, neg = float(w[y == 1].sum()), float(w[y == 0].sum())
    t = np.where(y == 1, (pos + 1) / (pos + 2), 1 / (neg + 2))
    xb = np.hstack([x, np.ones((len(x), 1))]).astype(np.float64)
    theta = np.zeros(xb.shape[1])
    ridge = 1e-3 * np.eye(xb.shape[1])
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(xb @ theta, -30, 30)))
        step = np.linalg.solve((xb * (w * p * (1 - p))[:, None]).T @ xb + ridge, xb.T @ (w * (p - t)) + 1e-3 * theta)
        theta -= step
        if np.abs(step).max() < 1e-9:
            break
    return theta


def probability(theta: np.ndarray | tuple[float, ...], logits: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """The calibrated probability of pairs with these logits and ranks."""
    a, c, b = theta
    return 1 / (1 + np.exp(-np.clip(a * logits + c * np.log1p(ranks) + b, -30, 30)))
