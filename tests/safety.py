"""The harness behind notelink's safety promises: kill runs, race them, fuzz them.

Used twice: briefly by ``tests/test_safety.py`` (CI) and at length by
``benchmarks/stress.py``. Every trial works on a fresh copy of a vault in a temp
folder, with real processes, real signals and real files.

* :func:`crash_trial`: ``notelink sync`` (or ``watch``) is SIGKILLed (or Ctrl-C'd:
  SIGINT) at a random moment; then every note must be its old bytes or the bytes a
  complete run writes, and one more ``sync`` must bring the vault to exactly those
  bytes, with no temp file left and no review decision made up. With
  :func:`expect_warm` the interrupted run is the one after an edit of a synced vault,
  so it replaces sections that were there.
* :func:`race_trial`: another process appends lines to notes while ``sync`` runs;
  every line it appended must be in the note afterwards (and after one more sync).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

TMP_SUFFIX = ".notelink-tmp"


def notelink(*args: str, cache: Path, **kw: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NOTELINK_CACHE_DIR": str(cache)}
    return subprocess.Popen([sys.executable, "-m", "notelink", *args], env=env, **kw)  # type: ignore[call-overload]


def run(*args: str, cache: Path, timeout: float = 600) -> int:
    proc = notelink(*args, cache=cache, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = proc.communicate(timeout=timeout)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"notelink {' '.join(args)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return proc.returncode


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass
class Expected:
    """A vault before a sync, and what one complete sync makes of it."""

    source: Path
    before: dict[str, bytes]
    after: dict[str, bytes]
    seconds: float  # how long the complete sync took (kills are spread over it)
    args: tuple[str, ...]
    cache: Path | None = None  # the cache the sync starts from (expect_warm), else none


def expect_warm(source: Path, work: Path, edited: str, text: str, *args: str) -> Expected:
    """A synced copy of ``source`` with note ``edited`` rewritten to ``text``, and what
    the next complete sync makes of it."""
    vault, cache = work / "ref-vault", work / "ref-cache"
    shutil.copytree(source, vault)
    run("sync", str(vault), *args, cache=cache)
    (vault / edited).write_text(text, encoding="utf-8")
    shutil.copytree(vault, work / "warm-vault")
    shutil.copytree(cache, work / "warm-cache")
    start = time.perf_counter()
    run("sync", str(vault), *args, cache=cache)
    seconds = time.perf_counter() - start
    result = Expected(work / "warm-vault", files(work / "warm-vault"), files(vault), seconds, args, work / "warm-cache")
    shutil.rmtree(vault)
    shutil.rmtree(cache)
    return result


def _start_state(exp: Expected, vault: Path, cache: Path) -> None:
    """``vault`` and its cache as the trial starts: a copy of ``exp``'s."""
    from notelink.disk.store import vault_cache

    shutil.copytree(exp.source, vault)
    if exp.cache is not None:  # the cache's folder is named after the vault's path
        (template,) = [p for p in exp.cache.iterdir() if p.is_dir()]
        shutil.copytree(template, vault_cache(vault, cache))


def expect(source: Path, work: Path, *args: str) -> Expected:
    vault, cache = work / "ref-vault", work / "ref-cache"
    shutil.copytree(source, vault)
    start = time.perf_counter()
    run("sync", str(vault), *args, cache=cache)
    seconds = time.perf_counter() - start
    result = Expected(source, files(source), files(vault), seconds, args)
    shutil.rmtree(vault)
    shutil.rmtree(cache)
    return result


@dataclass
class Tally:
    trials: int = 0
    corrupted: int = 0  # notes neither old nor new after a kill
    diverged: int = 0  # notes not the complete run's bytes after the recovering sync
    temps_left: int = 0  # notelink temp files still there after the recovering sync
    lost_lines: int = 0  # appended lines missing afterwards
    lines: int = 0  # appended lines checked
    conflicts: int = 0  # races in which sync left a note alone because it changed
    problems: list[str] = field(default_factory=list)


