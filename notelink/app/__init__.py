"""notelink as a library: one method per thing a user asks of a vault.

The shells (``notelink`` commands, the ``watch`` daemon, an editor's language server)
only turn input into these calls and their results (:mod:`notelink.app.results`)
into output. Everything below them (reading the vault, training, ranking, writing
sections) is reached through here.

>>> from notelink.app import Notelink                                    # doctest: +SKIP
>>> Notelink("sample_vault").related("Cosine Similarity", limit=3)       # doctest: +SKIP
('Cosine Similarity.md', [Related(note='Word2Vec.md', title='Word2Vec', score=0.81), ...])
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

from notelink.app.results import Cleaned, Found, Planned, Related, Status, Synced, Word
from notelink.disk.lock import Locked, VaultLock, running
from notelink.errors import VaultError
from notelink.progress import Progress
from notelink.sync.engine import Engine, Options, sync

__all__ = [
    "Cleaned",
    "Found",
    "Locked",
    "NoSuchNote",
    "NotInVocabulary",
    "Notelink",
    "Options",
    "Planned",
    "Related",
    "Status",
    "Synced",
    "VaultError",
    "Word",
]  # fmt: skip


class NoSuchNote(VaultError):
    """The note a user named is not in the vault."""


class NotInVocabulary(VaultError):
    """The word a user asked about is not in the vault's vocabulary."""


