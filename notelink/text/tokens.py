"""Tokens: how notelink cuts text into words, in any script.

Text is NFC-normalised and case-folded. A word is a run of letters with their
combining marks and digits (``Straße`` → ``strasse``; Devanagari and Bengali vowel
signs stay inside their word). Scripts written without spaces between words (Chinese,
Japanese, Thai, Lao, Khmer, Myanmar) are cut into overlapping pairs of characters,
each character with its marks: no dictionary, and a name is still found inside a
longer run of text. Pure numbers and one-letter Latin tokens are dropped; no stop-word
list, so no language is assumed (frequent words are damped by subsampling in training
and by SIF weights in note vectors instead).

>>> tokenize("Word2Vec learns vectors — die Straße, a ação, 2013!")
['word2vec', 'learns', 'vectors', 'die', 'strasse', 'ação']
>>> tokenize("नमस्ते दुनिया"), tokenize("机器学习")
(['नमस्ते', 'दुनिया'], ['机器', '器学', '学习'])
"""

from __future__ import annotations

import itertools
import re
import unicodedata

import numpy as np
import regex

VERSION = 4  # how text is cut into tokens (and lines); a cache made with another version is read again

_WORD_RE = regex.compile(r"[\p{L}\p{M}\p{N}]+")
# Scripts that do not put spaces between words (and the marks that extend their
# characters, and the kana prolonged sound mark).
_UNSPACED = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}\u30fc"
_PIECE_RE = regex.compile(
    rf"(?P<unspaced>(?:[{_UNSPACED}]\p{{M}}*)+)|(?P<spaced>(?:(?![{_UNSPACED}])[\p{{L}}\p{{M}}\p{{N}}])+)"
)
_CHAR_RE = regex.compile(r"\X")
# Text with no combining mark and no unspaced script (most text) has the same words by
# the stdlib's expression, found faster; each character is looked at once per process.
_SIMPLE_RE = re.compile(r"[^\W_]+")
_CARE_RE = regex.compile(rf"[\p{{M}}{_UNSPACED}]")
_CARE: dict[str, bool] = {}


def _needs_care(text: str) -> bool:
    for c in set(text):
        if c >= "\u0300":
            care = _CARE.get(c)
            if care is None:
                care = _CARE[c] = _CARE_RE.match(c) is not None
            if care:
                return True
    return False


def _pieces(text: str, fold: bool = True) -> list[str]:
    """The text's words, unspaced scripts cut into pairs of characters (case-folded
    unless ``fold`` is False)."""
    text = unicodedata.normalize("NFC", text)
    text = text.casefold() if fold else text
    if not _needs_care(text):
        return _SIMPLE_RE.findall(text)
    words = _WORD_RE.findall(text)
    out: list[str] = []
    for word in words:
        for m in _PIECE_RE.finditer(word):
            if m.group("spaced"):
                out.append(m.group("spaced"))
                continue
            chars = _CHAR_RE.findall(m.group("unspaced"))
            if len(chars) == 1:
                out.append(chars[0])
            out += [a + b for a, b in itertools.pairwise(chars)]
    return out


def tokenize(text: str) -> list[str]:
    """The words of ``text`` that carry meaning: no pure numbers, no single Latin letters."""
    return [t for t in _pieces(text) if not t.isdigit() and (len(t) > 1 or not t.isascii())]


def name_tokens(text: str) -> list[str]:
    """Tokens as :func:`tokenize` makes them, numbers kept: how note names and the text
    they may be mentioned in are compared, so "Meeting 2024-01-15" is found only as
    itself, not wherever "meeting" is (single letters still go: "Sync's settings"
    mentions "Sync settings").

    >>> name_tokens("Meeting 2024-01-15, plan B")
    ['meeting', '2024', '01', '15', 'plan']
    """
    return [t for t in _pieces(text) if len(t) > 1 or not t.isascii()]


def case_matters(word: str) -> bool:
    """Whether a name written ``word`` means only that spelling: a short word with a
    capital (``Go``, ``SO``) or one cased otherwise than a capitalised word (``MAAS``,
    ``MaaS``, ``iOS``). ``Systems`` and ``go`` are names any spelling can mention.

    >>> [case_matters(w) for w in ("Go", "SO", "MaaS", "iOS", "Systems", "go", "Kompost")]
    [True, True, True, True, False, False, False]
    """
    return word != word.lower() and (len(word) <= 3 or word != word[:1] + word[1:].lower())


