"""The command-line Guard: an interruption Python swallows (raised inside a finaliser or a callback whose exceptions
it only reports) is raised again where it unwinds the command, never printed and lost."""

from __future__ import annotations

import os
import signal
import time

import pytest

from lambda_dap.cli.signals import Guard, Interrupted

SAFETY_S = 10  # only bounds a test that is already failing


class SignalsItselfWhenCollected:
    """Sends SIGHUP from its finaliser: Python runs the handler there, and reports its exception as unraisable."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(0)


def _wait_for_interruption() -> None:
    deadline = time.monotonic() + SAFETY_S
    while time.monotonic() < deadline:
        time.sleep(0.001)
    pytest.fail("the interruption was lost")


def test_an_interruption_swallowed_in_a_finaliser_is_raised_where_it_counts(capsys):
    with pytest.raises(Interrupted) as caught, Guard():
        SignalsItselfWhenCollected()  # collected at once
        _wait_for_interruption()
    assert caught.value.signum == signal.SIGHUP and caught.value.exit_code == 129
    assert "Exception ignored" not in capsys.readouterr().err


def test_an_interruption_that_comes_back_inside_the_hook_is_sent_once_more(monkeypatch, capsys):
    """The resent signal may be handled while the hook is still running (a loaded machine): caught there and sent
    again, it still ends the command."""
    guard = Guard()
    attempts: list[int] = []
    real_send_again = guard._send_again

    def send_again(signum: int) -> None:
        attempts.append(signum)
        if len(attempts) == 1:
            raise Interrupted(signum)  # as if the handler had run inside the hook
        real_send_again(signum)

    monkeypatch.setattr(guard, "_send_again", send_again)
    with pytest.raises(Interrupted), guard:
        SignalsItselfWhenCollected()
        _wait_for_interruption()
    assert attempts == [signal.SIGHUP, signal.SIGHUP]
    assert "Exception ignored" not in capsys.readouterr().err


def test_later_signals_are_ignored_while_the_command_cleans_up():
    with pytest.raises(Interrupted), Guard():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            _wait_for_interruption()
        finally:
            os.kill(os.getpid(), signal.SIGINT)  # during the clean-up: ignored
            time.sleep(0.05)
