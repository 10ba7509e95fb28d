"""Reading many notes on every core.

Parsing is most of a cold run's reading (markdown-it most of that) and each note is
parsed on its own, so a long list of notes is read by worker processes (one per core,
at most ``MAX_WORKERS``), ``CHUNK`` notes at a time: chunk i goes to worker i mod n and
the results are taken in the order of the list, so a run is the same whether its notes
were read here or there. A short list is read in this process: starting a worker (its
imports) would cost more than reading it.

The workers are ``python -m notelink.vault.reading`` talking pickle over their stdin and
stdout, not :mod:`multiprocessing`: its "spawn" runs the caller's main script again in
each worker (a script without an ``if __name__ == "__main__"`` guard would do its
work twice), and "fork" is unsafe in a process with threads (the daemon). If a worker
cannot start or dies, the rest of the list is read here.

>>> from pathlib import Path
>>> from tempfile import TemporaryDirectory
>>> from notelink.vault.scan import NoteFile
>>> lexicon = {"orbits": 0}
>>> with TemporaryDirectory() as d:
...     _ = (Path(d) / "a.md").write_text("Comet orbits.")
...     files = [NoteFile("a.md", Path(d) / "a.md", 13, 0)]
...     [(nf.rel, got[0].title, got[1].tolist()) for nf, got in read_notes(files, 10**6, lexicon)]
[('a.md', 'a', [1, 0])]
>>> lexicon
{'orbits': 0, 'comet': 1}
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO

import numpy as np

from notelink.text.record import NoteRecord
from notelink.text.tokens import token_ids
from notelink.vault.read import NoteProblem, load_note
from notelink.vault.scan import NoteFile

PARALLEL_FROM = 2_000  # notes to read before worker processes are worth starting
CHUNK = 64  # notes a worker reads per request
MAX_WORKERS = 2
IN_FLIGHT = 2  # requests a worker holds at a time (one being read, one waiting)

Got = tuple[NoteRecord, np.ndarray] | str  # (record, its words as ids), or why the note cannot be used


def read_one(nf: NoteFile, limit: int, lexicon: dict[str, int]) -> Got:
    """``nf``'s record and its words in text order as ids into ``lexicon`` (which grows
    by the new ones, see :func:`notelink.text.tokens.token_ids`), or what is wrong with it."""
    try:
        loaded = load_note(nf, limit)
    except NoteProblem as e:
        return str(e)
    return loaded.record, token_ids(loaded.tokens, lexicon)


def _read_chunk(files: list[NoteFile], limit: int, lexicon: dict[str, int]) -> tuple[list[Got], list[str]]:
    """A worker's answer: each note's record and words as ids into the worker's own
    ``lexicon``, and the words that entered it meanwhile (in id order: a dict keeps
    the order its keys came in)."""
    before = len(lexicon)
    got = [read_one(nf, limit, lexicon) for nf in files]
    return got, list(islice(lexicon, before, None))


def workers_for(n_files: int) -> int:
    """How many worker processes read ``n_files`` notes (0: this process does)."""
    if n_files < PARALLEL_FROM:
        return 0
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(MAX_WORKERS, cores) if cores > 1 else 0


class _Worker:
    """A worker process, and how its word ids map to this process's lexicon."""

    def __init__(self) -> None:
        package_root = str(Path(__file__).resolve().parent.parent)  # this notelink, not another installed one
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "notelink.vault.reading"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            start_new_session=True,  # Ctrl-C is for the main process, which stops the workers
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self.words: list[str] = []  # the worker's lexicon, by id
        self.to_global = np.zeros(0, np.int32)  # worker id → id in this process's lexicon (-1: not yet)

    def send(self, files: list[NoteFile], limit: int) -> None:
        pickle.dump((files, limit), self.stdin, pickle.HIGHEST_PROTOCOL)
        self.stdin.flush()

    def receive(self) -> list[Got]:
        got, new = pickle.load(self.stdout)
        self.words += new
        grown = np.full(len(self.words), -1, np.int32)
        grown[: len(self.to_global)] = self.to_global
        self.to_global = grown
        return got  # type: ignore[no-any-return]

    def globalise(self, ids: np.ndarray, lexicon: dict[str, int]) -> np.ndarray:
        """A note's worker ids as ids into ``lexicon``, new words entered in the order they
        first appear in the note: the lexicon comes out as if this process read every note."""
        out = self.to_global[ids]
        if (out < 0).any():
            unseen, first = np.unique(ids[out < 0], return_index=True)
            for word_id in unseen[np.argsort(first)].tolist():
                self.to_global[word_id] = lexicon.setdefault(self.words[word_id], len(lexicon))
            out = self.to_global[ids]
        return out

    def stop(self) -> None:
        for pipe in (self.stdin, self.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def read_notes(files: list[NoteFile], limit: int, lexicon: dict[str, int]) -> Iterator[tuple[NoteFile, Got]]:
    """Each of ``files`` with what reading it gave (words as ids into ``lexicon``, which
    grows), in the order of ``files``."""
    n = workers_for(len(files))
    chunks = [files[i : i + CHUNK] for i in range(0, len(files), CHUNK)] if n else []
    given = 0  # notes yielded
    workers: list[_Worker] = []
    try:
        for _ in range(n):
            workers.append(_Worker())
        sent = 0
        while sent < min(len(chunks), n * IN_FLIGHT):
            workers[sent % n].send(chunks[sent], limit)
            sent += 1
        for done, chunk in enumerate(chunks):
            worker = workers[done % n]
            results = worker.receive()
            if len(results) != len(chunk):
                raise ValueError("a worker answered for other notes")
            if sent < len(chunks):
                workers[sent % n].send(chunks[sent], limit)
                sent += 1
            for nf, got in zip(chunk, results, strict=True):
                yield nf, got if isinstance(got, str) else (got[0], worker.globalise(got[1], lexicon))
                given += 1
    except (OSError, EOFError, pickle.UnpicklingError, ValueError):
        pass  # a worker could not start or died: the rest is read here
    finally:
        for w in workers:
            w.stop()
    for nf in files[given:]:
        yield nf, read_one(nf, limit, lexicon)


def _serve() -> None:
    """A worker: read the chunks asked for on stdin, answer on stdout, until stdin closes."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed by accident goes to stderr, not into the answers
    requests = sys.stdin.buffer
    lexicon: dict[str, int] = {}
    try:
        while True:
            files, limit = pickle.load(requests)
            pickle.dump(_read_chunk(files, limit, lexicon), out, pickle.HIGHEST_PROTOCOL)
            out.flush()
    except EOFError:
        return  # the main process is done with this worker
    except BrokenPipeError:
        os._exit(0)  # it stopped reading early (Ctrl-C): leave without flushing into the closed pipe


if __name__ == "__main__":
    _serve()
