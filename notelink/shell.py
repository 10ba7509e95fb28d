"""What every shell of notelink needs: its exit codes, one line per problem, and a
quiet end when the reader of its output has gone (``notelink … | head``)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
from collections.abc import Callable
from typing import Any, NoReturn

EXIT_SKIPPED = 1
EXIT_USAGE = 2
EXIT_FAILED = 3  # the run could not go on (the cache could not be written…)
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
INTERRUPTED = "notelink: interrupted; every note is whole, and the next run goes on from here\n"


def err(message: str) -> None:
    """One line on stderr, naming notelink (through click: escapes stripped when stderr
    is not a terminal)."""
    import click

    click.echo(f"notelink: {message}", err=True)


def stopped(e: OSError) -> NoReturn:
    where = f"{e.filename}: " if e.filename else ""
    err(f"{where}{e.strerror or e}; stopped (every note is whole; run again once this is fixed)")
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


def interrupt_inside(e: BaseException) -> bool:
    """Whether ``e`` is a Ctrl-C that Python wrapped: one that landed while a class was
    being made (``RuntimeError: Error calling __set_name__``) carries it as its cause."""
    seen: set[int] = set()
    cause = e.__cause__ or e.__context__
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def guarded(call: Callable[[], Any]) -> Any:
    """``call()``, its expected failures made one line and an exit code: a bad vault or
    config (2), a disk that fails (3), a closed output pipe (0), Ctrl-C (130)."""
    from notelink.errors import VaultError

    try:
        return call()
    except VaultError as e:
        err(str(e))
        sys.exit(EXIT_USAGE)
    except BrokenPipeError as e:
        if not stdout_closed():
            stopped(e)  # a pipe of notelink's own, not its output
        # Whoever read the output stopped reading (``notelink related … | head``): a
        # normal end. Every note is whole: output is printed after any write.
        leave_quietly()
    except OSError as e:  # a disk full or read-only while writing the cache
        stopped(e)
    except KeyboardInterrupt:
        # Every write is atomic and said in advance (sync.state.PENDING): nothing to undo.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stderr.write(INTERRUPTED)
        sys.exit(EXIT_INTERRUPTED)
    except RuntimeError as e:
        if not interrupt_inside(e):
            raise
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stderr.write(INTERRUPTED)
        sys.exit(EXIT_INTERRUPTED)