def crash_trial(
    exp: Expected, work: Path, rng: random.Random, tally: Tally, command: str = "sync", sig: int = signal.SIGKILL
) -> None:
    """Stop ``notelink command`` with ``sig`` at a random moment, check, recover, check again."""
    vault, cache = work / "vault", work / "cache"
    shutil.rmtree(vault, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    _start_state(exp, vault, cache)
    extra = ("--quiet-period", "0.1", "--hold", "0") if command == "watch" else ()
    proc = notelink(command, str(vault), *exp.args, *extra, cache=cache, stderr=subprocess.PIPE)
    # Ctrl-C from 0.2 s on: before that Python itself is starting (no handler can be in place yet).
    time.sleep(rng.uniform(0.2 if sig == signal.SIGINT else 0.0, exp.seconds * 1.1))
    proc.send_signal(sig)
    _, err = proc.communicate()
    tally.trials += 1
    if sig == signal.SIGINT and command == "sync" and proc.returncode not in (0, 1, 130):
        tally.problems.append(f"stop {tally.trials}: Ctrl-C gave exit {proc.returncode}: {err.decode()[-300:]}")
    if sig == signal.SIGINT and b"Traceback" in err:
        tally.problems.append(f"stop {tally.trials}: Ctrl-C printed a traceback: {err.decode()[-300:]}")
    now = files(vault)
    for rel, data in now.items():
        if rel.endswith(TMP_SUFFIX):
            continue
        if data != exp.before.get(rel) and data != exp.after.get(rel):
            tally.corrupted += 1
            tally.problems.append(f"kill {tally.trials}: {rel} is neither old nor new")
    run("sync", str(vault), *exp.args, cache=cache)
    now = files(vault)
    tally.temps_left += sum(rel.endswith(TMP_SUFFIX) for rel in now)
    for rel, data in exp.after.items():
        if now.get(rel) != data:
            tally.diverged += 1
            tally.problems.append(f"kill {tally.trials}: {rel} after recovery differs from a clean run")
    for rel in now.keys() - exp.after.keys() - {r for r in now if r.endswith(TMP_SUFFIX)}:
        tally.diverged += 1
        tally.problems.append(f"kill {tally.trials}: {rel} was made (a clean run makes no such file)")


APPENDER = r"""
import os, random, sys, time
paths, seed, pause = sys.argv[3:], int(sys.argv[1]), float(sys.argv[2])
rng = random.Random(seed)
k = 0
while True:
    path = rng.choice(paths)
    line = f"\nappended {seed}-{k}\n".encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    os.write(fd, line)
    os.close(fd)
    print(path, f"appended {seed}-{k}", sep="\t", flush=True)
    k += 1
    time.sleep(rng.uniform(0, pause))
"""


def race_trial(
    exp: Expected, work: Path, rng: random.Random, tally: Tally, pause: float = 0.02, targets: int = 8
) -> None:
    """Append lines to a few notes from another process while ``sync`` runs."""
    vault, cache = work / "vault", work / "cache"
    shutil.rmtree(vault, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(exp.source, vault)
    notes = sorted(p for p in vault.rglob("*.md") if p.is_file())
    chosen = [str(p) for p in rng.sample(notes, min(targets, len(notes)))]
    seed = rng.randrange(1 << 30)
    appender = subprocess.Popen(
        [sys.executable, "-c", APPENDER, str(seed), str(pause), *chosen], stdout=subprocess.PIPE, text=True
    )
    proc = notelink("sync", str(vault), *exp.args, cache=cache, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = proc.communicate(timeout=600)
    appender.terminate()
    out, _ = appender.communicate()
    tally.trials += 1
    said = err.decode()
    tally.conflicts += said.count("changed while notelink was working") + said.count("changed during sync")
    appended = [line.split("\t") for line in out.splitlines() if "\t" in line]

    def check(when: str) -> None:
        texts = {p: Path(p).read_text(encoding="utf-8") for p in chosen}
        for path, line in appended:
            if line not in texts[path]:
                tally.lost_lines += 1
                tally.problems.append(f"race {tally.trials} ({when}): lost {line!r} in {Path(path).name}")

    check("after the racing sync")
    run("sync", str(vault), *exp.args, cache=cache)
    check("after one more sync")
    tally.lines += len(appended)


# --- fuzzing the pure text transforms ---------------------------------------------

FUZZ_PIECES = [
    "\n", "\r\n", "\r", "\ufeff", " ", "\t", "#", "# T", "## Additional Connections", "- [ ] [[A]]", "- [x] [[B|b]]",
    "<!-- notelink:begin -->", "<!-- notelink:end -->", "<!--", "-->", "%%", "---", "---\n", "title: x\n",
    "tags: [a, #b]\n", "aliases:\n  - A\n", "&a [1]\n", "*a", "```", "~~~", "    code", "`x`", "[[", "]]", "![[e]]",
    "[t](u.md)", "[t](<a b.md>)", "<https://x.y>", "http://x.y/z", "#tag/sub", "> quote", "| a | b |", "\\|",
    "ünïcödé", "🪆", "\u0301", "\u2028", "\x00", "\x0c", "  \n", "* ", "1. ", "<div>", "</div>",
]  # fmt: skip


def fuzz_one(text: str, body: list[str]) -> list[str]:
    """Every failure of the parser and the section splicer on one input (none expected)."""
    from notelink.text import section, suggestions
    from notelink.text.parse import NoteError, parse_note

    failures = []
    try:
        prefix, _, suffix = section.split(text)
        parse_note(prefix + suffix, "fuzz")
    except NoteError:
        pass
    except Exception as e:  # a crash: anything but the one-line note problem
        failures.append(f"parse: {type(e).__name__}: {e} on {text[:200]!r}")
    try:
        new = section.replace_body(text, body)
        if section.split(new)[1] != body:
            failures.append(f"splice: body not read back on {text[:200]!r}")
        if section.replace_body(new, body) != new:
            failures.append(f"splice: not idempotent on {text[:200]!r}")
        if section.locate(text) is None and section.remove(new) != text:
            failures.append(f"splice: remove does not give the text back on {text[:200]!r}")
        for line in body:
            suggestions.parse_item(line)
        suggestions.merge_body(section.split(text)[1], "## H", body)
        # The block moved by the owner to a line boundary: taking it out gives the text back.
        eol = section.detect_eol(text)
        cut = text.find(eol) + len(eol) if eol in text else 0
        block = section.replace_body("", body, "0badc0de")
        moved = text[:cut] + block + text[cut:]
        loc = section.locate(moved)
        at_end = cut >= len(text)  # a block ending the note is taken out with the separators notelink adds
        if not at_end and loc is not None and loc.start == cut and loc.body == body and section.remove(moved) != text:
            failures.append(f"splice: a moved block is not taken out whole on {text[:200]!r}")
    except Exception as e:
        failures.append(f"splice: {type(e).__name__}: {e} on {text[:200]!r}")
    return failures


def fuzz(inputs: int, seed: int = 0) -> tuple[int, list[str]]:
    """Run :func:`fuzz_one` on ``inputs`` hypothesis-generated inputs; (tried, failures)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    from notelink.text.section import BEGIN, END

    texts = st.lists(st.one_of(st.sampled_from(FUZZ_PIECES), st.text(max_size=10)), max_size=40).map("".join)
    line = st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=30)
    bodies = st.lists(line.filter(lambda x: x.strip() not in (BEGIN, END)), max_size=6)
    tried, failures = 0, []
    if inputs <= 0:
        return tried, failures

    @hseed(seed)
    @settings(max_examples=inputs, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(texts, bodies)
    def target(text: str, body: list[str]) -> None:
        nonlocal tried
        tried += 1
        failures.extend(fuzz_one(text, body))

    target()
    return tried, failures
