"""Freed heap memory goes back to the system (glibc only)."""

from __future__ import annotations

import sys

import pytest

from notelink import memory


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


@pytest.mark.skipif(not sys.platform.startswith("linux") or not memory.release(), reason="glibc's malloc_trim only")
def test_release_hands_back_pages_freed_in_the_middle_of_the_heap() -> None:
    blocks = [bytearray(2000) for _ in range(100_000)]  # ~200 MB from the heap, not mmap
    for i in range(len(blocks)):
        if i % 64:  # keep 1 in 64: freed pages sit between live ones, none at the top
            blocks[i] = bytearray(0)
    before = rss_mb()
    assert memory.release()
    after = rss_mb()
    assert before - after > 100, (before, after)
    del blocks
