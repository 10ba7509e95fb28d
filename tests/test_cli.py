"""The command line: JSON shapes, lookups by path and title, lazy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from notelink.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_related_json_by_path_and_by_title(vault: Path) -> None:
    assert run("sync", str(vault))[0] == 0
    code, out, _ = run("related", str(vault / "kitchen/bread/Hydration.md"), "--vault", str(vault), "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 10
    assert set(rows[0]) == {"note", "title", "score", "reasons"}
    # The reasons are those the note's section gives
    section = (vault / "kitchen/bread/Hydration.md").read_text(encoding="utf-8").split("notelink:begin")[1]
    assert all(r["reasons"] and f" — {'; '.join(r['reasons'])}" in section for r in rows[:5])
    _, text, _ = run("related", "Hydration", "--vault", str(vault), "--limit", "1")
    assert text.splitlines()[2].endswith(f"{rows[0]['note']} — {'; '.join(rows[0]['reasons'])}")
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(r["note"] != "kitchen/bread/Hydration.md" for r in rows)
    # By title or alias, answers are the same
    _, by_title, _ = run("related", "Hydration", "--vault", str(vault), "--json")
    assert json.loads(by_title) == rows
    _, by_alias, _ = run("related", "levain", "--vault", str(vault), "--json", "--limit", "3")
    assert len(json.loads(by_alias)) == 3
    # The bread note's best suggestions are bread notes
    assert sum(r["note"].startswith("kitchen/") for r in rows[:5]) >= 4


def test_related_unknown_note_is_a_usage_error(vault: Path) -> None:
    run("sync", str(vault))
    code, _, err = run("related", "No such note", "--vault", str(vault))
    assert code == 2 and "no note 'No such note'" in err


def test_words_json(vault: Path) -> None:
    code, out, _ = run("words", "dough", "--vault", str(vault), "--json", "--limit", "5")
    assert code == 0
    rows = json.loads(out)
    assert [set(r) for r in rows] == [{"word", "score"}] * 5
    code, _, err = run("words", "zzzunknown", "--vault", str(vault))
    assert code == 1 and "not in the vault's vocabulary" in err
    code, out, _ = run("words", "dough", "--vault", str(vault), "--method", "softmax", "--json", "--limit", "3")
    assert code == 0 and len(json.loads(out)) == 3


def test_status_before_and_after_sync(vault: Path) -> None:
    code, out, _ = run("status", str(vault), "--json")
    data = json.loads(out)
    assert code == 0 and data["notes"] == 49 and data["out_of_date"] is None
    run("sync", str(vault))
    data = json.loads(run("status", str(vault), "--json")[1])
    assert data["out_of_date"] == [] and data["vocabulary"] > 100
    note = vault / "sky/Moon Phases.md"
    note.write_text(note.read_text(encoding="utf-8").replace("craters", "craters and maria"), encoding="utf-8")
    data = json.loads(run("status", str(vault), "--json")[1])
    assert data["synced"] is False and isinstance(data["out_of_date"], list)


def _python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)


def test_help_and_warm_sync_do_not_import_torch(vault: Path, cache_dir: Path) -> None:
    help_check = _python("import sys; from notelink.cli import main; assert 'torch' not in sys.modules")
    assert help_check.returncode == 0, help_check.stderr
    env = {**os.environ, "NOTELINK_CACHE_DIR": str(cache_dir)}
    assert run("sync", str(vault))[0] == 0
    warm = _python(
        "import sys\n"
        "from notelink.cli import main\n"
        f"try:\n    main(['sync', {str(vault)!r}], standalone_mode=False)\n"
        "except SystemExit as e:\n    assert e.code == 0, e.code\n"
        "assert 'torch' not in sys.modules, 'warm sync imported torch'\n",
        env,
    )
    assert warm.returncode == 0, warm.stderr
    assert "nothing changed" in warm.stderr


def test_queries_use_the_model_of_the_last_sync(vault: Path) -> None:
    assert run("sync", str(vault), "--seed", "11")[0] == 0
    data = json.loads(run("status", str(vault), "--json")[1])
    assert data["out_of_date"] == [] and data["vocabulary"] > 100
    code, _, err = run("sync", str(vault))
    assert code == 0 and "nothing changed" in err  # no --seed: keeps seed 11, no retrain


def test_sync_json_summary_has_counts_and_stage_times(vault: Path) -> None:
    code, out, _ = run("sync", str(vault), "--json", "-q")
    summary = json.loads(out)
    assert code == 0 and summary["notes"] == 49 and summary["trained"] and summary["changed"] > 40
    assert {"scanning", "reading notes", "training", "note vectors", "writing sections"} <= set(summary["stages"])
    assert all(v >= 0 for v in summary["stages"].values())
    code, out, _ = run("sync", str(vault), "--json", "-q")
    assert json.loads(out)["unchanged"] is True and json.loads(out)["changed"] == 0