def written_tokens(text: str) -> list[str]:
    """:func:`name_tokens` as written: NFC, not case-folded.

    >>> written_tokens("Stack Overflow (SO)")
    ['Stack', 'Overflow', 'SO']
    """
    return [t for t in _pieces(text, fold=False) if len(t) > 1 or not t.isascii()]


def cased_tokens(text: str) -> list[str]:
    """The words of ``text`` as written whose case matters (:func:`case_matters`)."""
    return sorted({t for t in written_tokens(text) if case_matters(t)})


def is_number(token: str) -> bool:
    """Whether a token is a number more than a word: fewer than two letters besides its
    digits, or a digit first and at most two letters. Such a token is never a reason.

    >>> [is_number(t) for t in ("1990s", "l2", "1st", "10am", "web3", "md5", "p2p", "vectors")]
    [True, True, True, True, False, False, False, False]
    """
    letters = sum(not c.isdigit() for c in token)
    return letters < 2 or (token[:1].isdigit() and letters <= 2)


def token_ids(tokens: list[str], lexicon: dict[str, int]) -> np.ndarray:
    """``tokens`` as ids into ``lexicon``, which grows by every new word (ids in order
    of first appearance): a note's words held as 4 bytes each, not as strings.

    >>> lex = {}
    >>> token_ids(["a", "b", "a"], lex).tolist(), token_ids(["c", "a"], lex).tolist(), list(lex)
    ([0, 1, 0], [2, 0], ['a', 'b', 'c'])
    """
    return np.fromiter((lexicon.setdefault(t, len(lexicon)) for t in tokens), np.int32, len(tokens))


# Function words that tell English from Spanish prose (the plural rules of mention_key).
LANGUAGE_WORDS = {
    "en": frozenset("the and of to is that it for with this are was".split()),
    "es": frozenset("de la el que los las del se por una para con".split()),
}


def fold_accents(word: str) -> str:
    """``word`` without the marks on its Latin letters (``canción`` → ``cancion``); a word
    in another script is left as it is (its marks are part of its letters).

    >>> fold_accents("canción"), fold_accents("ação"), fold_accents("नमस्ते"), fold_accents("ёлка")
    ('cancion', 'acao', 'नमस्ते', 'ёлка')
    """
    if word.isascii():
        return word
    bare = "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare) if bare.isascii() else word


def mention_key(word: str, language: str | None) -> str:
    """The form a name and the text that may mention it are compared in: accents folded,
    and in an English or Spanish vault a plural's ``s``/``es`` dropped (the same rule on
    both sides, so ``classes`` meets ``class`` and ``redes neuronales`` ``red neuronal``).

    >>> [mention_key(w, "en") for w in ("classes", "class", "libraries", "library", "networks", "bus")]
    ['class', 'class', 'library', 'library', 'network', 'bus']
    >>> [mention_key(w, "es") for w in ("redes", "red", "neuronales", "canciones", "canción", "clases", "clase")]
    ['red', 'red', 'neuronal', 'cancion', 'cancion', 'clase', 'clase']
    """
    word = fold_accents(word)
    if language not in LANGUAGE_WORDS or len(word) < 4 or not word.isalpha() or not word.isascii():
        return word
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if language == "en":
        if word.endswith("ie") and len(word) > 4:
            return word[:-2] + "y"
        return word[:-1] if word.endswith(("se", "xe", "ze", "che", "she")) else word
    return word[:-1] if len(word) > 3 and word[-1] == "e" and word[-2] in "lrndjz" else word


def vault_language(counts: dict[str, int]) -> str | None:
    """``en`` or ``es`` when the function words of one outnumber the other's three to one
    in ``counts`` (a vault's word counts), else None (mixed, or another language).

    >>> vault_language({"the": 40, "de": 3}), vault_language({"the": 10, "de": 9})
    ('en', None)
    """
    score = {lang: sum(counts.get(w, 0) for w in words) for lang, words in LANGUAGE_WORDS.items()}
    en, es = score["en"], score["es"]
    return "en" if en > 3 * es else "es" if es > 3 * en else None
