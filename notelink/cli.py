"""The ``notelink`` command: click commands that call :mod:`notelink.app` and print
its results.

The app (and with it torch and numpy) is imported inside the commands, so
``notelink --help`` answers at once.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from notelink.rank.registry import METHODS as METHOD_CHOICES
from notelink.rank.registry import WORD_METHODS
from notelink.shell import EXIT_FAILED, EXIT_SKIPPED, EXIT_USAGE, err, guarded

__all__ = ["EXIT_FAILED", "EXIT_SKIPPED", "EXIT_USAGE", "main"]


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
        return guarded(lambda: func(*args, **kwargs))

    return wrapper


pretrained_option = click.option("--no-pretrained", is_flag=True, help="Leave out the optional pretrained model.")


def method_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--method, --dims, --binary and --no-pretrained: how notes are ranked."""
    func = pretrained_option(func)
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


def _app(vault: str, cache_dir: str | None, quiet: bool) -> Any:
    from notelink.app import Notelink
    from notelink.progress import Progress

    return Notelink(Path(vault), cache_dir, Progress(False if quiet else None))


def _options(no: bool = False, **options: Any) -> Any:
    from notelink.app import Options

    return Options(**options, pretrained=False if no else None)


def _output(rows: list[dict[str, Any]], as_json: bool, line: Callable[[dict[str, Any]], str]) -> None:
    """Rows as JSON, or one readable line each."""
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(line(row))


def _report_problems(problems: list[str]) -> None:
    for line in problems:
        err(line)


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
    no_pretrained: bool,
    cache_dir: str | None,
    quiet: bool,
) -> None:
    """Write an 'Additional Connections' section of related notes into every note."""
    from notelink.app import Locked

    start = time.perf_counter()
    app = _app(vault, cache_dir, quiet)
    options = _options(no_pretrained, top_k=top_k, seed=seed, retrain=retrain, method=method, dims=dims, binary=binary)
    try:
        done = app.sync(options, dry_run=dry_run)
    except Locked as e:
        err(f"{e}; not syncing (a running `notelink watch` keeps the sections current)")
        sys.exit(EXIT_USAGE)
    _report_problems(done.problems)
    n = len(done.planned) if dry_run else len(done.changed)
    if as_json:
        summary = {
            "notes": done.notes,
            "read": done.read,
            "vocabulary": done.vocabulary,
            "trained": done.trained,
            "changed": n,
            "skipped": done.skipped,
            "unchanged": done.unchanged,
            "seconds": round(time.perf_counter() - start, 3),
            "stages": {k: round(v, 3) for k, v in done.stages.items()},
        }
        click.echo(json.dumps(summary))
    for planned in done.planned:
        click.echo(f"would change: {planned.note}")
        for line in planned.lines:
            click.echo(f"    {line}")
    if not quiet:
        took = time.perf_counter() - start
        if done.unchanged:
            click.echo(f"notelink: {done.notes} notes, nothing changed since the last sync ({took:.2f}s)", err=True)
        else:
            trained = f"trained in {done.train_seconds:.1f}s" if done.trained else "model reused"
            verb = "would change" if dry_run else "changed"
            skipped = f", {done.skipped} skipped" if done.skipped else ""
            click.echo(
                f"notelink: {done.notes} notes, vocabulary {done.vocabulary:,} words, {trained}, "
                f"{n} files {verb}{skipped} ({took:.1f}s)",
                err=True,
            )
    sys.exit(EXIT_SKIPPED if done.skipped else 0)


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
    no_pretrained: bool,
    cache_dir: str | None,
    quiet: bool,
) -> None:
    """Notes related to NOTE (a path, or a title), best first."""
    from notelink.app import NoSuchNote

    app = _app(vault, cache_dir, quiet)
    try:
        rel, related = app.related(note, limit, _options(no_pretrained, method=method, dims=dims, binary=binary))
    except NoSuchNote as e:
        raise click.UsageError(str(e)) from None
    rows = [{"note": r.note, "title": r.title, "score": round(r.score, 4), "reasons": r.reasons} for r in related]
    if not as_json:
        click.echo(f"related to {rel}:\n  {'score':>6}  {'title':<40}  note — why")
    _output(rows, as_json, _related_line)


def _related_line(row: dict[str, Any]) -> str:
    why = f" — {'; '.join(row['reasons'])}" if row["reasons"] else ""
    return f"  {row['score']:6.3f}  {row['title'][:40]:<40}  {row['note']}{why}"


@main.command()
@click.argument("word")
@click.option("--method", type=click.Choice(WORD_METHODS), default=None,
              help="Which word model (default: the one the last sync used, else sgns).")  # fmt: skip
