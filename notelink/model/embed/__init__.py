"""Word-embedding methods behind one small interface (see :mod:`notelink.model.embed.base`)."""

from notelink.model.embed.base import EMBEDDERS, WordEmbedder, create, register

__all__ = ["EMBEDDERS", "WordEmbedder", "create", "register"]
