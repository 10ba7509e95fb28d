"""A word model kept in the vault's cache: one ``<method>-model.npz`` per method.

>>> import tempfile
>>> from pathlib import Path
>>> import numpy as np
>>> from notelink.disk.store import Store
>>> from notelink.model.vocab import Vocabulary
>>> m = Model(Vocabulary(["a", "b"], np.array([2, 1])), np.eye(2, dtype=np.float32), np.zeros(2, np.float32),
...           {"method": "sgns", "dim": 2}, trained_at=1.5, train_seconds=0.1, notes=2)
>>> with tempfile.TemporaryDirectory() as d:
...     save(m, Store(Path(d)))
...     back, none = load(Store(Path(d)), "sgns"), load(Store(Path(d)), "glove")
>>> back.vocab.words, back.params, back.model_id, none
(['a', 'b'], {'method': 'sgns', 'dim': 2}, 'sgns-1.500000', None)
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

from notelink.model.vocab import Vocabulary
from notelink.model.words import Model

if TYPE_CHECKING:
    from notelink.disk.store import Store

FORMAT = 1


def save(model: Model, store: Store) -> None:
    """One ``.npz`` file, replaced atomically: a reader (the daemon, between batches)
    sees the old model or the new one, never half of each."""
    meta = {
        "format": FORMAT, "params": model.params, "trained_at": model.trained_at,
        "train_seconds": model.train_seconds, "notes": model.notes,
    }  # fmt: skip
    store.write_arrays(
        f"{model.params['method']}-model.npz",
        word_vectors=model.word_vectors,
        component=model.component,
        words=np.array(model.vocab.words, dtype=str),
        counts=model.vocab.counts,
        meta=np.array(json.dumps(meta)),
    )


def load(store: Store, method: str = "sgns") -> Model | None:
    """The model :func:`save` kept for ``method``, or None (none kept, or unreadable)."""
    arrays = store.read_arrays(f"{method}-model.npz")
    if arrays is None:
        return None
    try:
        meta = json.loads(str(arrays["meta"]))
        words = arrays["words"].tolist()
        wv, comp, counts = arrays["word_vectors"], arrays["component"], arrays["counts"]
    except (KeyError, ValueError):
        return None
    if meta.get("format") != FORMAT or len(wv) != len(words) or len(counts) != len(words):
        return None
    return Model(Vocabulary(words, counts.astype(np.int64)), wv, comp, meta["params"], meta["trained_at"],
                 meta["train_seconds"], meta.get("notes", 0))  # fmt: skip
