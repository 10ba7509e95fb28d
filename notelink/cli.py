"""The ``notelink`` command: thin click commands over :mod:`notelink.sync.engine`.

Heavy modules (torch, the pipeline) are imported inside the commands, so
``notelink --help`` answers at once.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn

import click

METHOD_CHOICES = ("hybrid", "sgns", "softmax", "glove", "tfidf", "lsa", "randproj")  # notelink.rank.methods.METHODS
EXIT_SKIPPED = 1
EXIT_USAGE = 2
EXIT_FAILED = 3  # the run could not go on (the cache could not be written…)


def _err(message: str) -> None:
    click.echo(f"notelink: {message}", err=True)


def _stopped(e: OSError) -> NoReturn:
    where = f"{e.filename}: " if e.filename else ""
    _err(f"{where}{e.strerror or e}; stopped (every note is whole; run again once this is fixed)")
    sys.exit(EXIT_FAILED)


def stdout_closed() -> bool:
    """Whether stdout is a pipe (or socket) nobody reads any more: the reader of
    ``notelink … | head`` has exited."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (click's test runner)
        return False
    try:
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        if any(events & select.POLLERR for _, events in poller.poll(0)):
            return True  # Linux: a pipe's write end whose readers are all gone
    except (AttributeError, OSError, ValueError):  # no poll() here
        pass
    try:
        sys.stdout.flush()  # what the failed write left in the buffer, tried again
    except BrokenPipeError:
        return True
    except (OSError, ValueError):
        pass
    return False


def leave_quietly() -> NoReturn:
    """Exit 0 with nothing more said, stdout pointed at the null device so that the
    output still buffered is not flushed into the closed pipe at exit (the recipe of
    the Python documentation, "Note on SIGPIPE", in the signal module's page)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    sys.exit(0)


def common(func: Callable[..., Any]) -> Callable[..., Any]:
    """--cache-dir and --quiet on every command; VaultError → exit 2."""

    @click.option(
        "--cache-dir",
        type=click.Path(file_okay=False),
        envvar="NOTELINK_CACHE_DIR",
        help="Where the rebuildable cache lives (default: the user cache folder).",
    )
    @click.option("--quiet", "-q", is_flag=True, help="No progress, no summary.")
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from notelink.errors import VaultError

        try:
            return func(*args, **kwargs)
        except VaultError as e:
            _err(str(e))
            sys.exit(EXIT_USAGE)
        except BrokenPipeError as e:
            if not stdout_closed():
                _stopped(e)  # a pipe of notelink's own, not its output
            # Whoever read the output stopped reading (``notelink related … | head``): a
            # normal end. Every note is whole: output is printed after any write.
            leave_quietly()
        except OSError as e:  # a disk full or read-only while writing the cache
            _stopped(e)
        except KeyboardInterrupt:
            # Every write is atomic and said in advance (pipeline.PENDING): nothing to undo.
            from notelink.__main__ import EXIT_INTERRUPTED, INTERRUPTED

            signal.signal(signal.SIGINT, signal.SIG_IGN)
            sys.stderr.write(INTERRUPTED)
            sys.exit(EXIT_INTERRUPTED)

    return wrapper


def method_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--method, --dims and --binary: how notes are ranked."""
    func = click.option("--binary", is_flag=True,
                        help="Rank by sign bits (Hamming distance), rerank the best by cosine.")(func)  # fmt: skip
    func = click.option("--dims", type=click.IntRange(1, 10_000), default=None,
                        help="Use only the first N dimensions of a Matryoshka-trained word model.")(func)  # fmt: skip
    return click.option(
        "--method",
        type=click.Choice(METHOD_CHOICES),
        default=None,
        help="How notes are ranked (default: the last sync's, 'hybrid' at first).",
    )(func)


