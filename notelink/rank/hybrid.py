"""The default method: the signals of :mod:`notelink.rank.signals`, weighted by what this
vault's own links say.

Every existing link a → b is a positive example; pairs without a link, drawn at
random (all of them in a small vault), are negatives. A
logistic regression on standardised features is fitted on every sync: Newton's
method with an L2 penalty, no randomness beyond the seeded choice of negatives, so
it is deterministic and cheap.

No leakage: a positive pair's features are computed as if that link were not there,
in two ways, half the link's weight each: as never written (a's words minus the
link's own text, which would otherwise name b) and as plain words (the text stays,
and names b where it does); the graph features never count the edge a → b itself.

The owner's review decisions (:class:`Feedback`) join the fit (:func:`with_feedback`):
an accepted suggestion is a positive; a rejected one, a hard negative (the model ranked
it high), is a negative and is also contrasted with the note's own positives
(:func:`contrasts`): "rank what I link above this", more than "pairs that score high are bad".

With fewer than ``MIN_LINKS`` links there is nothing to learn from, and fixed
weights are used instead (``status`` says which).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from notelink.progress import OnProgress
from notelink.rank import calibration as platt
from notelink.rank import selection
from notelink.rank.feedback import Feedback, contrasts, sample_weights, with_feedback
from notelink.rank.index import VaultIndex
from notelink.rank.signals import FEATURES, TextRows, candidates_many, pair_features

MIN_LINKS = 50
MENTION = FEATURES.index("mention")
ANCHOR = FEATURES.index("anchor")
OPTIONAL = ("pretrained",)  # signals that join the fit only where the vault's links show they help
RANDOM_NEGATIVES = 200
MAX_QUERY_ROWS = 1000  # notes whose links (and random non-links) the weights are fitted on
MAX_TRAINING_PAIRS = 200_000  # fewer negatives per note in a large vault
L2 = 1.0
SAMPLE_NOTES = 200  # notes whose top 5 set the threshold of what is shown
TOP = 5
HIDDEN_SHARE = 0.10  # of a top 5's expected links, the share the default threshold may cut
PLAIN_SHARE = 0.5  # of each link's weight in the fit, seen with its text left as plain words (see fit)

# Used when a vault has too few links to learn from (raw feature units).
FIXED_WEIGHTS = {
    "tfidf": 3.0, "lsa": 1.0, "semantic": 0.5, "mention": 0.3, "anchor": 0.5, "mentioned": 0.2, "backlink": 1.0,
    "cocited": 0.5, "coupled": 0.5, "adamic": 0.5, "twohop": 0.3, "tags": 0.5, "folder": 0.2, "popular": 0.2,
    "alike": 1.0, "template": 0.0, "pretrained": 1.0,
}  # fmt: skip
FIXED_BIAS = -1.5


@dataclass
class HybridModel:
    weights: np.ndarray
    bias: float
    mean: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURES), np.float32))
    std: np.ndarray = field(default_factory=lambda: np.ones(len(FEATURES), np.float32))
    fitted: bool = False
    links: int = 0
    mention_boost: float = 0.0  # added to the logit of pairs with an unlinked mention (see boost())
    vault_links: int = 0  # links in the whole vault when fitted (to tell when to refit)
    calibration: tuple[float, float, float] = (1.0, 0.0, 0.0)  # see notelink.rank.calibration
    threshold: float | None = None  # the default minimum probability of a shown suggestion (fitted models)
    feedback: str = ""  # Feedback.stamp of the review decisions fitted on ("" none)
    decisions: int = 0  # review decisions that joined the fit
    left_out: tuple[str, ...] = ()  # optional signals the vault's links did not show to help (selection.py)

    def boost(self, x: np.ndarray) -> np.ndarray:
        """The mention boost of each pair (rows of ``x``): the vault's, moved by how much
        more or less often than the vault's average name the mentioned note's names are
        linked where they appear (``anchor``, log odds); none without a mention."""
        if self.mention_boost <= 0:
            return np.zeros(x.shape[:-1])
        mentioned = x[..., MENTION] > 0
        return np.where(mentioned, np.maximum(0.0, self.mention_boost + x[..., ANCHOR].astype(np.float64)), 0.0)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.std) @ self.weights + self.bias + self.boost(x)

    def scores(self, x: np.ndarray) -> np.ndarray:
        """Probability-like scores in (0, 1)."""
        return 1 / (1 + np.exp(-np.clip(self.logits(x), -30, 30)))

    def probabilities(self, logits: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        """The probability that the owner links each pair, from its logit and its rank
        (0 = best) among its note's unlinked candidates."""
        return platt.probability(self.calibration, logits, ranks)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each feature's share of the logit, relative to an average pair."""
        out = (x - self.mean) / self.std * self.weights
        out[MENTION] += self.boost(x)
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "weights": self.weights.tolist(), "bias": self.bias, "mean": self.mean.tolist(), "std": self.std.tolist(),
            "fitted": self.fitted, "links": self.links, "mention_boost": self.mention_boost, "features": FEATURES,
            "vault_links": self.vault_links, "calibration": list(self.calibration), "threshold": self.threshold,
            "feedback": self.feedback, "decisions": self.decisions, "left_out": list(self.left_out),
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, object]) -> HybridModel | None:
        if not isinstance(data, dict) or data.get("features") != FEATURES or "left_out" not in data:
            return None  # another model's, or fitted before optional signals were tested: fit again
        if len(data.get("calibration", ())) != 3:
            return None  # fitted before scores were calibrated
        arr = lambda key: np.array(data[key], np.float32)  # noqa: E731
        return cls(arr("weights"), float(data["bias"]), arr("mean"), arr("std"), bool(data["fitted"]),
                   int(data["links"]), float(data["mention_boost"]), int(data.get("vault_links", 0)),
                   tuple(float(v) for v in data["calibration"]),
                   None if data.get("threshold") is None else float(data["threshold"]),
                   str(data.get("feedback", "")), int(data.get("decisions", 0)),
                   tuple(str(name) for name in data["left_out"]))  # fmt: skip

    def describe(self) -> str:
        if not self.fitted:
            return f"fixed weights (only {self.links} links, fewer than {MIN_LINKS} to learn from)"
        n = self.decisions
        decided = f" and {n} review decision{'s' if n != 1 else ''}" if n else ""
        left = f"; left out, as this vault's links did not show it helps: {', '.join(self.left_out)}"
        return (f"fitted on {self.links} links{decided} (unlinked-mention boost {self.mention_boost:.2f}; "
                f"a suggestion is shown from a probability of {self.threshold or 0:.3f}"
                f"{left if self.left_out else ''})")  # fmt: skip


