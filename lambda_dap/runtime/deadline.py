"""A deadline that its owner can pause, so a debugger stopped at a breakpoint never times a function out."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Mapping

from lambda_dap.errors import SettingError

# Every duration a user may set in the environment, in seconds (read where it is used, checked up front).
DURATION_SETTINGS = ("LAMBDA_DAP_DEBUGGER_TIMEOUT", "LAMBDA_DAP_EXTENSION_INIT_TIMEOUT")


def seconds_from_env(name: str, default: float, environ: Mapping[str, str] | None = None) -> float:
    """A duration a user may set in the environment: `default` when unset or empty; SettingError when it is not a
    positive number of seconds."""
    text = (os.environ if environ is None else environ).get(name, "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise SettingError(f"${name}: expected a positive number of seconds such as 30 or 2.5, got {text!r}")
    return seconds


def check_duration_settings(environ: Mapping[str, str] | None = None) -> None:
    """Fail before anything starts when one of DURATION_SETTINGS is set to something that is not a duration."""
    for name in DURATION_SETTINGS:
        seconds_from_env(name, 0.0, environ)


class Deadline:
    """Counts down `budget_s` seconds of *running* time; paused stretches do not count.

    `enforced=False` keeps the count (the context's remaining time) but never times the function out: a debugger
    is attached and lambda-dap cannot see when it stops.
    """

    def __init__(self, budget_s: float, *, enforced: bool = True) -> None:
        self.budget_s = budget_s
        self.enforced = enforced
        self._lock = threading.Lock()
        self._started_at = time.monotonic()
        self._paused_at: float | None = None
        self._paused_total = 0.0

    def elapsed_s(self) -> float:
        """Running time so far, paused stretches excluded."""
        with self._lock:
            now = self._paused_at if self._paused_at is not None else time.monotonic()
            return now - self._started_at - self._paused_total

    def remaining_s(self) -> float:
        return self.budget_s - self.elapsed_s()

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def pause(self) -> bool:
        """Stop the clock; False when it was already stopped."""
        with self._lock:
            if self._paused_at is not None:
                return False
            self._paused_at = time.monotonic()
            return True

    def resume(self) -> bool:
        """Start the clock again; False when it was running."""
        with self._lock:
            if self._paused_at is None:
                return False
            self._paused_total += time.monotonic() - self._paused_at
            self._paused_at = None
            return True
