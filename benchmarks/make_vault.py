"""Write a realistic synthetic vault for benchmarks, deterministic by seed.

    python benchmarks/make_vault.py N OUT [--seed 0]

Topic clusters, each with its own Zipfian vocabulary over a shared one; note lengths
log-normal from 20 to 5,000 words (median near 300); YAML frontmatter with tags and
sometimes aliases; wikilinks to notes of the same topic (some by alias, some to
headings), tags, headings, code blocks; nested folders (topic / sub-topic).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

SYLLABLES = "ka lo mi ne ru sa ti vo ze pa qu re sho tan bel dor fin gal hur ist jor kel mun nor".split()


def words(rng: np.random.Generator, n: int) -> list[str]:
    out, seen = [], set()
    while len(out) < n:
        w = "".join(rng.choice(SYLLABLES, rng.integers(2, 4)))
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


def zipf_probs(n: int, s: float = 1.07) -> np.ndarray:
    p = 1 / np.arange(1, n + 1) ** s
    return p / p.sum()


def make_vault(n: int, out: Path, seed: int = 0) -> list[Path]:
    rng = np.random.default_rng(seed)
    topics = max(4, int(math.sqrt(n) / 2))
    shared = words(rng, 3000)
    topic_words = [words(rng, 400) for _ in range(topics)]
    p_shared, p_topic = zipf_probs(len(shared)), zipf_probs(400)
    topic_of = rng.integers(0, topics, n)
    titles = [" ".join(rng.choice(topic_words[t][:60], rng.integers(1, 4))).title() + f" {i}" for i, t in
              enumerate(topic_of)]  # fmt: skip
    by_topic: dict[int, list[int]] = {}
    for i, t in enumerate(topic_of):
        by_topic.setdefault(int(t), []).append(i)
    paths = []
    for i in range(n):
        t = int(topic_of[i])
        length = int(np.clip(rng.lognormal(math.log(300), 0.8), 20, 5000))
        from_topic = rng.random(length) < 0.35
        body_words = np.where(
            from_topic,
            np.array(topic_words[t])[rng.choice(400, length, p=p_topic)],
            np.array(shared)[rng.choice(len(shared), length, p=p_shared)],
        )
        lines = [f"# {titles[i]}", ""]
        para: list[str] = []
        same = by_topic[t]
        for k, w in enumerate(body_words):
            para.append(str(w))
            if rng.random() < 0.01 and len(same) > 1:
                j = int(rng.choice(same))
                if j != i:
                    form = rng.random()
                    target = titles[j]
                    para.append(f"[[{target}|{target.split()[0].lower()}]]" if form < 0.2 else
                                f"[[{target}#Notes]]" if form < 0.3 else f"[[{target}]]")  # fmt: skip
            if len(para) > 60 or k == length - 1:
                lines += [" ".join(para) + ".", ""]
                para = []
                if rng.random() < 0.1:
                    lines += ["## Notes", ""]
                if rng.random() < 0.03:
                    lines += ["```python", "x = compute(vector, matrix)", "```", ""]
        tags = [f"topic{t}"] + ([f"area{int(rng.integers(0, 10))}"] if rng.random() < 0.5 else [])
        front = ["---", f"tags: [{', '.join(tags)}]"]
        if rng.random() < 0.2:
            front.append(f"aliases: [{titles[i].split()[0]} note {i}]")
        front += ["---", ""]
        folder = out / f"topic-{t:03d}" / f"part-{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{titles[i]}.md"
        path.write_text("\n".join(front + lines), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    paths = make_vault(args.n, args.out, args.seed)
    words_total = sum(len(p.read_text(encoding="utf-8").split()) for p in paths)
    print(f"wrote {len(paths)} notes, {words_total:,} words, to {args.out}")


if __name__ == "__main__":
    main()