def fixed() -> HybridModel:
    return HybridModel(np.array([FIXED_WEIGHTS[f] for f in FEATURES], np.float32), FIXED_BIAS)


def training_pairs(index: VaultIndex, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, label) for every link, plus unlinked pairs drawn at random."""
    rng = np.random.default_rng(seed)
    n = len(index)
    rows = [i for i in range(n) if index.out_links[i]]
    if len(rows) > MAX_QUERY_ROWS:
        rows = sorted(rng.choice(rows, MAX_QUERY_ROWS, replace=False).tolist())
    a_list, b_list, y_list = [], [], []
    for i in rows:
        linked = set(index.out_links[i]) | {i}
        for j in sorted(index.out_links[i]):
            a_list.append(i)
            b_list.append(j)
            y_list.append(1)
        pool = np.setdiff1d(np.arange(n, dtype=np.int64), np.fromiter(linked, np.int64))
        if len(pool) == 0:
            continue
        # Negatives drawn uniformly: choosing "hard" ones by one signal would teach the
        # model that this signal is bad (selection bias).
        per_row = max(20, min(RANDOM_NEGATIVES, MAX_TRAINING_PAIRS // len(rows)))
        negs = pool if len(pool) <= per_row else rng.choice(pool, per_row, replace=False)
        for j in sorted(negs.tolist()):
            a_list.append(i)
            b_list.append(j)
            y_list.append(0)
    return np.array(a_list, np.int64), np.array(b_list, np.int64), np.array(y_list, np.float32)


def leakage_free_features(
    index: VaultIndex, a: np.ndarray, b: np.ndarray, y: np.ndarray, progress: OnProgress | None = None
) -> np.ndarray:
    """Features for training pairs; positives see a's text without its link to b."""
    x = pair_features(index, a, b, progress=None if progress is None else lambda f: progress(0.7 * f))
    pos = np.flatnonzero(y == 1)
    if len(pos):
        counts = [index.counts_of(a[k], index.link_text(a[k], b[k])) for k in pos]
        tf = index.tfidf_of(counts)
        semantic = None
        if index.semantic is not None:
            sem_counts = [index.semantic_counts_of(a[k], index.link_text(a[k], b[k])) for k in pos]
            semantic = index.semantic_of([Counter(c) for c in sem_counts])
        x[pos] = pair_features(index, a[pos], b[pos], TextRows(tf, index.lsa_of(tf), semantic))
        x[pos, ANCHOR] = unlinked_anchor(index, a[pos], b[pos], x[pos, MENTION])
    if progress is not None:
        progress(1.0)
    return x


