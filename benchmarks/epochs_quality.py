"""Held-out-link quality of SGNS note vectors by training passes (issue 6).

    python benchmarks/epochs_quality.py VAULT [--epochs 5,3,2] [--method sgns]

Runs the protocol of shared/benchmarks/PROTOCOL.md (protocol A, `notelink evaluate`)
once per pass count, with the trainer's pass count fixed instead of chosen by
`auto_epochs`; prints one JSON line per run. On a generated vault
(`make_vault.py 10000 --seed 1`) it measured whether a large corpus needs 5 passes.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import notelink.model.embed.sgns as sgns
from notelink.evaluate import evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("--epochs", default="5,3,2")
    parser.add_argument("--method", action="append")
    args = parser.parse_args()
    for epochs in [int(e) for e in args.epochs.split(",")]:
        sgns.auto_epochs = lambda n_tokens, *a, _e=epochs, **k: _e
        start = time.perf_counter()
        for r in evaluate(args.vault, args.method or ["sgns"], "A"):
            print(json.dumps({"epochs": epochs, **r.as_dict(), "total_seconds": round(time.perf_counter() - start, 1)}))


if __name__ == "__main__":
    main()