@query
def words(
    word: str, method: str | None, vault: str, limit: int, as_json: bool, cache_dir: str | None, quiet: bool
) -> None:
    """Vocabulary words nearest to WORD in the vault's trained embedding."""
    from notelink.app import NotInVocabulary

    try:
        words = _app(vault, cache_dir, quiet).words(word, limit, method)
    except NotInVocabulary as e:
        err(str(e))
        sys.exit(EXIT_SKIPPED)
    rows = [{"word": w.word, "score": round(w.score, 4)} for w in words]
    _output(rows, as_json, lambda row: f"  {row['score']:.3f}  {row['word']}")


@main.command()
@click.argument("vault", type=click.Path())
@common
def clean(vault: str, cache_dir: str | None, quiet: bool) -> None:
    """Remove every section notelink wrote; each note gets back its own bytes."""
    from notelink.app import Locked

    try:
        done = _app(vault, cache_dir, quiet).clean()
    except Locked as e:
        err(f"{e}; not cleaning (stop `notelink watch` first, or it puts every section back)")
        sys.exit(EXIT_USAGE)
    _report_problems(done.problems)
    if not quiet:
        click.echo(f"notelink: removed the section from {done.notes} notes", err=True)
    sys.exit(EXIT_SKIPPED if done.problems else 0)


@main.command()
@click.argument("vault", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@common
def status(vault: str, as_json: bool, cache_dir: str | None, quiet: bool) -> None:
    """Notes, vocabulary, model age, and notes whose section is out of date."""
    st = _app(vault, cache_dir, True).status()
    out: dict[str, Any] = {"vault": st.vault, "cache": st.cache, "notes": st.notes, "skipped": st.skipped,
                           "daemon": st.daemon, "synced": st.synced, "out_of_date": st.out_of_date,
                           "method": st.method, "pretrained": st.pretrained}  # fmt: skip
    if st.hybrid:
        out["hybrid"] = st.hybrid
    if st.word_model is not None:
        out.update(vocabulary=st.vocabulary, word_model=st.word_model, model_age_seconds=st.model_age_seconds,
                   trained_on_notes=st.trained_on_notes)  # fmt: skip
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(f"vault: {st.vault}\ncache: {st.cache}\nnotes: {st.notes} ({st.skipped} skipped)")
    click.echo(f"method: {st.method}" + (f", {st.hybrid}" if st.hybrid else ""))
    click.echo(f"pretrained sentence model: {st.pretrained}")
    daemon = st.daemon
    click.echo(f"daemon: running (pid {daemon.get('pid')}, {daemon.get('what')})" if daemon else "daemon: not running")
    if st.word_model is not None:
        click.echo(
            f"word model: {st.word_model}, vocabulary {st.vocabulary:,} words, "
            f"trained {_age(st.model_age_seconds)} ago on {st.trained_on_notes} notes"
        )
    elif st.needs_model:
        click.echo("word model: none yet (run `notelink sync`)")
    if st.out_of_date is None:
        click.echo("sections: never synced")
    else:
        click.echo(f"sections out of date: {len(st.out_of_date)}")
        for rel in st.out_of_date[:20]:
            click.echo(f"  {rel}")


def _age(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


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
@pretrained_option
@common
def evaluate(
    vault: str,
    methods: tuple[str, ...],
    protocol: str,
    seed: int,
    dims: int | None,
    binary: bool,
    as_json: bool,
    no_pretrained: bool,
    cache_dir: str | None,
    quiet: bool,
) -> None:
    """Measure suggestion quality on VAULT by hiding 30% of each note's links and
    counting how many come back (on a temporary copy; the vault is never touched)."""
    pretrained = False if no_pretrained else None
    results = _app(vault, cache_dir, quiet).evaluate(list(methods), protocol, seed, dims, binary, pretrained)
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
    found = _app(vault, cache_dir, quiet).search(query_text, limit)
    rows = [{"note": f.note, "title": f.title, "score": round(f.score, 4), "snippet": f.snippet} for f in found]
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
    no_pretrained: bool,
    cache_dir: str | None,
    quiet: bool,
) -> None:
    """Keep every note's section current while you write (runs until stopped)."""
    import logging
    import signal

    from notelink.app import Locked, VaultError
    from notelink.daemon import Watcher

    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO, format="%(asctime)s notelink: %(message)s", datefmt="%H:%M:%S"
    )
    if verbose:  # notelink's own steps; not the libraries' (markdown-it logs every block rule it tries)
        logging.getLogger("notelink").setLevel(logging.DEBUG)
    root = Path(vault)
    if not root.is_dir():
        raise VaultError(f"{root}: vault folder does not exist")
    options = _options(no_pretrained, method=method, dims=dims, binary=binary)
    watcher = Watcher(root, options, cache_dir, quiet_period, hold)

    def stop(signum: int, frame: Any) -> None:
        logging.getLogger("notelink.watch").info("stopping (signal %d)", signum)
        watcher.stop()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        watcher.start()
    except Locked as e:
        err(f"{e}; not starting another")
        sys.exit(EXIT_USAGE)
    watcher.run()


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