def unlinked_anchor(index: VaultIndex, a: np.ndarray, b: np.ndarray, mention: np.ndarray) -> np.ndarray:
    """The ``anchor`` feature of pairs a → b that are links, as if that link were not
    there: b's link odds without a's link (a still names b outside links, where it
    mentions b, so the notes naming b are as many)."""
    linked, named = index.anchor_counts
    out = np.zeros(len(a), np.float32)
    for k in np.flatnonzero(mention > 0):
        i, j = int(a[k]), int(b[k])
        drop = float(index.named_link(i, j))
        out[k] = index.link_odds(linked[j : j + 1] - drop, named[j : j + 1])[0]
    return out


def plain_text_features(index: VaultIndex, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Features of links a → b as if each were plain text: a's words as they are, b
    mentioned where the link's text names it, its anchor odds and the graph without
    that link (the other way to see a link not yet made; :func:`leakage_free_features`
    sees it as never written)."""
    x = pair_features(index, a, b)
    named = [index.name_weight(int(j), index.link_text(int(i), int(j))) for i, j in zip(a, b, strict=True)]
    x[:, MENTION] = np.maximum(x[:, MENTION], np.array(named, np.float32).reshape(-1))
    x[:, ANCHOR] = unlinked_anchor(index, a, b, x[:, MENTION])
    return x


def fit(
    index: VaultIndex, seed: int = 0, progress: OnProgress | None = None, feedback: Feedback | None = None
) -> HybridModel:
    """Weights fitted on the vault's links and the owner's ``feedback``; ``progress``
    hears the share done.

    A link not yet made may be written as plain words (the owner named the note and did
    not link it) or not at all; the vault cannot say which is likelier, so each link is
    seen both ways, at half its weight each (``PLAIN_SHARE``): without its text
    (:func:`leakage_free_features`) and with its text as plain words
    (:func:`plain_text_features`)."""
    a, b, y = training_pairs(index, seed)
    links = int(y.sum())
    if links < MIN_LINKS:
        model = fixed()
        model.links = model.vault_links = links
        return model
    a, b, y, decided = with_feedback(index, a, b, y, feedback)
    x = leakage_free_features(index, a, b, y, progress)
    used = used_features(index)
    base = ~decided
    plain = np.flatnonzero(base & (y == 1))
    xp = plain_text_features(index, a[plain], b[plain])
    mean = np.where(used, x[base].mean(0), 0).astype(np.float32)
    std = np.where(used, x[base].std(0), 1).astype(np.float32)
    std[std < 1e-6] = 1.0
    z = (x - mean) / std
    sw = sample_weights(y, decided)
    wp = sw[plain] * PLAIN_SHARE
    sw[plain] *= 1 - PLAIN_SHARE
    zd, wd = contrasts(a, y, decided, z, sw)
    zp = (xp - mean) / std
    for k in [FEATURES.index(name) for name in OPTIONAL if name in FEATURES]:
        used[k] = selection.earns_place(k, used, (a[base], y[base], z[base], sw[base]), (a[plain], zp, wp),
                                        _logistic, seed)  # fmt: skip
    intercept = np.concatenate([np.ones(len(y) + len(plain)), np.zeros(len(zd))])
    z = np.vstack([z, zp, zd])[:, used]  # a signal not in use is left out of the fit: weight 0
    weights, bias = np.zeros(len(FEATURES)), 0.0
    weights[used], bias = _logistic(z, np.concatenate([y, np.ones(len(plain) + len(zd))]),
                                    np.concatenate([sw, wp, wd]), intercept)  # fmt: skip
    boost = mention_boost(x[plain, MENTION] > 0, xp[:, MENTION] > 0)
    vault_links = sum(len(out) for out in index.out_links)
    stamp = feedback.stamp if feedback is not None else ""
    model = HybridModel(weights.astype(np.float32), float(bias), mean, std, True, links, boost, vault_links,
                        feedback=stamp, decisions=int(decided.sum()),
                        left_out=tuple(FEATURES[f] for f in np.flatnonzero(used_features(index) & ~used)))  # fmt: skip
    # Calibrated on the random sample and the links seen both ways, not on the decisions.
    share = np.concatenate([np.where(y[base] == 1, 1 - PLAIN_SHARE, 1.0), np.full(len(plain), PLAIN_SHARE)])
    both = np.concatenate([a[base], a[plain]]), np.concatenate([y[base], y[plain]]), np.vstack([x[base], xp])
    model.calibration = calibrate(index, model, *both, share)
    model.threshold = shown_threshold(index, model, seed)
    return model


def used_features(index: VaultIndex) -> np.ndarray:
    """Which columns of :data:`FEATURES` this index gives values: all but ``pretrained``
    when the optional sentence model is not in use."""
    return np.array([name != "pretrained" or index.pretrained is not None for name in FEATURES])


def calibrate(
    index: VaultIndex, model: HybridModel, a: np.ndarray, y: np.ndarray, x: np.ndarray, share: np.ndarray | None = None
) -> tuple[float, float, float]:
    """Platt's sigmoid over (logit, ln(1 + rank)) on the training pairs, each sampled
    non-link weighted by the non-links it stands for (and every pair by ``share``): the
    model's scores as the probability of a link in this vault (:mod:`notelink.rank.calibration`)."""
    z, ranks, w = calibration_data(index, model, a, y, x, share)
    a_, c_, b_ = platt.platt(np.column_stack([z, np.log1p(ranks)]), y, w)
    return (float(a_), float(c_), float(b_))


def calibration_data(
    index: VaultIndex, model: HybridModel, a: np.ndarray, y: np.ndarray, x: np.ndarray, share: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`calibrate` fits on: each training pair's logit, its rank among its note's
    unlinked candidates, and its weight."""
    pool = np.array([len(index) - len(set(out) | {i}) for i, out in enumerate(index.out_links)], np.float64)
    w = platt.negative_weights(a, y, pool) * (1.0 if share is None else share)
    z = model.logits(x)
    return z, platt.ranks_within(a, z, y, w), w


def mention_boost(seen: np.ndarray, named: np.ndarray) -> float:
    """How much more an unlinked mention says than the fit could show.

    ``seen`` and ``named`` say, for each link, whether it is a mention seen without the
    link's text and seen with it as plain words. A link's text is very often the
    title of the note it links to: the link *is* the mention, made into a link. Where a
    link not yet made is written as plain words it is a mention at rate ``p_named``,
    while the fit saw mentions among links at the rate of its mix of both views. The
    logit of a mentioned pair is raised by the difference of the two logits: a
    correction measured on the vault, not a constant. A vault whose links never spell
    out titles (links by a date-time ID) gets none.
    """
    if len(seen) == 0:
        return 0.0
    p_seen = float(np.clip(np.mean(seen), 0.01, 0.99))
    p_named = float(np.clip(np.mean(named | seen), 0.01, 0.99))
    return max(0.0, _logit(p_named) - _logit(PLAIN_SHARE * p_named + (1 - PLAIN_SHARE) * p_seen))


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _logistic(
    z: np.ndarray, y: np.ndarray, sw: np.ndarray | None = None, intercept: np.ndarray | None = None, iters: int = 30
) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by Newton's method; samples weighted by ``sw``
    (default: classes weighted equally); ``intercept`` 0 marks a row without one (a contrast)."""
    n, f = z.shape
    ones = np.ones((n, 1)) if intercept is None else intercept.reshape(n, 1)
    xb = np.hstack([z, ones]).astype(np.float64)
    if sw is None:
        sw = sample_weights(y, np.zeros(n, bool))
    w = np.zeros(f + 1)
    penalty = np.full(f + 1, L2)
    penalty[-1] = 0.0
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (sw * (p - y)) + penalty * w
        hess = (xb * (sw * p * (1 - p))[:, None]).T @ xb + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], w[-1]


def shown_threshold(index: VaultIndex, model: HybridModel, seed: int, notes: int = SAMPLE_NOTES) -> float:
    """The probability below which the weakest suggestions of a top 5 hold ``HIDDEN_SHARE`` of
    the links that top 5 is expected to find (on a seeded sample of notes with links): what
    is cut is mostly noise, and little that the owner would have linked."""
    probabilities = []
    for _, _, z in threshold_sample(index, model, seed, notes):
        probabilities += model.probabilities(z, np.arange(len(z), dtype=np.float64)).tolist()
    return share_cut(np.array(probabilities))


def share_cut(probabilities: np.ndarray, share: float = HIDDEN_SHARE) -> float:
    """The probability below which the weakest of these suggestions hold ``share`` of
    their expected links (0 for none).

    >>> share_cut(np.array([0.02, 0.03, 0.95]), 0.1)  # the two weak ones hold 5% of 1.0
    0.95
    """
    if not len(probabilities):
        return 0.0
    p = np.sort(probabilities)
    return float(p[np.searchsorted(np.cumsum(p) / p.sum(), share)])


def threshold_sample(
    index: VaultIndex, model: HybridModel, seed: int, notes: int = SAMPLE_NOTES
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """The notes whose top 5 set :func:`shown_threshold` (a seeded sample of notes with
    links), each as (row, its best ``TOP`` unlinked candidates, their logits)."""
    rng = np.random.default_rng(seed)
    rows = [i for i in range(len(index)) if index.out_links[i]]
    if len(rows) > notes:
        rows = sorted(rng.choice(rows, notes, replace=False).tolist())
    out = []
    for row, cand in zip(rows, candidates_many(index, rows), strict=True):
        cand = cand[~np.isin(cand, list(index.out_links[row]))]
        z = model.logits(pair_features(index, np.full(len(cand), row), cand))
        best = np.lexsort((cand, -z))[:TOP]
        out.append((row, cand[best], z[best]))
    return out
