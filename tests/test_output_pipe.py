"""A command whose output pipe is closed by its reader (``notelink related … | head``)
ends quietly with exit 0: that is how a pipe ends, not a failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from notelink.cli import EXIT_FAILED, main

COMMANDS = [
    ["related", "sky/Binoculars.md", "--vault", "{vault}", "--limit", "40"],
    ["related", "sky/Binoculars.md", "--vault", "{vault}", "--json"],
    ["search", "moon telescope", "--vault", "{vault}", "--limit", "40"],
    ["words", "moon", "--vault", "{vault}", "--limit", "100"],
    ["status", "{vault}"],
    ["sync", "{vault}", "--dry-run", "--top-k", "20", "-q"],
    ["sync", "{vault}", "--json", "-q", "--top-k", "7"],
]


def synced(vault: Path) -> None:
    result = CliRunner().invoke(main, ["sync", str(vault), "-q"])
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    "args", COMMANDS, ids=["related", "related-json", "search", "words", "status", "dry-run", "sync-json"]
)
def test_output_into_a_pipe_nobody_reads_ends_quietly(vault: Path, cache_dir: Path, args: list[str]) -> None:
    synced(vault)
    argv = [a.replace("{vault}", str(vault)) for a in args]
    env = {**os.environ, "NOTELINK_CACHE_DIR": str(cache_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "notelink", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is printed: that write fails with EPIPE
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 0, err
    assert "Broken pipe" not in err and "Traceback" not in err and "Exception ignored" not in err, err
    assert "stopped" not in err, err


def test_head_of_a_long_output_in_a_shell_pipeline(vault: Path, cache_dir: Path) -> None:
    synced(vault)
    env = {**os.environ, "NOTELINK_CACHE_DIR": str(cache_dir)}
    script = (
        f'"{sys.executable}" -m notelink words moon --vault "{vault}" --limit 1000 2>err.txt | head -1 >/dev/null; '
        'echo "${PIPESTATUS[0]}"'
    )
    for _ in range(3):  # ~1000 lines, more than a pipe buffer holds: head exits before the last write
        out = subprocess.run(["bash", "-c", script], cwd=vault.parent, env=env, capture_output=True, text=True)
        assert out.stdout.strip() == "0", (out.stdout, (vault.parent / "err.txt").read_text())
        assert (vault.parent / "err.txt").read_text() == ""


def test_a_broken_pipe_that_is_not_the_output_is_still_a_failure(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipe of notelink's own breaking (a worker process gone) is not the reader
    stopping: the run says so and exits 3, as for any other OSError."""
    from notelink.sync.engine import Engine

    def broken(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(Engine, "refresh", broken)
    result = CliRunner().invoke(main, ["related", "sky/Binoculars.md", "--vault", str(vault)])
    assert result.exit_code == EXIT_FAILED
    assert "Broken pipe; stopped" in result.stderr
