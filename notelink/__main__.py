"""``notelink`` and ``python -m notelink``: the command line, with Ctrl-C caught from
the first moment (even while the modules load) as one line and exit 130, never a
traceback. Every write notelink makes is atomic, so an interrupt leaves nothing half
done (see :mod:`notelink.disk.writer` and ``notelink.sync.state.PENDING``)."""

from __future__ import annotations

import os
import signal
import sys

from notelink.shell import EXIT_INTERRUPTED, INTERRUPTED, interrupt_inside


def run() -> None:
    try:
        from notelink.cli import main

        main(prog_name="notelink")
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stderr.write(INTERRUPTED)
        _leave()
    except RuntimeError as e:
        if not interrupt_inside(e):
            raise
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.stderr.write(INTERRUPTED)
        _leave()
    except SystemExit as e:
        if e.code == EXIT_INTERRUPTED:  # the commands' own Ctrl-C line was written
            _leave()
        raise
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run is over: its exit is not interrupted


def _leave() -> None:
    """Exit 130 now. Not ``sys.exit``: CPython remembers a Ctrl-C that landed inside an
    ``eval`` (``namedtuple`` runs one while modules load) even after it was caught, and
    would end the process by SIGINT instead of the exit code."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    run()
