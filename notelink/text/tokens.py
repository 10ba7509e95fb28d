"""Tokens: how notelink cuts text into words, in any script.

Text is NFC-normalised and case-folded, and a token is a run of letters and digits
in any script (``Straße`` → ``strasse``, ``ação`` stays one word). Pure numbers and
one-letter Latin tokens are dropped; no stop-word list, so no language is assumed
(frequent words are damped by subsampling in training and by SIF weights in note
vectors instead).

>>> tokenize("Word2Vec learns vectors — die Straße, a ação, 2013!")
['word2vec', 'learns', 'vectors', 'die', 'strasse', 'ação']
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

_TOKEN_RE = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).casefold()
    out = []
    for tok in _TOKEN_RE.findall(text):
        if tok.isdigit():
            continue
        if len(tok) == 1 and tok.isascii():
            continue
        out.append(tok)
    return out


def name_tokens(text: str) -> list[str]:
    """Tokens as :func:`tokenize` makes them, numbers kept: how note names and the text
    they may be mentioned in are compared, so "Meeting 2024-01-15" is found only as
    itself, not wherever "meeting" is (single letters still go: "Sync's settings"
    mentions "Sync settings").

    >>> name_tokens("Meeting 2024-01-15, plan B")
    ['meeting', '2024', '01', '15', 'plan']
    """
    text = unicodedata.normalize("NFC", text).casefold()
    return [tok for tok in _TOKEN_RE.findall(text) if len(tok) > 1 or not tok.isascii()]


def token_ids(tokens: list[str], lexicon: dict[str, int]) -> np.ndarray:
    """``tokens`` as ids into ``lexicon``, which grows by every new word (ids in order
    of first appearance): a note's words held as 4 bytes each, not as strings.

    >>> lex = {}
    >>> token_ids(["a", "b", "a"], lex).tolist(), token_ids(["c", "a"], lex).tolist(), list(lex)
    ([0, 1, 0], [2, 0], ['a', 'b', 'c'])
    """
    return np.fromiter((lexicon.setdefault(t, len(lexicon)) for t in tokens), np.int32, len(tokens))
