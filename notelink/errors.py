"""The errors that stop a run or skip one note, shared by every layer (disk/ raises
them too, so they live below it), and the check every command makes of the vault folder."""

from __future__ import annotations

from pathlib import Path


class VaultError(Exception):
    """The whole run cannot go on (missing vault, bad config)."""


class ReadError(Exception):
    """One note cannot be read or decoded; the message names the problem."""


def check_root(root: Path) -> None:
    """:class:`VaultError` unless ``root`` is a folder (a vault).

    >>> check_root(Path("/nonexistent/vault"))
    Traceback (most recent call last):
    ...
    notelink.errors.VaultError: /nonexistent/vault: vault folder does not exist
    """
    if not root.exists():
        raise VaultError(f"{root}: vault folder does not exist")
    if not root.is_dir():
        raise VaultError(f"{root}: not a folder; a vault is a folder of Markdown notes")
