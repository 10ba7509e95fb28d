"""A Ctrl-C that lands while Python makes a class reaches notelink wrapped in a
RuntimeError (``Error calling __set_name__``): still one line and exit 130."""

from __future__ import annotations

import pytest

from notelink.shell import EXIT_INTERRUPTED, INTERRUPTED, guarded, interrupt_inside


class _Interrupting:
    def __set_name__(self, owner: type, name: str) -> None:
        raise KeyboardInterrupt


def make_a_class() -> None:
    type("Late", (), {"vocab": _Interrupting()})


def test_a_wrapped_ctrl_c_is_an_interrupt(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(BaseException) as caught:
        make_a_class()
    assert interrupt_inside(caught.value) or isinstance(caught.value, KeyboardInterrupt)
    with pytest.raises(SystemExit) as stop:
        guarded(make_a_class)
    assert stop.value.code == EXIT_INTERRUPTED
    assert capsys.readouterr().err == INTERRUPTED


def test_another_runtime_error_is_not() -> None:
    def fails() -> None:
        try:
            raise ValueError("x")
        except ValueError as e:
            raise RuntimeError("y") from e

    with pytest.raises(RuntimeError):
        guarded(fails)
    assert not interrupt_inside(RuntimeError("z"))
