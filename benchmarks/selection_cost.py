"""What the test of an optional signal's place in the fit costs (``rank/selection.py``).

    python benchmarks/selection_cost.py [VAULT ...]

For each vault (default: every shared vault), builds the index of its notes as a sync
does, then times ``hybrid.fit`` twice more (the first fit warms the features' caches):
as it is, and with the test skipped (every signal in use kept). Prints a Markdown
table, and which optional signals the fit left out. With the pretrained extra
installed, the test has a signal to try; without it, nothing to test.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from notelink.rank import hybrid, selection
from notelink.sync.engine import Engine, Options

ROOT = Path(__file__).resolve().parent.parent


def timed_fit(index: object) -> tuple[float, hybrid.HybridModel]:
    start = time.perf_counter()
    model = hybrid.fit(index)
    return time.perf_counter() - start, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vaults", nargs="*", type=Path)
    args = parser.parse_args()
    vaults = args.vaults or sorted(p for p in (ROOT.parent / "shared/vaults").iterdir() if p.is_dir())
    print("| vault | fit without the test | fit with it | left out |")
    print("|---|---:|---:|---|")
    for vault in vaults:
        with tempfile.TemporaryDirectory(prefix="notelink-selection-") as tmp:
            engine = Engine(vault, Options(method="hybrid", seed=0), cache_dir=tmp)
            engine.refresh()  # reads the vault and writes only into the cache folder
            index = engine.index()
            timed_fit(index)
            with_test, model = timed_fit(index)
            keep_all = selection.earns_place
            selection.earns_place = lambda column, used, *rest: bool(used[column])
            try:
                without, _ = timed_fit(index)
            finally:
                selection.earns_place = keep_all
            print(f"| {vault.name} | {without:.2f} s | {with_test:.2f} s | {', '.join(model.left_out) or 'none'} |")


if __name__ == "__main__":
    main()
