"""Promises 2 and 3 with real processes: kill -9 at random moments, and a racing editor.

The long versions run in ``benchmarks/stress.py``; these are the short ones for CI.
"""

from __future__ import annotations

import random
import signal
from pathlib import Path

import pytest

from conftest import SAMPLE
from safety import Tally, crash_trial, expect, expect_warm, race_trial


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory):
    return expect(SAMPLE, tmp_path_factory.mktemp("reference"))


@pytest.mark.parametrize("command, kills", [("sync", 22), ("watch", 8)])
def test_killed_at_random_moments_every_note_is_old_or_new(expected, tmp_path: Path, command: str, kills: int) -> None:
    rng = random.Random(f"{command}-kills")
    tally = Tally()
    for _ in range(kills):
        crash_trial(expected, tmp_path, rng, tally, command)
    assert tally.trials == kills
    assert tally.problems == []
    assert (tally.corrupted, tally.diverged, tally.temps_left) == (0, 0, 0)


@pytest.fixture(scope="module")
def expected_warm(tmp_path_factory: pytest.TempPathFactory):
    text = "# Comets\n\nSourdough bread, flour, starter, hydration and crumb.\n"
    return expect_warm(SAMPLE, tmp_path_factory.mktemp("warm"), "sky/Comets.md", text)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill", "ctrl-c"])
def test_stopped_while_replacing_sections_nothing_is_made_up(expected_warm, tmp_path: Path, sig: int) -> None:
    """The run after an edit rewrites sections that were there; stopped anywhere, the
    next sync must end exactly where an uninterrupted one does (no rejection recorded
    for lines the stopped run replaced), and Ctrl-C says one line, never a traceback."""
    assert sum(expected_warm.before[r] != expected_warm.after[r] for r in expected_warm.after) > 3
    rng = random.Random(f"warm-{sig}")
    tally = Tally()
    for _ in range(8):
        crash_trial(expected_warm, tmp_path, rng, tally, "sync", sig)
    assert tally.problems == []
    assert (tally.corrupted, tally.diverged, tally.temps_left) == (0, 0, 0)


def test_lines_appended_while_sync_runs_all_survive(expected, tmp_path: Path) -> None:
    rng = random.Random("race")
    tally = Tally()
    for _ in range(3):
        race_trial(expected, tmp_path, rng, tally)
    assert tally.lines > 20  # the appender really ran alongside
    assert tally.problems == [] and tally.lost_lines == 0


def test_fuzzing_the_parser_and_the_splicer_finds_nothing() -> None:
    from safety import fuzz

    tried, failures = fuzz(400)
    assert tried >= 400
    assert failures == []
