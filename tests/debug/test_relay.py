"""The debug relay on the host: its port is free again the moment it closes."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from lambda_dap.debug.relay import DebugRelay
from tests.debug.test_python import free_port


def started_and_blocked_in_accept(port: int) -> DebugRelay:
    """A relay whose accept loop is asleep in accept() (Linux: its thread's state in /proc is S)."""
    before = set(threading.enumerate())
    relay = DebugRelay("127.0.0.1", port, debugger="debugpy").start(lambda: None)
    (thread,) = [t for t in set(threading.enumerate()) - before if t.name == "debug-relay"]
    stat = Path(f"/proc/self/task/{thread.native_id}/stat")
    deadline = time.monotonic() + 10
    while stat.read_text().rsplit(")", 1)[1].split()[0] != "S":
        assert time.monotonic() < deadline, "the relay's accept loop never blocked"
        time.sleep(0.01)
    return relay


def test_a_closed_relay_frees_its_port_for_the_next_container():
    """A sandbox reset (a crash, a timeout) opens a new relay on the same port while the process lives on: the old
    one's thread blocked in accept() must not keep the port listening."""
    port = free_port()
    first = started_and_blocked_in_accept(port)
    first.close()
    second = DebugRelay("127.0.0.1", port, debugger="debugpy").start(lambda: None)
    second.close()
