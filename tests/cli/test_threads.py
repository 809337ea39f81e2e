"""Clean-up joins threads that a Ctrl-C may have kept from ever starting (inside `Thread.start()`)."""

from __future__ import annotations

import threading

from lambda_dap.threads import join_if_alive


def test_a_thread_that_never_started_is_no_error():
    never = threading.Thread(target=lambda: None)
    join_if_alive(never, 0.1)  # Thread.join would raise "cannot join thread before it is started"
    join_if_alive(None, 0.1)


def test_a_running_thread_is_waited_for():
    release = threading.Event()
    finished = threading.Event()

    def work() -> None:
        release.wait(5)
        finished.set()

    thread = threading.Thread(target=work)
    thread.start()
    release.set()
    join_if_alive(thread, 5)
    assert finished.is_set() and not thread.is_alive()


def test_the_current_thread_does_not_wait_for_itself():
    join_if_alive(threading.current_thread(), 0.1)
