from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_vault"
# The optional pretrained sentence model is off for the whole session, module-scoped
# fixtures too, so the suite behaves the same with or without the extra (its own tests
# turn it on for themselves).
os.environ["NOTELINK_PRETRAINED"] = "0"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the user's real cache from a test. The optional pretrained sentence
    model is off too, so the suite behaves the same with or without the extra (its own
    tests turn it on)."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("NOTELINK_CACHE_DIR", str(cache))
    monkeypatch.setenv("NOTELINK_PRETRAINED", "0")
    return cache


@pytest.fixture
def cache_dir(_isolated_cache: Path) -> Path:
    return _isolated_cache


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """A fresh copy of sample_vault/."""
    dest = tmp_path / "vault"
    shutil.copytree(SAMPLE, dest)
    return dest


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(autouse=True)
def _no_leaked_threads():
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leaked, f"threads left running: {leaked}"


def wait_for(cond: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    """Wait until ``cond()`` holds (no sleeping and hoping); fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def has_section(path: Path) -> bool:
    from notelink.text import section

    try:
        return section.split(path.read_text(encoding="utf-8"))[1] is not None
    except OSError:
        return False
