"""TCP settings for debugger connections: no 40 ms stalls between a small header and its body.

debugpy writes a DAP message's header and body with two sends and leaves Nagle's algorithm on, so the body waits
for the ACK of the header, which a Linux receiver delays by up to 40 ms. Asking for an immediate ACK after every
read (TCP_QUICKACK does not stick) and sending without Nagle ourselves takes a request's round trip from ~44 ms
to a fraction of a millisecond.
"""

from __future__ import annotations

import contextlib
import io
import select
import socket

_QUICKACK = getattr(socket, "TCP_QUICKACK", None)
PROXY_SETTLE_S = 0.25  # how long a connection through Docker's port proxy must stay open to count


def connect_past_proxy(address: tuple[str, int], timeout: float) -> socket.socket:
    """A connection to a port Docker publishes, made only once something listens behind it.

    Docker's port proxy accepts at once and hangs up when nothing listens in the container yet (moby/moby#16976),
    so a connection counts when it is still open `PROXY_SETTLE_S` later (a debugger server says nothing first) or
    has data. Raises OSError, as `socket.create_connection` does."""
    sock = socket.create_connection(address, timeout=timeout)
    try:
        readable, _, _ = select.select([sock], [], [], PROXY_SETTLE_S)
        if readable and not sock.recv(1, socket.MSG_PEEK):
            raise ConnectionRefusedError(f"{address[0]}:{address[1]} hung up: nothing listens behind it yet")
    except BaseException:
        sock.close()
        raise
    return sock


def tune(sock: socket.socket) -> socket.socket:
    """Send at once (no Nagle) and acknowledge at once."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    quick_ack(sock)
    return sock


def quick_ack(sock: socket.socket) -> None:
    if _QUICKACK is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)


class QuickAckReader(io.RawIOBase):
    """A socket's read side that asks for an immediate ACK after every read (wrap it in io.BufferedReader)."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        received = self._sock.recv_into(buffer)
        quick_ack(self._sock)
        return received


def buffered_reader(sock: socket.socket) -> io.BufferedReader:
    return io.BufferedReader(QuickAckReader(tune(sock)))
