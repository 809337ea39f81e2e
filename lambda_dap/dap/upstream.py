"""One DAP connection to a debugger (debugpy's adapter, delve): its own seq counter, and who waits for what.

Requests sent upstream are either relayed for the editor (the response goes back to the session with the editor's
seq) or the session's own (`call`: the response goes to a callback). Everything else the debugger sends (events,
reverse requests) goes to `on_message`. When the connection ends, every pending request fails, once.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambda_dap.dap.messages import Message, error_response
from lambda_dap.dap.protocol import MessageReader, MessageWriter, incoming
from lambda_dap.debug.tcp import buffered_reader

log = logging.getLogger(__name__)

ResponseCallback = Callable[[Message], None]
DEBUGGER_GONE_ID = 6003  # body.error.id of the answers to requests the debugger can no longer give


@dataclass
class _Pending:
    command: str
    editor_seq: int | None = None  # relayed for the editor
    callback: ResponseCallback | None = None  # the session's own request


class Upstream:
    """The session's connection to a debugger speaking DAP."""

    def __init__(
        self,
        sock: socket.socket,
        *,
        name: str,
        on_message: Callable[[Message], None],
        on_relayed_response: Callable[[int, Message], None],
        on_closed: Callable[[], None],
    ) -> None:
        self.name = name
        self._sock = sock
        self._reader = MessageReader(buffered_reader(sock))
        self._writer = MessageWriter(sock.makefile("wb"))
        self._on_message = on_message
        self._on_relayed_response = on_relayed_response
        self._on_closed = on_closed
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending: dict[int, _Pending] = {}
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._read_loop, name=f"dap-upstream-{name}", daemon=True)

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def start(self) -> None:
        self._thread.start()

    def forward(self, message: Message) -> None:
        """Relay an editor request (its own seq is replaced; the response comes back with it)."""
        editor_seq = message["seq"]
        relayed = {key: value for key, value in message.items() if key != "seq"}
        self._send_request(relayed, _Pending(message["command"], editor_seq=editor_seq))

    def call(self, command: str, arguments: dict[str, Any] | None, callback: ResponseCallback) -> None:
        """Send the session's own request; `callback(response)` runs on the reader thread (or at close)."""
        message: Message = {"type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        self._send_request(message, _Pending(command, callback=callback))

    def call_and_wait(self, command: str, arguments: dict[str, Any] | None, timeout_s: float) -> Message | None:
        """The session's own request, waiting for its response; None on timeout."""
        done = threading.Event()
        box: list[Message] = []

        def receive(response: Message) -> None:
            box.append(response)
            done.set()

        self.call(command, arguments, receive)
        return box[0] if done.wait(timeout_s) else None

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until every request sent has been answered (or the connection ended); False on timeout.

        The answer is relayed by the time this returns only if it was a relayed request's: callbacks of the
        session's own requests may still be running."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._pending or self._closed.is_set(), timeout_s)

    def send(self, message: Message) -> None:
        """Send a response (to a reverse request) or anything else that needs no bookkeeping."""
        try:
            self._writer.send(message)
        except OSError as error:
            log.debug("%s: send failed: %s", self.name, error)

    def _send_request(self, message: Message, pending: _Pending) -> None:
        with self._lock:
            if not self._closed.is_set():
                try:
                    seq = self._writer.send(message)
                except OSError as error:
                    log.debug("%s: send failed: %s", self.name, error)
                else:
                    self._pending[seq] = pending
                    return
        self._fail(pending, f"the {self.name} connection is closed")

    def _read_loop(self) -> None:
        try:
            for message in incoming(self._reader, self.name):
                self._dispatch(message)
        finally:
            self.close()

    def _dispatch(self, message: Message) -> None:
        if message.get("type") == "response":
            with self._lock:
                pending = self._pending.pop(message.get("request_seq"), None)  # type: ignore[arg-type]
                if not self._pending:
                    self._idle.notify_all()
            if pending is None:
                log.warning("%s: response to unknown request %r dropped", self.name, message.get("request_seq"))
            elif pending.callback is not None:
                pending.callback(message)
            elif pending.editor_seq is not None:
                self._on_relayed_response(pending.editor_seq, message)
            return
        self._on_message(message)

    def _fail(self, pending: _Pending, text: str) -> None:
        failed = error_response({"seq": 0, "command": pending.command}, text, error_id=DEBUGGER_GONE_ID)
        if pending.callback is not None:
            pending.callback(failed)
        elif pending.editor_seq is not None:
            self._on_relayed_response(pending.editor_seq, failed)

    def close(self) -> None:
        """Close the connection; pending requests fail; `on_closed` runs once."""
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
            pending, self._pending = list(self._pending.values()), {}
            self._idle.notify_all()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._sock.close()
        for entry in pending:
            self._fail(entry, f"the {self.name} connection ended")
        self._on_closed()
