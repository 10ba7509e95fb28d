"""An optional signal joins the fit only where held-out links say it helps
(:mod:`notelink.rank.selection`), with the hybrid's own regression."""

from __future__ import annotations

import numpy as np
import pytest

from notelink.rank import hybrid, selection


def pairs(seed: int, notes: int = 60, negatives: int = 30) -> tuple[tuple, tuple, np.ndarray]:
    """Training pairs of ``notes`` query notes: column 0 tells links from non-links
    (noisily), column 1 is a copy of it, column 2 is noise, column 3 adds what column
    0 misses."""
    rng = np.random.default_rng(seed)
    a, y, rows = [], [], []
    for note in range(notes):
        for label in [1] * 3 + [0] * negatives:
            truth = rng.normal(size=2) + label * 1.5
            a.append(note)
            y.append(label)
            rows.append([truth[0], truth[0], rng.normal(), truth[1]])
    a_, y_, z = np.array(a), np.array(y, np.float64), np.array(rows)
    w = np.where(y_ == 1, 0.5, 1.0)
    pos = np.flatnonzero(y_ == 1)
    zp = z[pos] + rng.normal(scale=0.1, size=z[pos].shape)
    zp[:, 1] = zp[:, 0]
    plain = (a_[pos], zp, w[pos])
    return (a_, y_, z, w), plain, np.ones(4, bool)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_column_that_helps_stays_and_one_that_adds_nothing_goes(seed: int) -> None:
    train, plain, used = pairs(seed)
    assert selection.earns_place(3, used, train, plain, hybrid._logistic, seed)
    only_0_and_its_copy = np.array([True, True, False, False])
    assert not selection.earns_place(1, only_0_and_its_copy, train, plain, hybrid._logistic, seed)  # a tie


def test_noise_is_left_out() -> None:
    kept = [selection.earns_place(2, np.ones(4, bool), *pairs(s)[:2], hybrid._logistic, s) for s in range(6)]
    assert sum(kept) <= 1, kept


def test_a_column_not_in_use_is_never_taken_in() -> None:
    train, plain, used = pairs(0)
    used[3] = False
    assert not selection.earns_place(3, used, train, plain, hybrid._logistic, 0)


def test_it_is_deterministic() -> None:
    train, plain, used = pairs(4)
    fold = selection.folds(train[0], plain[0], 4)
    runs = {selection.held_out_auc(used, train, plain, fold, hybrid._logistic) for _ in range(3)}
    assert len(runs) == 1 and 0.5 < runs.pop() <= 1.0


@pytest.mark.parametrize("notes", [1, 2])
def test_too_few_notes_for_every_fold_is_no_error(notes: int) -> None:
    train, plain, used = pairs(0, notes=notes)
    assert isinstance(selection.earns_place(3, used, train, plain, hybrid._logistic, 0), bool)
