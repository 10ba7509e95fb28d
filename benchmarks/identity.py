"""Byte-identity check: the files `notelink sync --seed 0` leaves in vault copies.

    python benchmarks/identity.py save DIR      # snapshot after a sync, fresh caches
    python benchmarks/identity.py check DIR     # run again, compare with the snapshot

Copies `sample_vault/` and `../shared/vaults/obsidian-help-en` into a temporary
folder, runs `notelink sync --seed 0` on each with an empty cache, and saves (or
compares) every file of the synced copies. A refactor that changes behaviour shows
up as a differing file; `check` prints them and exits 1.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAULTS = {"sample_vault": ROOT / "sample_vault", "obsidian-help-en": ROOT.parent / "shared/vaults/obsidian-help-en"}


def synced(out: Path) -> None:
    """Sync a fresh copy of each vault into ``out/NAME``."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, source in VAULTS.items():
            vault = out / name
            shutil.copytree(source, vault, symlinks=True)
            for path in [vault, *vault.rglob("*")]:
                if not path.is_symlink():
                    path.chmod(path.stat().st_mode | 0o200)
            env = {**os.environ, "NOTELINK_CACHE_DIR": str(Path(tmp) / name)}
            cmd = [sys.executable, "-m", "notelink", "sync", str(vault), "--seed", "0", "-q"]
            code = subprocess.run(cmd, env=env, cwd=ROOT).returncode
            if code not in (0, 1):
                raise SystemExit(f"{name}: sync exited {code}")


def differences(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two trees (missing on either side counts)."""
    out = []
    cmp = filecmp.dircmp(a, b)
    out += [str(Path(a.name) / n) for n in cmp.left_only + cmp.right_only + cmp.funny_files]
    for name in cmp.common_files:
        if not filecmp.cmp(a / name, b / name, shallow=False):
            out.append(name)
    for sub in cmp.common_dirs:
        out += [f"{sub}/{d}" for d in differences(a / sub, b / sub)]
    return sorted(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["save", "check"])
    parser.add_argument("snapshot", type=Path)
    args = parser.parse_args()
    if args.action == "save":
        if args.snapshot.exists():
            raise SystemExit(f"{args.snapshot} exists")
        synced(args.snapshot)
        print(f"saved {sum(1 for p in args.snapshot.rglob('*') if p.is_file())} files in {args.snapshot}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        synced(Path(tmp))
        diff = differences(args.snapshot, Path(tmp))
    for rel in diff:
        print(f"differs: {rel}")
    total = sum(1 for p in args.snapshot.rglob("*") if p.is_file())
    print(f"{len(diff)} of {total} files differ")
    return 1 if diff else 0


if __name__ == "__main__":
    raise SystemExit(main())
