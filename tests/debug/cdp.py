"""A minimal Chrome DevTools Protocol client (what Node's inspector speaks), standard library only.

``WebSocket`` is just enough of RFC 6455 for a CDP client: the opening handshake with its accept-key check, masked
text frames out, text frames in (fragmented or not, 7/16/64-bit lengths), pings answered, close. ``CdpClient`` sends
commands with ids, returns their results, and keeps the events that arrive meanwhile for ``wait_event``.
Every read has a deadline: nothing here blocks longer than the timeout it is given.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import json
import os
import socket
import struct
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
_CONTINUATION, _TEXT, _BINARY, _CLOSE, _PING, _PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class WebSocketClosed(ConnectionError):
    pass


class CdpError(RuntimeError):
    """A command answered with an error."""


class WebSocket:
    def __init__(self, url: str, timeout: float = 10.0):
        parts = urlsplit(url)
        if parts.scheme != "ws" or not parts.hostname:
            raise ValueError(f"not a ws:// URL: {url}")
        self._buffer = bytearray()
        self._sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
        try:
            self._handshake(parts, time.monotonic() + timeout)
        except BaseException:
            self._sock.close()
            raise

    def _handshake(self, parts, deadline: float) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        while b"\r\n\r\n" not in self._buffer:
            if len(self._buffer) > 65536:
                raise WebSocketClosed("handshake response too long")
            self._receive(deadline)
        head, _, rest = bytes(self._buffer).partition(b"\r\n\r\n")
        self._buffer = bytearray(rest)  # a frame may follow the response at once
        status, *lines = head.decode("latin-1").split("\r\n")
        if status.split(" ")[1:2] != ["101"]:
            raise WebSocketClosed(f"handshake refused: {status}")
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        expected = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            raise WebSocketClosed(f"bad Sec-WebSocket-Accept: {headers.get('sec-websocket-accept')!r}")

    def _receive(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("timed out reading from the WebSocket")
        self._sock.settimeout(remaining)
        try:
            data = self._sock.recv(65536)
        except TimeoutError:  # socket.timeout
            raise TimeoutError("timed out reading from the WebSocket") from None
        if not data:
            raise WebSocketClosed("connection closed by the peer")
        self._buffer += data

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        mask = os.urandom(4)
        key = int.from_bytes((mask * (length // 4 + 1))[:length], "big")
        masked = (int.from_bytes(payload, "big") ^ key).to_bytes(length, "big")
        self._sock.sendall(header + mask + masked)

    def _parse_frame(self) -> tuple[bool, int, bytes] | None:
        """(fin, opcode, payload) of the complete frame at the head of the buffer, consumed; None if incomplete."""
        buffer = self._buffer
        if len(buffer) < 2:
            return None
        fin, opcode = bool(buffer[0] & 0x80), buffer[0] & 0x0F
        masked, length, offset = bool(buffer[1] & 0x80), buffer[1] & 0x7F, 2
        if length == 126:
            if len(buffer) < 4:
                return None
            length, offset = struct.unpack_from("!H", buffer, 2)[0], 4
        elif length == 127:
            if len(buffer) < 10:
                return None
            length, offset = struct.unpack_from("!Q", buffer, 2)[0], 10
        mask = b""
        if masked:  # servers must not mask, but reading it costs nothing
            mask, offset = bytes(buffer[offset : offset + 4]), offset + 4
        if len(buffer) < offset + length:
            return None
        payload = bytes(buffer[offset : offset + length])
        del buffer[: offset + length]
        if mask:
            payload = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        return fin, opcode, payload

    def send(self, text: str) -> None:
        self._send_frame(_TEXT, text.encode())

    def receive(self, timeout: float) -> str:
        """The next text (or binary) message, whole; raises TimeoutError or WebSocketClosed."""
        deadline = time.monotonic() + timeout
        fragments: list[bytes] = []
        while True:
            frame = self._parse_frame()
            if frame is None:
                self._receive(deadline)
                continue
            fin, opcode, payload = frame
            if opcode == _PING:
                self._send_frame(_PONG, payload)
            elif opcode == _CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise WebSocketClosed(f"closed by the peer (code {code})")
            elif opcode in (_TEXT, _BINARY, _CONTINUATION):
                fragments.append(payload)
                if fin:
                    return b"".join(fragments).decode()

    def close(self) -> None:
        try:
            self._send_frame(_CLOSE, struct.pack("!H", 1000))
        except OSError:
            pass
        finally:
            self._sock.close()


class CdpClient:
    """Commands and events over one CDP WebSocket (a target's webSocketDebuggerUrl)."""

    def __init__(self, url: str, timeout: float = 10.0):
        self.timeout = timeout
        self._socket = WebSocket(url, timeout)
        self._next_id = 0
        self._events: collections.deque[dict[str, Any]] = collections.deque()

    def __enter__(self) -> CdpClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._socket.close()

    def _read(self, deadline: float) -> dict[str, Any]:
        return json.loads(self._socket.receive(max(deadline - time.monotonic(), 0.001)))

    def call(self, method: str, params: dict[str, Any] | None = None, timeout: float | None = None) -> dict:
        """Send a command and return its result; events that arrive first are kept for ``wait_event``."""
        self._next_id += 1
        command_id = self._next_id
        self._socket.send(json.dumps({"id": command_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            message = self._read(deadline)
            if message.get("id") == command_id:
                if "error" in message:
                    raise CdpError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self._events.append(message)

    def wait_event(
        self, method: str, timeout: float | None = None, predicate: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any]:
        """The params of the first (kept or coming) event ``method`` that satisfies ``predicate``."""

        def wanted(message):
            return message.get("method") == method and (predicate is None or predicate(message.get("params", {})))

        for message in self._events:
            if wanted(message):
                self._events.remove(message)
                return message.get("params", {})
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            message = self._read(deadline)
            if wanted(message):
                return message.get("params", {})
            if "method" in message:
                self._events.append(message)

    def events(self, method: str) -> list[dict[str, Any]]:
        """The params of the kept events ``method`` (seen but not yet waited for)."""
        return [m.get("params", {}) for m in self._events if m.get("method") == method]