class Notelink:
    """One vault, its cache (``cache_dir``, default: the user cache folder) and how
    progress is shown."""

    def __init__(self, root: str | Path, cache_dir: str | None = None, progress: Progress | None = None) -> None:
        self.root = Path(root)
        self.cache_dir = cache_dir
        self.progress = progress or Progress(enabled=False)

    def engine(self, options: Options | None = None) -> Engine:
        """A sync engine on this vault (for a caller that drives the stages itself)."""
        return Engine(self.root, options or Options(), cache_dir=self.cache_dir, progress=self.progress)

    # --- writing sections ------------------------------------------------------------
    def sync(self, options: Options | None = None, dry_run: bool = False) -> Synced:
        """Bring every note's section up to date; a dry run writes nothing (not even
        the cache, nor the lock's note) and says what it would write."""
        start = time.perf_counter()
        engine = self.engine(options)
        with contextlib.nullcontext() if dry_run else VaultLock(engine.root, engine.store.folder, "sync"):
            _, changes = sync(engine, dry_run=dry_run, quick=True)
        planned = []
        if dry_run:
            from notelink.disk.writer import Conflict, WriteError
            from notelink.text.section import split

            for ch in changes:
                try:
                    lines = split(engine.new_bytes(ch).decode("utf-8"))[1] or ["(section removed)"]
                except (Conflict, WriteError) as e:
                    lines = [f"({e})"]
                planned.append(Planned(ch.rel, lines))
        return synced(engine, time.perf_counter() - start, planned)

    def clean(self) -> Cleaned:
        """Remove every section notelink wrote; each note gets back its own bytes."""
        from notelink.disk.store import vault_cache
        from notelink.sync.cleanup import clean_vault

        with VaultLock(self.root, vault_cache(self.root, self.cache_dir), "clean"):
            cleaned, problems = clean_vault(self.root, self.cache_dir)
        return Cleaned(cleaned, problems)

    def accept(self, note: str, target: str) -> bool:
        """Record that the owner accepted ``target`` as related to ``note``; False if it
        was recorded already."""
        return self._decide("accept", note, target)

    def reject(self, note: str, target: str) -> bool:
        """Record that the owner rejected ``target`` for ``note``: never suggested again."""
        return self._decide("reject", note, target)

    def _decide(self, kind: str, note: str, target: str) -> bool:
        from notelink.disk.decisions import Decisions

        engine = self.engine()
        engine.refresh(allow_train=False)
        rel, other = self.find_note(engine, note), self.find_note(engine, target)
        decisions = Decisions.load(self.root)
        if (kind == "accept" and other in decisions.accepted(rel)) or (
            kind == "reject" and other in decisions.rejected(rel)
        ):
            return False
        decisions.set(kind, rel, other)
        decisions.save(self.root)
        return True

    # --- questions -------------------------------------------------------------------
    def related(self, note: str, limit: int = 10, options: Options | None = None) -> tuple[str, list[Related]]:
        """The note ``note`` names (a path or a title) and the notes related to it, best
        first, each with its reasons."""
        engine = self.engine(options)
        engine.refresh()
        rel = self.find_note(engine, note)
        ranked = engine.ranking([rel], k=limit, min_score=-1.0).get(rel, [])
        pos = engine.index().pos
        said = engine.scorer().reasons_many([(pos[rel], pos[r]) for r, _ in ranked])
        return rel, [Related(r, engine.records[r].title, s, why) for (r, s), why in zip(ranked, said, strict=True)]

    def search(self, query: str, limit: int = 10) -> list[Found]:
        """Notes ranked for a free-text query, by meaning and by words, with a snippet."""
        from notelink.errors import ReadError
        from notelink.rank.search import search, snippet
        from notelink.text import section
        from notelink.vault.read import read_bytes
        from notelink.vault.scan import NoteFile

        engine = self.engine()
        engine.refresh()
        found = []
        for hit in search(engine.index(), query, limit):
            try:
                data = read_bytes(NoteFile(hit.rel, engine.root / hit.rel, 0, 0), engine.config.max_note_bytes)
                text = section.remove(data.decode("utf-8", errors="replace"))
            except ReadError:
                text = ""
            found.append(Found(hit.rel, hit.title, hit.score, snippet(text, query)))
        return found

    def words(self, word: str, limit: int = 10, method: str | None = None) -> list[Word]:
        """Vocabulary words nearest to ``word`` in the vault's trained embedding (the
        word model of ``method``, default: the last sync's, else sgns)."""
        from notelink.rank.registry import word_method
        from notelink.text.tokens import tokenize

        engine = self.engine(Options(method=method))
        if word_method(engine.method) is None:  # the last sync used a method without word vectors
            engine = self.engine(Options(method="sgns"))
        model = engine.stored_model()
        if model is None:
            engine.refresh()
            model = engine.model
        tokens = tokenize(word)
        key = tokens[0] if tokens else word.casefold()
        if model is None or key not in model.vocab.index:
            raise NotInVocabulary(f"{word!r} is not in the vault's vocabulary")
        return [Word(w, s) for w, s in model.similar_words(key, limit)]

    def status(self) -> Status:
        """Notes, the word model, the daemon, and the notes whose section is out of date."""
        engine = Engine(self.root, Options(), cache_dir=self.cache_dir)
        engine.refresh(allow_train=False)
        report, model, last = engine.report, engine.model, engine.state
        daemon = running(engine.root, engine.store.folder)
        hybrid = last.get("hybrid")
        if report.unchanged_run:
            synced_now, stale = True, []
            model = engine.stored_model()
        elif not last.get("synced_at") or (engine.model_params() is not None and model is None):
            synced_now, stale = False, None
        else:
            synced_now, stale = False, [c.rel for c in engine.plan()]
            fitted = engine.ranker().hybrid()
            hybrid = fitted.describe() if fitted is not None else None
        out = Status(
            vault=str(engine.root),
            cache=str(engine.store.folder),
            notes=report.notes,
            skipped=report.skipped,
            daemon=daemon,
            synced=synced_now,
            out_of_date=stale,
            method=engine.method,
            hybrid=hybrid or None,
            needs_model=engine.model_params() is not None,
            pretrained=pretrained_status(engine.settings),
        )
        if model is not None:
            out.word_model, out.vocabulary = model.params["method"], len(model.vocab)
            out.model_age_seconds, out.trained_on_notes = round(time.time() - model.trained_at), model.notes
        return out

    def evaluate(
        self,
        methods: list[str],
        protocol: str = "A",
        seed: int = 0,
        dims: int | None = None,
        binary: bool = False,
        pretrained: bool | None = None,
    ) -> list[Any]:
        """Suggestion quality (:mod:`notelink.evaluate`), on a temporary copy of the vault;
        every method that can run here by default; ``pretrained`` False leaves the
        pretrained sentence model out."""
        from notelink.evaluate import evaluate
        from notelink.rank.registry import available

        if not self.root.is_dir():
            raise VaultError(f"{self.root}: vault folder does not exist")
        methods = methods or list(available(pretrained))
        return evaluate(self.root, methods, protocol, seed, dims=dims, use_binary=binary, progress=self.progress,
                        pretrained=pretrained)  # fmt: skip

    # --- naming notes ----------------------------------------------------------------
    @staticmethod
    def find_note(engine: Engine, note: str) -> str:
        """The vault path of the note ``note`` names: a path (from the working folder or
        the vault), a link target, a title or an alias."""
        from notelink.text.links import fold

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
        for rel, rec in sorted(records.items()):
            if fold(rec.title) == fold(note) or fold(note) in {fold(a) for a in rec.aliases}:
                return rel
        raise NoSuchNote(f"no note {note!r} in {engine.root}")


def synced(engine: Engine, seconds: float, planned: list[Planned] | None = None) -> Synced:
    """What a run of ``engine`` did, as a result."""
    report = engine.report
    return Synced(
        notes=report.notes,
        read=report.read,
        vocabulary=report.vocab,
        trained=report.trained,
        train_seconds=report.train_seconds,
        changed=list(report.changed),
        problems=list(report.problems),
        unchanged=report.unchanged_run,
        seconds=seconds,
        stages=dict(engine.progress.timings),
        planned=planned or [],
        stamps={rel: (engine.records[rel].size, engine.records[rel].mtime_ns) for rel in report.changed},
    )


def pretrained_status(settings: Any) -> str:
    """Whether the pretrained sentence model is in use, and why not, in a line."""
    from notelink.model import pretrained

    if settings.pretrained:
        return f"in use ({pretrained.model_id()})"
    return f"not in use: {pretrained.why_not(settings.options.pretrained, settings.config.pretrained)}"
