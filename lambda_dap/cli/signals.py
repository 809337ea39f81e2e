"""Signals on the command line: Ctrl-C, SIGTERM and SIGHUP end a run cleanly at any moment.

Until a command has started anything (`quiet_exit_until_guarded`, from the moment the package is imported), a signal
just ends the process with 128 + its number: there is nothing to clean up, and no traceback to print. While a
command runs (`Guard`), the first signal unwinds the command like an exception, so every `finally` and `with`
removes what it started, and any further one is ignored until that clean-up is over.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import Any

HANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
RESEND_DELAY_S = 0.005  # a swallowed interruption is sent again this much later (see Guard._unraisable)


class Interrupted(BaseException):
    """A signal asked the command to stop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


def _exit_at_once(signum: int, frame: FrameType | None) -> None:
    os._exit(128 + signum)


def quiet_exit_until_guarded() -> None:
    """Before a command starts anything: a signal ends the process quietly."""
    for signum in HANDLED:
        if signal.getsignal(signum) in (signal.SIG_DFL, signal.default_int_handler):
            signal.signal(signum, _exit_at_once)


class Guard:
    """While active, the first signal raises Interrupted; later ones are ignored (the clean-up must finish).

    Python runs a signal handler wherever the main thread is, also inside a callback whose exceptions it only
    reports as "Exception ignored" (an import lock's weakref callback, a finaliser): the interruption would be
    lost. Such an Interrupted is sent again, to be raised where it counts.
    """

    def __enter__(self) -> Guard:
        self._previous = {signum: signal.getsignal(signum) for signum in HANDLED}
        self._previous_hook = sys.unraisablehook
        sys.unraisablehook = self._unraisable
        for signum in HANDLED:
            signal.signal(signum, self._interrupt)
        return self

    def _unraisable(self, unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, Interrupted):
            self._previous_hook(unraisable)
            return
        signum = unraisable.exc_value.signum
        while True:
            try:
                self._send_again(signum)
                return
            except Interrupted as caught:  # it came back while still in this hook, where it would be lost again
                signum = caught.signum

    def _send_again(self, signum: int) -> None:
        """Arm the handler again and have the signal sent a moment later from another thread: the main thread then
        meets it after this hook has returned (raised inside the hook itself, it would only be printed)."""
        import threading

        for other in HANDLED:
            signal.signal(other, self._interrupt)
        sender = threading.Timer(RESEND_DELAY_S, os.kill, (os.getpid(), signum))
        sender.daemon = True
        sender.start()

    def _interrupt(self, signum: int, frame: FrameType | None) -> None:
        for other in HANDLED:
            signal.signal(other, signal.SIG_IGN)
        raise Interrupted(signum)

    def __exit__(self, *exc_info: object) -> None:
        sys.unraisablehook = self._previous_hook
        for signum, handler in self._previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
