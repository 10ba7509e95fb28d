"""The per-note record log: base + journal, torn lines, stale journals, compaction."""

from __future__ import annotations

import json
from pathlib import Path

from notelink.disk import recordlog
from notelink.disk.recordlog import BASE, JOURNAL, RecordLog


def line(rel: str, n: int) -> str:
    return json.dumps({"rel": rel, "n": n})


def save_all(log: RecordLog, records: dict[str, int], changed: set[str], gone: set[str] = frozenset()) -> None:
    log.save({r: line(r, records[r]) for r in changed}, gone, lambda: [line(r, records[r]) for r in sorted(records)])


def test_changes_are_appended_and_read_back(tmp_path: Path) -> None:
    log = RecordLog(tmp_path)
    records = {f"n{i}.md": i for i in range(100)}
    save_all(log, records, set(records))
    base = (tmp_path / BASE).read_bytes()
    records["n5.md"] = 500
    del records["n7.md"]
    save_all(log, records, {"n5.md"}, {"n7.md"})
    assert (tmp_path / BASE).read_bytes() == base  # the base was not rewritten
    assert (tmp_path / JOURNAL).read_text().count("\n") == 3  # header, n5, gone n7
    loaded = RecordLog(tmp_path).load()
    assert {r: v["n"] for r, v in loaded.items()} == records


def test_torn_last_line_is_skipped_and_the_next_save_compacts(tmp_path: Path) -> None:
    log = RecordLog(tmp_path)
    records = {"a.md": 1, "b.md": 2}
    save_all(log, records, set(records))
    records["a.md"] = 10
    save_all(log, records, {"a.md"})
    with open(tmp_path / JOURNAL, "a") as f:
        f.write('{"rel": "b.md", "n"')  # a crash mid-append
    fresh = RecordLog(tmp_path)
    assert {r: v["n"] for r, v in fresh.load().items()} == {"a.md": 10, "b.md": 2}
    records["b.md"] = 20
    save_all(fresh, records, {"b.md"})
    assert {r: v["n"] for r, v in RecordLog(tmp_path).load().items()} == records


def test_journal_of_another_generation_is_ignored(tmp_path: Path) -> None:
    log = RecordLog(tmp_path)
    save_all(log, {"a.md": 1}, {"a.md"})
    save_all(log, {"a.md": 2}, {"a.md"})
    old_journal = (tmp_path / JOURNAL).read_bytes()
    log._compact([line("a.md", 3)])  # a new base; then a crash before the journal was emptied
    (tmp_path / JOURNAL).write_bytes(old_journal)
    assert RecordLog(tmp_path).load()["a.md"]["n"] == 3


def test_journal_is_compacted_when_it_outgrows_the_base(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(recordlog, "MIN_COMPACT_BYTES", 0)
    log = RecordLog(tmp_path)
    records = {f"n{i}.md": i for i in range(40)}
    save_all(log, records, set(records))
    generations = {log.generation}
    for step in range(30):
        records["n1.md"] = step
        save_all(log, records, {"n1.md"})
        generations.add(log.generation)
    assert 1 < len(generations) < 30
    assert (tmp_path / JOURNAL).stat().st_size <= (tmp_path / BASE).stat().st_size / 4 + 100
    assert {r: v["n"] for r, v in RecordLog(tmp_path).load().items()} == records


def test_files_written_by_another_process_are_replaced_whole(tmp_path: Path) -> None:
    mine, theirs = RecordLog(tmp_path), RecordLog(tmp_path)
    save_all(mine, {"a.md": 1, "b.md": 1}, {"a.md", "b.md"})
    theirs.load()
    save_all(theirs, {"a.md": 1, "b.md": 9}, {"b.md"})
    save_all(mine, {"a.md": 2, "b.md": 1}, {"a.md"})  # mine is what this process knows
    assert {r: v["n"] for r, v in RecordLog(tmp_path).load().items()} == {"a.md": 2, "b.md": 1}


def test_garbage_files_read_as_empty(tmp_path: Path) -> None:
    (tmp_path / BASE).write_text("not json\n")
    assert RecordLog(tmp_path).load() == {}
