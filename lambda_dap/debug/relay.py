"""The debug port on the host: lambda-dap listens there itself and relays each client to the debugger inside.

Relaying (instead of letting Docker publish the port) tells lambda-dap when a debugger attaches and when it goes
away, and connects to the container only once the debugger really listens (Docker's proxy accepts connections
before anything listens inside, moby/moby#16976). When a DAP client vanishes without a word, the relay sends the
`disconnect` it never sent, so debugpy detaches and the function runs to its end instead of staying paused forever.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable

from lambda_dap.debug.tcp import connect_past_proxy, quick_ack, tune
from lambda_dap.errors import PortInUse
from lambda_dap.threads import join_if_alive

log = logging.getLogger(__name__)

UPSTREAM_CONNECT_TIMEOUT_S = 30.0
Dial = Callable[[tuple[str, int], float], socket.socket]
_CHUNK = 65536


class DebugRelay:
    """Accepts debugger clients on `host_ip:port`; relays each to `upstream()` (the debugger in the container)."""

    def __init__(
        self, host_ip: str, port: int, *, debugger: str, through_proxy: bool = False, dial: Dial | None = None
    ) -> None:
        """`debugger` decides how a client that left is made up for: "debugpy" and "delve" are known;
        `through_proxy`: the upstream is a port Docker publishes (see `connect_past_proxy`); `dial`, when given,
        connects to the upstream instead (an engine elsewhere: through lambda-dap's agent in the container)."""
        self.host_ip, self.port = host_ip, port
        self._debugger = debugger
        self._through_proxy = through_proxy
        self._dial = dial
        self._upstream: Callable[[], tuple[str, int] | None] = lambda: None
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._listener.bind((host_ip, port))
        except OSError as e:
            self._listener.close()
            raise PortInUse(f"Debug port {host_ip}:{port} is not available: {e.strerror or e}") from e
        self._listener.listen(4)
        self._closed = threading.Event()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.attached = threading.Event()  # a client has connected

    def start(self, upstream: Callable[[], tuple[str, int] | None]) -> DebugRelay:
        """Serve; `upstream()` gives the debugger's address once the container has one (None: gone)."""
        self._upstream = upstream
        threading.Thread(target=self._accept_loop, name="debug-relay", daemon=True).start()
        return self

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):  # wakes the accept() in progress: a close alone leaves the port listening
            self._listener.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for sock in list(self._sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _untrack(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        sock.close()

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self._track(tune(client))
            threading.Thread(target=self._serve, args=(client,), name="debug-relay-client", daemon=True).start()

    def _connect_upstream(self) -> socket.socket | None:
        deadline = time.monotonic() + UPSTREAM_CONNECT_TIMEOUT_S
        while not self._closed.is_set() and time.monotonic() < deadline:
            address = self._upstream()
            if address is not None:
                try:
                    if self._dial is not None:
                        return self._dial(address, 0.05)
                    if self._through_proxy:
                        return connect_past_proxy(address, timeout=1.0)
                    return socket.create_connection(address, timeout=0.05)  # a lost SYN waits 1 s
                except OSError:
                    pass
            time.sleep(0.02)
        return None

    def _serve(self, client: socket.socket) -> None:
        upstream = self._connect_upstream()
        if upstream is None:
            self._untrack(client)
            return
        upstream.settimeout(None)
        self._track(tune(upstream))
        self.attached.set()
        pump = threading.Thread(target=self._pump, args=(upstream, client), daemon=True)
        pump.start()
        ledger = BreakpointLedger() if self._debugger == "delve" else None
        client_left = self._pump(client, upstream, ledger)
        if client_left and self._debugger == "debugpy" and not self._closed.is_set():
            self._say_goodbye(upstream)
        with contextlib.suppress(OSError):
            upstream.shutdown(socket.SHUT_RDWR)
        join_if_alive(pump, 2)
        self._untrack(upstream)
        self._untrack(client)
        if ledger is not None and ledger.speaks_dap and not self._closed.is_set():
            self._release_delve(ledger)

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket, ledger: BreakpointLedger | None = None) -> bool:
        """Copy until `source` ends; True when it was `source` that ended (not `target` failing)."""
        while True:
            try:
                data = source.recv(_CHUNK)
            except OSError:
                return True
            if not data:
                return True
            quick_ack(source)
            if ledger is not None:
                ledger.feed(data)
            try:
                target.sendall(data)
            except OSError:
                return False

    def _release_delve(self, ledger: BreakpointLedger) -> None:
        """A client left delve (`--accept-multiclient` keeps the program halted): on a connection of our own, clear
        the breakpoints it set, continue, and leave without terminating the function."""
        address = self._upstream()
        if address is None:
            return
        try:
            sock = self._dial(address, 2.0) if self._dial is not None else socket.create_connection(address, 2.0)
        except OSError:
            return
        requests = [("initialize", {"adapterID": "lambda-dap", "pathFormat": "path"})]
        requests += [("setBreakpoints", {"source": {"path": path}, "breakpoints": []}) for path in ledger.sources]
        requests += [
            ("setFunctionBreakpoints", {"breakpoints": []}),
            ("continue", {"threadId": 1}),
            ("disconnect", {"terminateDebuggee": False}),
        ]
        try:
            with sock:
                for seq, (command, arguments) in enumerate(requests, start=1):
                    body = json.dumps({"seq": seq, "type": "request", "command": command, "arguments": arguments})
                    sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body.encode())
                sock.settimeout(2.0)
                while sock.recv(_CHUNK):  # until delve closes its side
                    pass
        except OSError:
            pass
        log.debug("a client left delve; cleared %d source(s) of breakpoints and continued", len(ledger.sources))

    @staticmethod
    def _say_goodbye(upstream: socket.socket) -> None:
        """The DAP client left without `disconnect`: send it, so debugpy detaches and the debuggee runs on."""
        body = json.dumps(
            {"seq": 1_000_000, "type": "request", "command": "disconnect", "arguments": {"terminateDebuggee": False}}
        ).encode()
        try:
            upstream.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            upstream.settimeout(1.0)
            while upstream.recv(_CHUNK):  # until debugpy closes its side, or a second passes
                pass
        except OSError:
            pass
        log.debug("debugger client left without disconnect; sent one for it")


class BreakpointLedger:
    """Reads a client's DAP requests out of the bytes it sends: which sources it set breakpoints in."""

    def __init__(self) -> None:
        self._buffer = b""
        self.sources: list[str] = []
        self.speaks_dap = False

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while True:
            head, separator, rest = self._buffer.partition(b"\r\n\r\n")
            if not separator:
                return
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:") and line.split(b":", 1)[1].strip().isdigit()
                ),
                None,
            )
            if length is None:  # not DAP (delve's JSON-RPC API): nothing to learn
                self._buffer = b""
                return
            if len(rest) < length:
                return
            body, self._buffer = rest[:length], rest[length:]
            self.speaks_dap = True
            self._note(body)

    def _note(self, body: bytes) -> None:
        try:
            message = json.loads(body)
        except ValueError:
            return
        if isinstance(message, dict) and message.get("command") == "setBreakpoints":
            path = ((message.get("arguments") or {}).get("source") or {}).get("path")
            if isinstance(path, str) and path not in self.sources:
                self.sources.append(path)
