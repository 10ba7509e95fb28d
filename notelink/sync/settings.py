"""What a run is asked to do: the command's options, resolved against the vault's
config and the settings of the last sync (a seed or method not given is the last one's).

>>> s = Settings.resolve(Options(method="tfidf"), Config(top_k=3), {"seed": 7})
>>> s.method, s.seed, s.top_k, s.model_params() is None
('tfidf', 7, 3, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from notelink.errors import VaultError
from notelink.model import pretrained as sentence_model
from notelink.rank.registry import METHODS, REGISTRY, word_method
from notelink.text.tokens import VERSION as TOKENS_VERSION
from notelink.vault.config import Config

DEFAULT_TOP_K = 5
SECTION_FORMAT = 2  # blocks carry a digest (notelink.sync.review); a sync after an upgrade rewrites older ones


@dataclass
class Options:
    """The options of one command (None: not given)."""

    top_k: int | None = None
    min_score: float | None = None
    seed: int | None = None  # None: the seed of the last sync (0 at first)
    method: str | None = None  # None: the method of the last sync ("hybrid" at first)
    dim: int = 100
    min_count: int = 2
    retrain: bool = False
    dims: int | None = None  # Matryoshka: rank with the first ``dims`` dimensions only
    binary: bool = False  # rank by Hamming distance of sign bits, then rerank by cosine
    binary_rerank: int = 100  # how many of the Hamming-nearest are reranked by cosine
    pretrained: bool | None = None  # False: leave the optional pretrained sentence model out (--no-pretrained)


@dataclass(frozen=True)
class Settings:
    """Options, config and the last sync's settings, resolved into what this run uses."""

    options: Options
    config: Config = field(default_factory=Config)
    method: str = "hybrid"
    seed: int = 0
    top_k: int = DEFAULT_TOP_K
    min_score: float | None = None  # None: the method's own default
    pretrained: bool = False  # the optional pretrained sentence model is in use (notelink.model.pretrained)

    @classmethod
    def resolve(cls, options: Options, config: Config, last: dict[str, Any]) -> Settings:
        """``last``: the settings the last sync saved (empty before the first)."""
        if options.method is not None and options.method not in METHODS:
            raise VaultError(f"unknown method {options.method!r}; known: {', '.join(METHODS)}")
        method = options.method if options.method is not None else str(last.get("method", "hybrid"))
        seed = options.seed if options.seed is not None else int(last.get("seed", 0))
        k = options.top_k if options.top_k is not None else config.top_k
        min_score = options.min_score if options.min_score is not None else config.min_score
        pretrained = sentence_model.wanted(options.pretrained, config.pretrained)
        if REGISTRY[method].needs_pretrained and not pretrained:
            if options.method is None:  # the last sync's, which cannot run now: the default instead
                method = "hybrid"
            else:
                why = sentence_model.why_not(options.pretrained, config.pretrained)
                raise VaultError(f"method {method!r} needs the pretrained sentence model, but {why}")
        return cls(options, config, method, seed, DEFAULT_TOP_K if k is None else k, min_score, pretrained)

    def model_params(self) -> dict[str, Any] | None:
        """What the word model is trained with, or None when the method needs none."""
        o = self.options
        method = word_method(self.method)
        if method is None:
            return None
        nested = [16, 32, 64] if o.dims is not None else []
        return {"method": method, "dim": o.dim, "seed": self.seed, "min_count": o.min_count, "matryoshka": nested}

    def as_dict(self) -> dict[str, Any]:
        """What the state file keeps: a run with other settings starts afresh."""
        return {
            "model": self.model_params(),
            "method": self.method,
            "seed": self.seed,
            "top_k": self.top_k,
            "dims": self.options.dims,
            "binary": self.options.binary,
            "min_score": self.min_score,
            "heading": self.config.heading,
            "exclude": self.config.exclude,
            "sections": SECTION_FORMAT,
            "tokens": TOKENS_VERSION,
            **({"pretrained": True} if self.pretrained else {}),  # off: the settings as before the extra existed
        }
