"""What the section would show if the calibration had one more input (protocol A or A2).

    python benchmarks/calibration_inputs.py ../shared/vaults/jzhao-en [--protocol A]

The hybrid's calibration (``notelink/rank/calibration.py``) turns a pair's logit and its
rank in the note into the probability that the owner links it. This refits that
sigmoid on the same training pairs (the fit's, both views of each link) with one more
input, and applies the default rule of ``hybrid.shown_threshold`` (cut where the weakest
suggestions of 200 sampled notes' top 5s hold ``HIDDEN_SHARE`` of their expected links)
to the new probabilities, on the held-out split of shared/benchmarks/PROTOCOL.md:

- ``logit, rank``: main's inputs (the same figures as ``benchmarks/pruning.py``);
- ``+ links``: ln(1 + the note's links), how much the owner links from this note;
- ``+ named``: whether the note mentions the suggestion (the hybrid's mention signal).

For each: the threshold, shown precision against a fixed top 5, the recall change, and
the frontier (the best precision one threshold reaches at a recall loss of 10% or less,
chosen with the held-out links).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from notelink.rank import calibration as platt
from notelink.rank import hybrid
from notelink.rank.signals import candidates_many, pair_features

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pruning import split_engine

TOP = hybrid.TOP
# An input of a pair: (logit, rank, the note's links, named) → column.
Input = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
INPUTS: dict[str, list[Input]] = {
    "logit, rank": [],
    "+ links": [lambda z, r, n, m: np.log1p(n)],
    "+ named": [lambda z, r, n, m: m],
}


def top5(
    index: object, model: hybrid.HybridModel, row: int, cand: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The logits of a note's best 5 candidates, whether the note names each, and the candidates."""
    x = pair_features(index, np.full(len(cand), row), cand)  # type: ignore[arg-type]
    z = model.logits(x)
    best = np.lexsort((cand, -z))[:TOP]
    return z[best], (x[best, hybrid.MENTION] > 0).astype(np.float64), cand[best]


def run(vault: Path, protocol: str) -> None:
    captured: dict[str, object] = {}
    calibrate = hybrid.calibrate

    def spy(index, model, a, y, x, share=None):  # type: ignore[no-untyped-def]
        captured.update(a=a, y=y, x=x, share=share)
        return calibrate(index, model, a, y, x, share)

    hybrid.calibrate = spy
    with tempfile.TemporaryDirectory(prefix="notelink-calibration-") as tmp:
        split, engine = split_engine(vault, protocol, tmp)
        index, model = engine.index(), engine.scorer().model
        links = np.array([len(out) for out in index.out_links], np.float64)
        # The queries' top 5 (their remaining links excluded), as the section ranks them.
        queries = [q for q in split.queries if q in index.pos]
        rows = [index.pos[q] for q in queries]
        items = []  # (query, logit, rank, links, named, hit)
        for qi, (q, row, cand) in enumerate(zip(queries, rows, candidates_many(index, rows), strict=True)):
            gone = {index.pos[t] for t in split.remaining[q] if t in index.pos}
            z, named, best = top5(index, model, row, cand[~np.isin(cand, list(gone))])
            for r, (zz, m, j) in enumerate(zip(z, named, best, strict=True)):
                items.append((qi, zz, r, links[row], m, float(index.order[j] in split.queries[q])))
        held = np.array([len(split.queries[q]) for q in queries], np.float64)
        sample = []  # the notes whose top 5 set the default threshold
        for row, best, z in hybrid.threshold_sample(index, model, seed=0):
            named = pair_features(index, np.full(len(best), row), best)[:, hybrid.MENTION] > 0
            sample += [(zz, r, links[row], float(m)) for r, (zz, m) in enumerate(zip(z, named, strict=True))]
        a, y, x = captured["a"], captured["y"], captured["x"]
        zt, ranks, w = hybrid.calibration_data(index, model, a, y, x, captured["share"])
        train = (zt, ranks, links[a] - y, (x[:, hybrid.MENTION] > 0).astype(np.float64))
    it = np.array(items)
    sm = np.array(sample)
    print(f"{vault.name} protocol {protocol}: {len(queries)} queries, {int(held.sum())} held out")
    print("| inputs | threshold | shown per note | precision | recall | frontier |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, extra in INPUTS.items():

        def design(z: np.ndarray, r: np.ndarray, n: np.ndarray, m: np.ndarray, extra=extra) -> np.ndarray:
            return np.column_stack([z, np.log1p(r)] + [f(z, r, n, m) for f in extra])

        theta = platt.platt(design(*train), y, w)

        def prob(cols: np.ndarray, theta=theta, design=design) -> np.ndarray:
            d = design(cols[:, 0], cols[:, 1], cols[:, 2], cols[:, 3])
            return 1 / (1 + np.exp(-np.clip(np.hstack([d, np.ones((len(d), 1))]) @ theta, -30, 30)))

        t = hybrid.share_cut(prob(sm))
        p = prob(it[:, 1:5])
        print(f"| {name} | {t:.3f} | " + shown(it, p, held, t) + f" | {frontier(it, p, held):.2f}× |")


def shown(it: np.ndarray, p: np.ndarray, held: np.ndarray, t: float) -> str:
    q, hit = it[:, 0].astype(int), it[:, 5]
    base_p, base_r = hit.mean(), np.sum(hit / held[q]) / len(held)
    keep = p >= t
    prec, rec = hit[keep].mean(), np.sum(hit[keep] / held[q[keep]]) / len(held)
    return f"{keep.sum() / len(held):.1f} | {prec:.3f} ({prec / base_p:.2f}×) | {rec:.3f} ({rec / base_r - 1:+.1%})"


def frontier(it: np.ndarray, p: np.ndarray, held: np.ndarray, loss: float = 0.10) -> float:
    q, hit = it[:, 0].astype(int), it[:, 5]
    base_p, base_r = hit.mean(), np.sum(hit / held[q]) / len(held)
    order = np.argsort(-p, kind="stable")
    hits = np.cumsum(hit[order])
    recall = np.cumsum(hit[order] / held[q[order]]) / len(held)
    ok = np.flatnonzero(recall >= (1 - loss) * base_r)
    return float(max(hits[k] / (k + 1) for k in ok) / base_p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--protocol", default="A", choices=("A", "A2"))
    args = parser.parse_args()
    run(args.vault, args.protocol)


if __name__ == "__main__":
    main()
