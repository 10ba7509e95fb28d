"""Every stage of a sync reports how far it is (so a bar with an ETA can be shown)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from test_hybrid import make_vault

from notelink.progress import Progress, Stage
from notelink.rank import index as index_module
from notelink.rank import signals
from notelink.sync.engine import Engine, Options, sync


class Recording(Progress):
    def __init__(self) -> None:
        super().__init__(enabled=True, stream=io.StringIO())
        self.seen: dict[str, list[float]] = {}

    def stage(self, name: str, total: float) -> Stage:
        stage = super().stage(name, total)
        seen = self.seen.setdefault(name, [])
        original = stage.update

        def update(done: float) -> None:
            seen.append(done / total if total else 1.0)
            original(done)

        stage.update = update  # type: ignore[method-assign]
        return stage


def test_every_long_stage_reports_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "EXACT_BELOW", 0)  # the large-vault path, as at 10,000 notes
    monkeypatch.setattr(signals, "EXACT_BELOW", 0)
    progress = Recording()
    engine = Engine(make_vault(tmp_path / "v", n=60), Options(), cache_dir=str(tmp_path / "c"), progress=progress)
    report, _ = sync(engine)
    assert report.changed
    for name in ("reading notes", "training", "note vectors", "fitting weights", "ranking", "composing sections",
                 "writing sections"):  # fmt: skip
        fractions = progress.seen.get(name)
        assert fractions, f"{name} never said how far it was"
        assert all(0 <= f <= 1.0001 for f in fractions) and fractions == sorted(fractions), name
        assert name in progress.timings
