"""Whether an optional signal earns its place in a vault's fit.

An optional signal (the pretrained sentence model) joins the fit only where the
vault's own links show that it helps, so turning an extra on never ranks worse than
leaving it off where the vault can tell. The test is cross-validation by note: the
weights are fitted on the training pairs of the other folds' notes, and each held-out
note's links are ranked among its random non-links, once as never written and once as
plain words (the two views the fit learns from). The signal stays if the mean of the
notes' AUC is higher with it than without; a tie leaves it out.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

FOLDS = 3

Fitter = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, float]]


def earns_place(
    column: int,
    used: np.ndarray,
    train: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    plain: tuple[np.ndarray, np.ndarray, np.ndarray],
    fit: Fitter,
    seed: int,
) -> bool:
    """True when the fit ranks held-out links better with feature ``column`` than without.

    ``train`` is (a, y, z, weight) of the training pairs (z standardised), ``plain``
    (a, z, weight) of the links seen as plain words; ``used`` the columns in use, and
    ``fit(z, y, weight)`` the fit's own regression."""
    if not used[column]:
        return False
    without = used.copy()
    without[column] = False
    fold = folds(train[0], plain[0], seed)
    return held_out_auc(used, train, plain, fold, fit) > held_out_auc(without, train, plain, fold, fit)


def folds(a: np.ndarray, ap: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The fold of each training pair and of each plain-words link, by its query note:
    each note's fold at random (seeded), the folds as even as the notes allow.

    >>> fa, fp = folds(np.array([4, 4, 7, 9]), np.array([9]), 0)
    >>> sorted(set(fa.tolist())), bool(fa[0] == fa[1]), bool(fp[0] == fa[3])
    ([0, 1, 2], True, True)
    """
    notes = np.unique(a)
    of_note = np.random.default_rng(seed).permutation(len(notes)) % FOLDS
    return of_note[np.searchsorted(notes, a)], of_note[np.searchsorted(notes, ap)]


def held_out_auc(
    cols: np.ndarray,
    train: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    plain: tuple[np.ndarray, np.ndarray, np.ndarray],
    fold: tuple[np.ndarray, np.ndarray],
    fit: Fitter,
) -> float:
    """The mean over held-out notes of their links' AUC among their non-links
    (``fold``: :func:`folds`)."""
    a, y, z, w = train
    ap, zp, wp = plain
    fa, fp = fold
    aucs: list[float] = []
    for k in range(FOLDS):
        tr, trp = fa != k, fp != k
        weights, bias = fit(
            np.vstack([z[tr], zp[trp]])[:, cols], np.concatenate([y[tr], np.ones(int(trp.sum()))]),
            np.concatenate([w[tr], wp[trp]]),
        )  # fmt: skip
        te, tep = ~tr, ~trp
        s, sp = z[te][:, cols] @ weights + bias, zp[tep][:, cols] @ weights + bias
        aucs += note_aucs(a[te], y[te], s, ap[tep], sp)
    return float(np.mean(aucs)) if aucs else 0.0


def note_aucs(a: np.ndarray, y: np.ndarray, s: np.ndarray, ap: np.ndarray, sp: np.ndarray) -> list[float]:
    """Per note with links and non-links: the share of (link, non-link) pairs ranked
    right, the mean of the two views of its links.

    >>> note_aucs(np.array([0, 0, 0]), np.array([1, 0, 0]), np.array([0.9, 0.5, 0.95]),
    ...           np.array([0]), np.array([0.99]))
    [0.75]
    """
    out = []
    order, order_p = np.argsort(a, kind="stable"), np.argsort(ap, kind="stable")
    notes, start = np.unique(a[order], return_index=True)
    stop = np.append(start[1:], len(a))
    lo, hi = np.searchsorted(ap[order_p], notes, "left"), np.searchsorted(ap[order_p], notes, "right")
    for k in range(len(notes)):
        rows = order[start[k] : stop[k]]
        neg, seen = s[rows[y[rows] == 0]], s[rows[y[rows] == 1]]
        named = sp[order_p[lo[k] : hi[k]]]
        if len(neg) == 0 or len(seen) == 0 or len(named) == 0:
            continue
        out.append(0.5 * (share_above(seen, neg) + share_above(named, neg)))
    return out


def share_above(pos: np.ndarray, neg: np.ndarray) -> float:
    """The share of (pos, neg) pairs where pos scores higher (ties count as wrong)."""
    return float((pos[:, None] > neg[None, :]).mean())
