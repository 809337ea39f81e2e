"""A small Debug Adapter Protocol client for tests: Content-Length framing over TCP, requests, events."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from typing import Any


class DapError(AssertionError):
    pass


class DapClient:
    """Talks DAP to a debug adapter (debugpy in listen mode) at host:port."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._reader = sock.makefile("rb")
        self._seq = 0
        self._messages: deque[dict[str, Any]] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._read_loop, daemon=True)
        self._thread.start()

    @classmethod
    def connect(cls, host: str, port: int, timeout: float = 30.0) -> DapClient:
        """Connect, retrying until the adapter's first message arrives (Docker's proxy accepts early)."""
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                sock = socket.create_connection((host, port), timeout=2)
            except OSError as e:
                last_error = e
                time.sleep(0.05)
                continue
            sock.settimeout(None)  # the reader blocks for as long as the debuggee stays paused
            client = cls(sock)
            if client.wait_for_any(timeout=min(2.0, max(0.1, deadline - time.monotonic()))):
                return client
            client.close()
            last_error = DapError("connected, but the adapter said nothing")
            time.sleep(0.05)
        raise DapError(f"no debug adapter answered on {host}:{port} within {timeout} s: {last_error}")

    def _read_loop(self) -> None:
        try:
            while True:
                headers = {}
                while True:
                    line = self._reader.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = self._reader.read(int(headers["content-length"]))
                with self._cond:
                    self._messages.append(json.loads(body))
                    self._cond.notify_all()
        except (OSError, ValueError):
            return
        finally:
            with self._cond:
                self._closed = True
                self._cond.notify_all()

    def wait_for_any(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._messages or self._closed, timeout) and bool(self._messages)

    def send_request(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        self._seq += 1
        message = {"seq": self._seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        body = json.dumps(message).encode()
        self._sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return self._seq

    def _take(self, match, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for message in list(self._messages):
                    if match(message):
                        self._messages.remove(message)
                        return message
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    seen = [m.get("event") or m.get("command") for m in self._messages]
                    raise DapError(f"timed out waiting; seen: {seen}")
                self._cond.wait(remaining)

    def response(self, seq: int, timeout: float = 30.0) -> dict[str, Any]:
        return self._take(lambda m: m.get("type") == "response" and m.get("request_seq") == seq, timeout)

    def request(self, command: str, arguments: dict[str, Any] | None = None, timeout: float = 30.0) -> dict[str, Any]:
        response = self.response(self.send_request(command, arguments), timeout)
        if not response.get("success"):
            raise DapError(f"{command} failed: {response.get('message')}")
        return response.get("body") or {}

    def event(self, name: str, timeout: float = 30.0) -> dict[str, Any]:
        return self._take(lambda m: m.get("type") == "event" and m.get("event") == name, timeout)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # really end the connection, as a killed editor's would
        with contextlib.suppress(OSError):
            self._reader.close()
            self._sock.close()
