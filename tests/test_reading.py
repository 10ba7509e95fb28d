"""Reading on worker processes gives what reading in this process gives, in order."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from notelink.sync.engine import Engine, Options, sync
from notelink.vault import reading
from notelink.vault.config import load_config
from notelink.vault.scan import scan

from conftest import SAMPLE, snapshot

WORDS = "comet orbit telescope nebula garden compost seedling bread yeast oven kernel tensor gradient".split()


def _vault(root: Path) -> Path:
    """sample_vault plus 150 generated notes and one that cannot be decoded."""
    shutil.copytree(SAMPLE, root)
    for i in range(150):
        words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(40))
        link = f"[[gen {(i + 1) % 150:03d}]]"
        (root / "gen").mkdir(exist_ok=True)
        (root / "gen" / f"gen {i:03d}.md").write_text(f"---\ntags: [g{i % 5}]\n---\n# Gen {i}\n\n{words} {link}\n")
    (root / "gen" / "gen 075 broken.md").write_bytes(b"caf\xe9 \xff\xfe not utf-8\n")
    return root


def _read(root: Path, workers_from: int, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    monkeypatch.setattr(reading, "PARALLEL_FROM", workers_from)
    monkeypatch.setattr(reading, "CHUNK", 16)  # several chunks, so their order matters
    files, _ = scan(root, load_config(root))
    out = []
    lexicon: dict[str, int] = {}
    for nf, got in reading.read_notes(files, 10**6, lexicon):
        out.append((nf.rel, got if isinstance(got, str) else (got[0].to_json(), got[1].tolist())))
    return [*out, ("lexicon", list(lexicon))]


def test_workers_read_what_this_process_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _vault(tmp_path / "v")
    here = _read(root, 10**9, monkeypatch)
    assert reading.workers_for(len(here)) == 0
    on_workers = _read(root, 1, monkeypatch)
    assert reading.workers_for(len(here)) == 2 or os.cpu_count() == 1
    assert on_workers == here
    problems = [(rel, got) for rel, got in here if isinstance(got, str) and rel != "lexicon"]
    assert [rel for rel, _ in problems] == ["gen/gen 075 broken.md"]


@pytest.mark.parametrize("executable", ["/nonexistent/python", "/bin/false"])  # cannot start; dies at once
def test_workers_that_fail_leave_the_reading_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, executable: str
) -> None:
    root = _vault(tmp_path / "v")
    here = _read(root, 10**9, monkeypatch)
    monkeypatch.setattr(reading.sys, "executable", executable)
    assert _read(root, 1, monkeypatch) == here


def test_a_failure_midway_leaves_the_rest_to_this_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _vault(tmp_path / "v")
    here = _read(root, 10**9, monkeypatch)
    calls = {"n": 0}
    globalise = reading._Worker.globalise

    def failing(self: reading._Worker, ids: object, lexicon: dict[str, int]) -> object:
        calls["n"] += 1
        if calls["n"] == 40:  # within the third chunk of 16
            raise ValueError("as if the worker's answer were bad")
        return globalise(self, ids, lexicon)  # type: ignore[arg-type]

    monkeypatch.setattr(reading._Worker, "globalise", failing)
    assert _read(root, 1, monkeypatch) == here  # each note once, in order
    assert calls["n"] == 40


def test_sync_sections_do_not_depend_on_how_notes_were_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = []
    for name, workers_from in (("here", 10**9), ("workers", 1)):
        root = _vault(tmp_path / name)
        monkeypatch.setattr(reading, "PARALLEL_FROM", workers_from)
        report, _ = sync(Engine(root, Options(dim=16), cache_dir=str(tmp_path / f"cache-{name}")))
        assert report.read == report.notes >= 150 and len(report.problems) == 1
        results.append(snapshot(root))
    assert results[0] == results[1]
    assert any(b"## Additional Connections" in data for data in results[0].values())