def _engine(vault: str, cache_dir: str | None, quiet: bool, **options: Any) -> Any:
    from notelink.progress import Progress
    from notelink.sync.engine import Engine, Options

    return Engine(Path(vault), Options(**options), cache_dir=cache_dir, progress=Progress(False if quiet else None))


def _output(rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict[str, Any]], str]) -> None:
    """Rows as JSON, or one readable line each."""
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(line(row))


def _report_problems(report: Any, quiet: bool) -> None:
    for line in report.problems:
        _err(line)


@click.group()
@click.version_option(package_name="notelink")
def main() -> None:
    """Find which notes of a Markdown vault belong together, and write it into them."""


@main.command()
@click.argument("vault", type=click.Path())
@click.option("--top-k", type=click.IntRange(0, 100), default=None, help="Suggestions per note (default 5).")
@click.option("--dry-run", is_flag=True, help="Write nothing; list the notes that would change.")
@click.option("--seed", type=int, default=None, help="Random seed for training (default: the last sync's, 0 at first).")
@click.option("--retrain", is_flag=True, help="Retrain the model even if it is current.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout (counts, seconds per stage).")
@method_option
@common
def sync(
    vault: str,
    top_k: int | None,
    dry_run: bool,
    seed: int | None,
    retrain: bool,
    as_json: bool,
    method: str | None,
    dims: int | None,
    binary: bool,
    cache_dir: str | None,
    quiet: bool,
) -> None:
    """Write an 'Additional Connections' section of related notes into every note."""
    from notelink.disk.lock import Locked, VaultLock
    from notelink.sync.engine import sync as run_sync

    start = time.perf_counter()
    engine = _engine(
        vault, cache_dir, quiet, top_k=top_k, seed=seed, retrain=retrain, method=method, dims=dims, binary=binary
    )
    try:
        # A dry run writes nothing, not even the lock's note of who holds it.
        with contextlib.nullcontext() if dry_run else VaultLock(engine.root, engine.store.folder, "sync"):
            report, changes = run_sync(engine, dry_run=dry_run, quick=True)
    except Locked as e:
        _err(f"{e}; not syncing (a running `notelink watch` keeps the sections current)")
        sys.exit(EXIT_USAGE)
    _report_problems(report, quiet)
    if as_json:
        summary = {
            "notes": report.notes,
            "read": report.read,
            "vocabulary": report.vocab,
            "trained": report.trained,
            "changed": len(changes) if dry_run else len(report.changed),
            "skipped": report.skipped,
            "unchanged": report.unchanged_run,
            "seconds": round(time.perf_counter() - start, 3),
            "stages": {k: round(v, 3) for k, v in engine.progress.timings.items()},
        }
        click.echo(json.dumps(summary))
    if dry_run:
        from notelink.disk.writer import Conflict, WriteError
        from notelink.text.section import split

        for ch in changes:
            try:
                lines = split(engine.new_bytes(ch).decode("utf-8"))[1] or ["(section removed)"]
            except (Conflict, WriteError) as e:
                lines = [f"({e})"]
            click.echo(f"would change: {ch.rel}")
            for line in lines:
                click.echo(f"    {line}")
    if not quiet:
        took = time.perf_counter() - start
        if report.unchanged_run:
            click.echo(f"notelink: {report.notes} notes, nothing changed since the last sync ({took:.2f}s)", err=True)
        else:
            trained = f"trained in {report.train_seconds:.1f}s" if report.trained else "model reused"
            n = len(changes) if dry_run else len(report.changed)
            verb = "would change" if dry_run else "changed"
            skipped = f", {report.skipped} skipped" if report.skipped else ""
            click.echo(
                f"notelink: {report.notes} notes, vocabulary {report.vocab:,} words, {trained}, "
                f"{n} files {verb}{skipped} ({took:.1f}s)",
                err=True,
            )
    sys.exit(EXIT_SKIPPED if report.skipped else 0)


