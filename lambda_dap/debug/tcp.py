"""TCP settings for debugger connections: no 40 ms stalls between a small header and its body.

debugpy writes a DAP message's header and body with two sends and leaves Nagle's algorithm on, so the body waits
for the ACK of the header, which a Linux receiver delays by up to 40 ms. Asking for an immediate ACK after every
read (TCP_QUICKACK does not stick) and sending without Nagle ourselves takes a request's round trip from ~44 ms
to a fraction of a millisecond.
"""

from __future__ import annotations

import contextlib
import io
import socket

_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


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
