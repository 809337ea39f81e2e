"""A deadline that its owner can pause, so a debugger stopped at a breakpoint never times a function out."""

from __future__ import annotations

import os
import threading
import time


def seconds_from_env(name: str, default: float) -> float:
    """A duration a user may set in the environment (`default` when unset or not a number)."""
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


class Deadline:
    """Counts down `budget_s` seconds of *running* time; paused time does not count.

    `budget_s=None` never expires (used while a debugger is attached or waiting).
    """

    def __init__(self, budget_s: float | None) -> None:
        self._budget_s = budget_s
        self._lock = threading.Lock()
        self._started_at = time.monotonic()
        self._paused_at: float | None = None
        self._paused_total = 0.0

    @property
    def budget_s(self) -> float | None:
        return self._budget_s

    def elapsed_s(self) -> float:
        """Running time so far, paused stretches excluded."""
        with self._lock:
            now = self._paused_at if self._paused_at is not None else time.monotonic()
            return now - self._started_at - self._paused_total

    def remaining_s(self) -> float | None:
        """Seconds left, or None when unbounded."""
        if self._budget_s is None:
            return None
        return self._budget_s - self.elapsed_s()

    def expired(self) -> bool:
        remaining = self.remaining_s()
        return remaining is not None and remaining <= 0 and not self.paused

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def pause(self) -> None:
        with self._lock:
            if self._paused_at is None:
                self._paused_at = time.monotonic()

    def resume(self) -> None:
        with self._lock:
            if self._paused_at is not None:
                self._paused_total += time.monotonic() - self._paused_at
                self._paused_at = None