def _find_note(engine: Any, note: str) -> str:
    records = engine.records
    candidates = []
    p = Path(note)
    for base in (Path.cwd(), engine.root):
        full = (base / p) if not p.is_absolute() else p
        try:
            rel = full.resolve().relative_to(engine.root.resolve()).as_posix()
        except ValueError:
            continue
        candidates += [rel, rel + ".md"]
    for c in candidates:
        if c in records:
            return c
    hit = engine.resolver().resolve(note)
    if hit is not None:
        return hit
    from notelink.text.links import fold

    for rel, rec in sorted(records.items()):
        if fold(rec.title) == fold(note) or fold(note) in {fold(a) for a in rec.aliases}:
            return rel
    raise click.UsageError(f"no note {note!r} in {engine.root}")


def query(func: Callable[..., Any]) -> Callable[..., Any]:
    """--vault, --limit and --json for the commands that answer a question."""
    func = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)
    func = click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)(func)
    func = click.option("--vault", required=True, type=click.Path(), help="The vault folder.")(func)
    return common(func)


@main.command()
@click.argument("note")
@method_option
@query
def related(
    note: str,
    vault: str,
    limit: int,
    as_json: bool,
    method: str | None,
    dims: int | None,
    binary: bool,
    cache_dir: str | None,
    quiet: bool,
) -> None:
    """Notes related to NOTE (a path, or a title), best first."""
    engine = _engine(vault, cache_dir, quiet, method=method, dims=dims, binary=binary)
    engine.refresh()
    rel = _find_note(engine, note)
    ranked = engine.ranking([rel], k=limit, min_score=-1.0).get(rel, [])
    rows = [{"note": r, "title": engine.records[r].title, "score": round(s, 4)} for r, s in ranked]
    if not as_json:
        click.echo(f"related to {rel}:\n  {'score':>6}  {'title':<40}  note")
    _output(rows, as_json, lambda row: f"  {row['score']:6.3f}  {row['title'][:40]:<40}  {row['note']}")


@main.command()
@click.argument("word")
@click.option("--method", type=click.Choice(["sgns", "softmax", "glove"]), default=None,
              help="Which word model (default: the one the last sync used, else sgns).")  # fmt: skip
@query
def words(
    word: str, method: str | None, vault: str, limit: int, as_json: bool, cache_dir: str | None, quiet: bool
) -> None:
    """Vocabulary words nearest to WORD in the vault's trained embedding."""
    from notelink.rank.methods import word_method
    from notelink.text.tokens import tokenize

    engine = _engine(vault, cache_dir, quiet, method=method)
    if word_method(engine.method) is None:  # the last sync used a method without word vectors
        engine = _engine(vault, cache_dir, quiet, method="sgns")
    model = engine._stored_model()
    if model is None:
        engine.refresh()
        model = engine.model
    tokens = tokenize(word)
    key = tokens[0] if tokens else word.casefold()
    if model is None or key not in model.vocab.index:
        _err(f"{word!r} is not in the vault's vocabulary")
        sys.exit(EXIT_SKIPPED)
    rows = [{"word": w, "score": round(s, 4)} for w, s in model.similar_words(key, limit)]
    _output(rows, as_json, lambda row: f"  {row['score']:.3f}  {row['word']}")


@main.command()
@click.argument("vault", type=click.Path())
@common
def clean(vault: str, cache_dir: str | None, quiet: bool) -> None:
    """Remove every section notelink wrote; each note gets back its own bytes."""
    from notelink.disk.lock import Locked, VaultLock
    from notelink.disk.store import vault_cache
    from notelink.sync.cleanup import clean_vault

    root = Path(vault)
    try:
        with VaultLock(root, vault_cache(root, cache_dir), "clean"):
            cleaned, problems = clean_vault(root, cache_dir)
    except Locked as e:
        _err(f"{e}; not cleaning (stop `notelink watch` first, or it puts every section back)")
        sys.exit(EXIT_USAGE)
    for line in problems:
        _err(line)
    if not quiet:
        click.echo(f"notelink: removed the section from {cleaned} notes", err=True)
    sys.exit(EXIT_SKIPPED if problems else 0)


