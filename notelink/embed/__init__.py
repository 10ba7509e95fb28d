"""Word-embedding methods behind one small interface (see :mod:`notelink.embed.base`)."""

from notelink.embed.base import EMBEDDERS, WordEmbedder, create, register

__all__ = ["EMBEDDERS", "WordEmbedder", "create", "register"]
