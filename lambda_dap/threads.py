"""Joining the threads lambda-dap starts, also when an interruption hit while one was being started."""

from __future__ import annotations

import threading


def join_if_alive(thread: threading.Thread | None, timeout: float | None = None) -> None:
    """Wait up to `timeout` for `thread` to end. A thread that never ran is no error: a signal handled inside
    `Thread.start()` (Ctrl-C at that very moment) leaves one behind, and `join()` would raise on it while the
    command cleans up."""
    if thread is not None and thread is not threading.current_thread() and thread.is_alive():
        thread.join(timeout)
