"""Just enough HTTP/1.1 to talk to the Docker engine over its socket: one request per connection.

Written for the engine's answers (Content-Length, chunked or read-to-close bodies, long streams) so that an invoke
does not pay for importing http.client, which brings ssl and the email package with it.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable
from typing import BinaryIO


class HttpResponse:
    """A response's status, headers and body, the body read lazily (`read`, or line by line)."""

    def __init__(
        self, sock: socket.socket, release: Callable[[socket.socket], None] | None = None, *, head: bool = False
    ) -> None:
        """`head`: the answer to a HEAD request, which has no body whatever its headers say."""
        self._sock = sock
        self._release = release
        self._reader: BinaryIO = sock.makefile("rb")
        status_line = self._reader.readline()
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
            raise OSError(f"malformed HTTP status line from the engine: {status_line[:80]!r}")
        self.status = int(parts[1])
        self.headers: dict[str, str] = {}
        while True:
            line = self._reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self._chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        length = self.headers.get("content-length")
        self._remaining = int(length) if length is not None and not self._chunked else None
        self._chunk_left = 0
        self._done = head or self.status in (204, 304) or self._remaining == 0

    def _read_chunked(self, size: int) -> bytes:
        if self._chunk_left == 0:
            header = self._reader.readline()
            if not header:
                self._done = True
                return b""
            self._chunk_left = int(header.split(b";")[0].strip() or b"0", 16)
            if self._chunk_left == 0:
                while self._reader.readline() not in (b"\r\n", b"\n", b""):
                    pass
                self._done = True
                return b""
        data = self._reader.read(min(size, self._chunk_left) if size >= 0 else self._chunk_left)
        self._chunk_left -= len(data)
        if self._chunk_left == 0:
            self._reader.readline()  # the CRLF after a chunk
        if not data:
            self._done = True
        return data

    def read1(self, size: int = 65536) -> bytes:
        """Some of the body (b"" at its end)."""
        if self._done:
            return b""
        if self._chunked:
            return self._read_chunked(size)
        if self._remaining is not None:
            data = self._reader.read(min(size, self._remaining))
            self._remaining -= len(data)
            self._done = self._remaining <= 0 or not data
            return data
        data = self._reader.read1(size)
        self._done = not data
        return data

    def read(self, size: int = -1) -> bytes:
        """`size` bytes (fewer at the end), or the whole rest of the body."""
        pieces, wanted = [], size
        while wanted != 0:
            data = self.read1(65536 if wanted < 0 else wanted)
            if not data:
                break
            pieces.append(data)
            if wanted > 0:
                wanted -= len(data)
        return b"".join(pieces)

    def lines(self):
        """The body line by line (for streams of JSON documents)."""
        pending = b""
        while True:
            data = self.read1()
            if not data:
                break
            pending += data
            *complete, pending = pending.split(b"\n")
            yield from complete
        if pending:
            yield pending

    @property
    def reusable(self) -> bool:
        """The whole body was read and the engine keeps the connection: it can carry the next request."""
        framed = self._chunked or "content-length" in self.headers
        return self._done and framed and self.headers.get("connection", "").lower() != "close"

    def abort(self) -> None:
        """End the body now, from any thread: a read blocked on it returns what it has (b"" at the end)."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._reader.close()
        release, self._release = self._release, None
        if release is not None and self.reusable:
            release(self._sock)
        else:
            self._sock.close()


def send_request(
    sock: socket.socket,
    method: str,
    path: str,
    body: bytes | BinaryIO | None = None,
    content_type: str | None = None,
    keep_alive: bool = False,
    headers: dict[str, str] | None = None,
) -> None:
    """Send one request; a file `body` is streamed from its current position to its end."""
    head = [f"{method} {path} HTTP/1.1", "Host: docker"]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if not keep_alive and "Connection" not in (headers or {}):
        head.append("Connection: close")
    stream = body if body is not None and not isinstance(body, bytes) else None
    if body is not None:
        length = len(body) if isinstance(body, bytes) else os.fstat(body.fileno()).st_size - body.tell()
        head.append(f"Content-Length: {length}")
        if content_type:
            head.append(f"Content-Type: {content_type}")
    elif method in ("POST", "PUT"):
        head.append("Content-Length: 0")
    prefix = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
    if stream is None:
        sock.sendall(prefix + (body or b""))  # type: ignore[operator]
        return
    sock.sendall(prefix)
    while chunk := stream.read(1 << 16):
        sock.sendall(chunk)