@main.command()
@click.argument("vault", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@common
def status(vault: str, as_json: bool, cache_dir: str | None, quiet: bool) -> None:
    """Notes, vocabulary, model age, and notes whose section is out of date."""
    engine = _engine(vault, cache_dir, True)
    engine.refresh(allow_train=False)
    model = engine.model
    out: dict[str, Any] = {
        "vault": str(engine.root),
        "cache": str(engine.store.folder),
        "notes": engine.report.notes,
        "skipped": engine.report.skipped,
    }
    from notelink.disk.lock import running

    out["daemon"] = running(engine.root, engine.store.folder)
    hybrid = engine._state.get("hybrid")
    if engine.report.unchanged_run:
        out.update(synced=True, out_of_date=[])
        model = engine._stored_model()
    elif not engine._state.get("synced_at") or (engine.model_params() is not None and model is None):
        out.update(synced=False, out_of_date=None)
    else:
        out.update(synced=False, out_of_date=[c.rel for c in engine.plan()])
        hybrid = getattr(engine.scorer(), "model", None) and engine.scorer().model.describe()
    out["method"] = engine.method
    if hybrid:
        out["hybrid"] = hybrid
    if model is not None:
        out.update(
            vocabulary=len(model.vocab),
            word_model=model.params["method"],
            model_age_seconds=round(time.time() - model.trained_at),
            trained_on_notes=model.notes,
        )
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(f"vault: {out['vault']}\ncache: {out['cache']}\nnotes: {out['notes']} ({out['skipped']} skipped)")
    click.echo(f"method: {out['method']}" + (f", {hybrid}" if hybrid else ""))
    daemon = out["daemon"]
    click.echo(f"daemon: running (pid {daemon.get('pid')}, {daemon.get('what')})" if daemon else "daemon: not running")
    if model is not None:
        age = out["model_age_seconds"]
        click.echo(
            f"word model: {out['word_model']}, vocabulary {out['vocabulary']:,} words, "
            f"trained {_age(age)} ago on {out['trained_on_notes']} notes"
        )
    elif engine.model_params() is not None:
        click.echo("word model: none yet (run `notelink sync`)")
    stale = out["out_of_date"]
    if stale is None:
        click.echo("sections: never synced")
    else:
        click.echo(f"sections out of date: {len(stale)}")
        for rel in stale[:20]:
            click.echo(f"  {rel}")


def _age(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))


@main.command()
@click.argument("vault", type=click.Path())
@click.option("--method", "methods", multiple=True, type=click.Choice(METHOD_CHOICES),
              help="A method to measure (repeat for several; default: all).")  # fmt: skip
@click.option("--protocol", type=click.Choice(["A", "A2"]), default="A", show_default=True,
              help="A: a hidden link's text stays as plain words; A2: it is deleted too.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True, help="Training seed.")
@click.option("--dims", type=click.IntRange(1, 10_000), default=None, help="Matryoshka: first N dimensions only.")
@click.option("--binary", is_flag=True, help="Rank by sign bits, rerank by cosine.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@common
def evaluate(
    vault: str,
    methods: tuple[str, ...],
    protocol: str,
    seed: int,
    dims: int | None,
    binary: bool,
    as_json: bool,
    cache_dir: str | None,
    quiet: bool,
) -> None:
    """Measure suggestion quality on VAULT by hiding 30% of each note's links and
    counting how many come back (on a temporary copy; the vault is never touched)."""
    from notelink.errors import VaultError
    from notelink.evaluate import evaluate as run

    root = Path(vault)
    if not root.is_dir():
        raise VaultError(f"{root}: vault folder does not exist")
    results = run(root, list(methods) or list(METHOD_CHOICES), protocol, seed, dims=dims, use_binary=binary)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2))
        return
    if results:
        r0 = results[0]
        click.echo(f"protocol {protocol}: {r0.queries} query notes, {r0.held_out} held-out links")
    click.echo(f"{'method':<10} {'R@5':>6} {'R@10':>6} {'MRR':>6} {'nDCG@10':>8}  {'95% CI':<15} {'time':>6}")
    for r in results:
        if r.note:
            click.echo(f"{r.method:<10} {r.note}")
            continue
        ci = f"[{r.ndcg10_ci[0]:.3f}, {r.ndcg10_ci[1]:.3f}]"
        figures = f"{r.recall5:6.3f} {r.recall10:6.3f} {r.mrr:6.3f} {r.ndcg10:8.3f}"
        click.echo(f"{r.method:<10} {figures}  {ci:<15} {r.seconds:5.1f}s")


