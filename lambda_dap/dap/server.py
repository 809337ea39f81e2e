"""The DAP server's front ends: one session on stdin/stdout (`--stdio`), or one session per TCP connection on
127.0.0.1 (`--port N`). SIGINT and SIGTERM end every session (containers removed) before the process exits.

In stdio mode the DAP stream gets private copies of file descriptors 0 and 1; fd 1 then points at stderr and fd 0
at /dev/null, so nothing else (a print, a child process) can ever write into the editor's stream.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from lambda_dap.dap.protocol import MessageReader, MessageWriter
from lambda_dap.dap.session import DapSession, Engine

log = logging.getLogger(__name__)

CLOSE_ALL_TIMEOUT_S = 2.0


class Stopped(BaseException):
    """SIGTERM arrived: unwind the main thread like Ctrl-C."""


def _raise_stopped(signum: int, frame: Any) -> None:
    raise Stopped()


@contextlib.contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    previous = signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def take_stdio() -> tuple[BinaryIO, BinaryIO]:
    """The DAP input and output streams; fds 0/1 and sys.stdout no longer reach the editor."""
    sys.stdout.flush()
    dap_in, dap_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(dap_in, "rb"), os.fdopen(dap_out, "wb")


def serve_stdio(
    *, engine: Engine | None = None, parse_launch: Callable[..., Any] | None = None, cwd: Path | None = None
) -> int:
    """One DAP session on stdin/stdout; returns the exit code."""
    reader_stream, writer_stream = take_stdio()
    session = DapSession(
        MessageReader(reader_stream),
        MessageWriter(writer_stream),
        cwd=cwd,
        name="stdio",
        engine=engine,
        parse_launch=parse_launch,
    )
    try:
        with _stop_on_sigterm():
            session.run()
    except (KeyboardInterrupt, Stopped) as stop:
        log.info("stdio: interrupted; ending the session")
        session.close()
        return 143 if isinstance(stop, Stopped) else 130
    return 0


class PortServer:
    """Accepts DAP connections on 127.0.0.1; each gets its own thread and its own `DapSession`."""

    def __init__(
        self,
        port: int,
        *,
        host: str = "127.0.0.1",
        engine: Engine | None = None,
        parse_launch: Callable[..., Any] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self._listener = socket.create_server((host, port))
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._engine = engine
        self._parse_launch = parse_launch
        self._cwd = cwd
        self._lock = threading.Lock()
        self._sessions: dict[DapSession, socket.socket] = {}
        self._closed = False
        self._count = 0

    def serve_forever(self) -> None:
        while True:
            try:
                conn, peer = self._listener.accept()
            except OSError:
                if self._closed:
                    return
                raise
            self._count += 1
            name = f"tcp-{self._count}"
            log.info("%s: connection from %s:%s", name, *peer[:2])
            threading.Thread(target=self._serve, args=(conn, name), name=name, daemon=True).start()

    def _serve(self, conn: socket.socket, name: str) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        session = DapSession(
            MessageReader(conn.makefile("rb")),
            MessageWriter(conn.makefile("wb")),
            cwd=self._cwd,
            name=name,
            engine=self._engine,
            parse_launch=self._parse_launch,
        )
        with self._lock:
            if self._closed:
                conn.close()
                return
            self._sessions[session] = conn
        try:
            session.run()
        finally:
            with self._lock:
                self._sessions.pop(session, None)
            _close_socket(conn)

    def close(self) -> None:
        """Stop accepting and end every session at once (each removes its container)."""
        with self._lock:
            self._closed = True
            sessions = list(self._sessions.items())
        _close_socket(self._listener)
        closers = [threading.Thread(target=session.close, daemon=True) for session, _ in sessions]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join(CLOSE_ALL_TIMEOUT_S)
        for _, conn in sessions:
            _close_socket(conn)


def _close_socket(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


def serve_port(
    port: int, *, engine: Engine | None = None, parse_launch: Callable[..., Any] | None = None, cwd: Path | None = None
) -> int:
    """DAP sessions on 127.0.0.1:`port` (0: any free port) until SIGINT/SIGTERM; returns the exit code."""
    sys.stdout = sys.stderr
    server = PortServer(port, engine=engine, parse_launch=parse_launch, cwd=cwd)
    host, bound = server.address
    print(f"lambda-dap: DAP server listening on {host}:{bound}", file=sys.stderr, flush=True)
    try:
        with _stop_on_sigterm():
            server.serve_forever()
    except (KeyboardInterrupt, Stopped) as stop:
        log.info("port %s: interrupted; ending every session", bound)
        server.close()
        return 143 if isinstance(stop, Stopped) else 130
    return 0


def configure_dap_logging(log_file: str | None) -> None:
    """Logs never go to stdout (in stdio mode it is the DAP stream): a file at DEBUG, else stderr at WARNING."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    if log_file:
        handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
        root.setLevel(logging.DEBUG)
        for noisy in ("urllib3", "docker", "botocore", "boto3"):
            logging.getLogger(noisy).setLevel(logging.INFO)
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("lambda-dap: %(levelname)s: %(message)s"))
        root.setLevel(logging.WARNING)
    root.addHandler(handler)


def run_dap_server(*, stdio: bool, port: int | None, log_file: str | None) -> int:
    """The `lambda-dap --stdio` / `--port N` command body."""
    configure_dap_logging(log_file)
    if stdio:
        return serve_stdio()
    assert port is not None
    return serve_port(port)
