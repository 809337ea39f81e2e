"""Start debugpy in a function's container without 40 ms stalls: `python lambda_dap_debugpy.py DEBUGPY_DIR ARGS...`.

pydevd sends each DAP message to debugpy's adapter as two writes (header, then body) with Nagle's algorithm on, so
every body waits for the adapter's delayed ACK: ~44 ms per request. This wrapper makes the TCP connections opened
while debugpy starts (pydevd's to its adapter) send at once, then runs debugpy's command line as `python DIR` would.
lambda_dap_clock.py puts `socket.connect` back before the function's own code runs. Standard library only.
"""

import contextlib
import os
import runpy
import socket
import sys

_original_connect = socket.socket.connect


def _connect_without_nagle(self, address):
    _original_connect(self, address)
    if self.family in (socket.AF_INET, socket.AF_INET6) and self.type == socket.SOCK_STREAM:
        with contextlib.suppress(OSError):
            self.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _make_ourselves_known():
    """One datagram to lambda-dap's host: the container's ARP for it tells the host this container's address.

    Until the function's runtime starts (after a debugger attached) nothing else leaves the container, and a host
    whose neighbour entry for a reused container address went stale sends its first ARP into the void and retries
    only a second later: lambda-dap's first connection to the debugger would wait that long.
    """
    host, _, port = os.environ.get("AWS_LAMBDA_RUNTIME_API", "").rpartition(":")
    with contextlib.suppress(OSError, ValueError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.sendto(b"", (host, int(port)))


def main():
    _make_ourselves_known()
    target = sys.argv[1]
    sys.argv = sys.argv[1:]
    socket.lambda_dap_standard_connect = _original_connect  # for lambda_dap_clock.py to put back
    socket.socket.connect = _connect_without_nagle
    runpy.run_path(target, run_name="__main__")


if __name__ == "__main__":
    main()