@main.command()
@click.argument("query_text", metavar="QUERY")
@query
def search(query_text: str, vault: str, limit: int, as_json: bool, cache_dir: str | None, quiet: bool) -> None:
    """Notes ranked for a free-text QUERY, by meaning and by words, with a snippet."""
    from notelink.errors import ReadError
    from notelink.rank.search import search as run
    from notelink.rank.search import snippet
    from notelink.text import section
    from notelink.vault.read import read_bytes
    from notelink.vault.scan import NoteFile

    engine = _engine(vault, cache_dir, quiet)
    engine.refresh()
    rows = []
    for hit in run(engine.index(), query_text, limit):
        try:
            data = read_bytes(NoteFile(hit.rel, engine.root / hit.rel, 0, 0), engine.config.max_note_bytes)
            text = section.remove(data.decode("utf-8", errors="replace"))
        except ReadError:
            text = ""
        rows.append({"note": hit.rel, "title": hit.title, "score": round(hit.score, 4),
                     "snippet": snippet(text, query_text)})  # fmt: skip
    _output(rows, as_json, lambda row: f"{row['score']:.3f}  {row['title']}  ({row['note']})\n       {row['snippet']}")


@main.command()
@click.argument("vault", type=click.Path())
@click.option("--quiet-period", type=click.FloatRange(0.05, 600), default=2.0, show_default=True,
              help="Seconds the vault must be quiet before a batch runs.")  # fmt: skip
@click.option("--hold", type=click.FloatRange(0, 600), default=3.0, show_default=True,
              help="A note saved less than this many seconds ago is not written to (being typed in).")  # fmt: skip
@click.option("--verbose", "-v", is_flag=True, help="Log every event and step.")
@method_option
@common
def watch(
    vault: str,
    quiet_period: float,
    hold: float,
    verbose: bool,
    method: str | None,
    dims: int | None,
    binary: bool,
    cache_dir: str | None,
    quiet: bool,
) -> None:
    """Keep every note's section current while you write (runs until stopped)."""
    import logging
    import signal

    from notelink.daemon import Watcher
    from notelink.disk.lock import Locked
    from notelink.errors import VaultError
    from notelink.sync.engine import Options

    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO, format="%(asctime)s notelink: %(message)s", datefmt="%H:%M:%S"
    )
    if verbose:  # notelink's own steps; not the libraries' (markdown-it logs every block rule it tries)
        logging.getLogger("notelink").setLevel(logging.DEBUG)
    root = Path(vault)
    if not root.is_dir():
        raise VaultError(f"{root}: vault folder does not exist")
    watcher = Watcher(root, Options(method=method, dims=dims, binary=binary), cache_dir, quiet_period, hold)

    def stop(signum: int, frame: Any) -> None:
        logging.getLogger("notelink.watch").info("stopping (signal %d)", signum)
        watcher.stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        watcher.start()
    except Locked as e:
        _err(f"{e}; not starting another")
        sys.exit(EXIT_USAGE)
    watcher.run()
