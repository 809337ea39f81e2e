"""lambda-dap's side of the link to its agent in a container (runtime/container_files/lambda_dap_agent.py), for an
engine that shares no network with this machine: the container's stdin and stdout, attached through the Engine API,
carry frames (a type byte, a channel u32, a length u32, the payload) in both directions.

Channels are TCP connections carried over the link: each connection the runtime (or an extension) opens to the
Runtime API's address in the container arrives as ACCEPT and is joined here to `accept_to`, lambda-dap's own server;
`dial()` opens one the other way, to a server in the container (the debugger, a telemetry listener). The agent also
sends what the runtime writes (OUTPUT) and the launcher's files for the extensions (FILE), always before the
channel data that follows them; lambda-dap sends GO and DEADLINE.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import queue
import socket
import struct
import threading
from collections.abc import Callable, Iterator

log = logging.getLogger(__name__)

ACCEPT, OPEN, OPENED, DATA, EOF, CLOSE, OUTPUT, FILE, GO, DEADLINE, EXIT, MEMORY = range(1, 13)
SYNC = 13  # a sidecar agent (invoke/sidecar.py): everything it read so far is out once the frame comes back
HEADER = struct.Struct(">BII")
DOCKER_HEADER = struct.Struct(">BxxxL")
RUNTIME_STDOUT, RUNTIME_STDERR, LAUNCHER_STDOUT, LAUNCHER_STDERR = 1, 2, 3, 4
OPEN_REPLY_S = 10.0  # how long a dial waits for the agent's answer (a round trip to the engine's machine)
MEMORY_REPLY_S = 2.0
_CHUNK = 65536

OutputSink = Callable[[int, bytes], None]  # (RUNTIME_STDOUT | RUNTIME_STDERR, data)
FileSink = Callable[[str, bool, bytes], None]  # (name, append, data)


class AgentLink:
    """The frames over one attached container connection, and the channels they carry."""

    def __init__(
        self,
        sock: socket.socket,
        received: bytes,
        *,
        accept_to: tuple[str, int],
        on_output: OutputSink,
        on_file: FileSink,
    ) -> None:
        """`sock` is the attach connection and `received` what already came on it."""
        self._sock = sock
        self._pending = received
        self._accept_to = accept_to
        self._on_output = on_output
        self._on_file = on_file
        self._send_lock = threading.Lock()
        self._channels: dict[int, _Channel] = {}
        self._dials: dict[int, tuple[threading.Event, list[str | None]]] = {}
        self._channel_ids = itertools.count(1, 2)  # ours are odd, the agent's even
        self._lock = threading.Lock()
        self._closed = False
        self.exit_status: int | None = None  # the launcher's, as the agent reported it
        self._memory_answers: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._memory_lock = threading.Lock()
        self._syncs: dict[int, threading.Event] = {}
        self._sync_ids = itertools.count(1)

    # --- what lambda-dap sends -----------------------------------------------------------------------------------

    def send(self, kind: int, channel: int = 0, payload: bytes = b"") -> None:
        data = HEADER.pack(kind, channel, len(payload)) + payload
        with self._send_lock:
            if self._closed:
                raise OSError("the link to the container is closed")
            self._sock.sendall(data)

    def release_runtime(self) -> None:
        with contextlib.suppress(OSError):
            self.send(GO)

    def write_deadline(self, text: str) -> None:
        with contextlib.suppress(OSError):
            self.send(DEADLINE, 0, text.encode())

    def peak_memory(self) -> int | None:
        """The container's peak memory in bytes, as its cgroup inside counts it (None: unknown, or it is gone)."""
        with self._memory_lock:
            try:
                self.send(MEMORY)
                return self._memory_answers.get(timeout=MEMORY_REPLY_S)
            except (OSError, queue.Empty):
                return None

    def sync(self, timeout: float) -> bool:
        """Ask the agent to send all it has read so far (the runtime's output, the launcher's files) and wait until
        it has been handed on here; False when no answer came within `timeout` or the link ended."""
        number = next(self._sync_ids)
        answered = threading.Event()
        with self._lock:
            self._syncs[number] = answered
        try:
            self.send(SYNC, number)
            return answered.wait(timeout) and not self._closed
        except OSError:
            return False
        finally:
            with self._lock:
                self._syncs.pop(number, None)

    def dial(self, address: tuple[str, int], timeout: float | None = None) -> socket.socket:
        """A connection to `address` as seen inside the container; raises ConnectionRefusedError (or another
        OSError) as a socket would. `timeout` is the returned socket's."""
        channel = next(self._channel_ids)
        answered, reason = threading.Event(), [None]
        ours, theirs = socket.socketpair()
        with self._lock:
            self._dials[channel] = (answered, reason)
            self._channels[channel] = _Channel(self, channel, ours)
        try:
            self.send(OPEN, channel, f"{address[0]}:{address[1]}".encode())
            if not answered.wait(OPEN_REPLY_S):
                raise TimeoutError(f"no answer from the container for {address[0]}:{address[1]}")
        except BaseException:
            self._forget(channel)
            theirs.close()
            raise
        finally:
            with self._lock:
                self._dials.pop(channel, None)
        if reason[0] is not None:
            self._forget(channel)
            theirs.close()
            raise ConnectionRefusedError(111, reason[0])
        self._channels[channel].start()
        theirs.settimeout(timeout)
        return theirs

    # --- what the agent sends ------------------------------------------------------------------------------------

    def frames(self) -> Iterator[tuple[int, bytes]]:
        """Read the link until the container ends; yields what is container output for lambda-dap's log stream,
        (1 stdout | 2 stderr, data): the launcher's own output, and anything the agent writes to stderr."""
        decoder = _FrameDecoder()
        buffer = self._pending
        self._pending = b""
        try:
            while True:
                while len(buffer) < DOCKER_HEADER.size or len(buffer) < DOCKER_HEADER.size + _size(buffer):
                    data = self._sock.recv(_CHUNK)
                    if not data:
                        return
                    buffer += data
                stream, size = DOCKER_HEADER.unpack_from(buffer)
                payload = buffer[DOCKER_HEADER.size : DOCKER_HEADER.size + size]
                buffer = buffer[DOCKER_HEADER.size + size :]
                if stream != 1:
                    yield 2, payload
                    continue
                for kind, channel, body in decoder.feed(payload):
                    yield from self._on_frame(kind, channel, body)
        except OSError as e:
            log.debug("the link to the container ended: %s", e)
        finally:
            self.close()

    def _on_frame(self, kind: int, channel: int, payload: bytes) -> Iterator[tuple[int, bytes]]:
        if kind == OUTPUT:
            if channel in (LAUNCHER_STDOUT, LAUNCHER_STDERR):
                yield (1 if channel == LAUNCHER_STDOUT else 2), payload
            else:
                self._on_output(channel, payload)
        elif kind == FILE:
            mode, name_data = payload[:1], payload[1:]
            name, _, data = name_data.partition(b"\0")
            self._on_file(name.decode(), mode == b"a", data)
        elif kind == DATA:
            state = self._channels.get(channel)
            if state is not None:
                state.outbox.put(payload)
        elif kind == EOF:
            state = self._channels.get(channel)
            if state is not None:
                state.outbox.put(None)
        elif kind == CLOSE:
            self._on_close(channel, payload)
        elif kind == ACCEPT:
            self._on_accept(channel)
        elif kind == OPENED:
            self._answer(channel, None)
        elif kind == EXIT:
            self.exit_status = int(payload or b"0")
        elif kind == MEMORY:
            self._memory_answers.put(int(payload) if payload.isdigit() else None)
        elif kind == SYNC:
            with self._lock:
                answered = self._syncs.get(channel)
            if answered is not None:
                answered.set()

    def _on_accept(self, channel: int) -> None:
        try:
            sock = socket.create_connection(self._accept_to, timeout=5.0)
        except OSError as e:
            log.debug("cannot join channel %d to %s: %s", channel, self._accept_to, e)
            with contextlib.suppress(OSError):
                self.send(CLOSE, channel)
            return
        sock.settimeout(None)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        state = _Channel(self, channel, sock)
        with self._lock:
            self._channels[channel] = state
        state.start()

    def _on_close(self, channel: int, reason: bytes) -> None:
        with self._lock:
            dialling = channel in self._dials
        if dialling:
            self._answer(channel, reason.decode(errors="replace") or "refused")
            return
        state = self._channels.get(channel)
        if state is not None:
            state.outbox.put(_CLOSED)

    def _answer(self, channel: int, reason: str | None) -> None:
        with self._lock:
            waiting = self._dials.get(channel)
        if waiting is not None:
            waiting[1][0] = reason
            waiting[0].set()

    def _forget(self, channel: int) -> None:
        with self._lock:
            state = self._channels.pop(channel, None)
        if state is not None:
            state.sock.close()

    def close(self) -> None:
        """End the link and every channel (idempotent)."""
        with self._send_lock:
            if self._closed:
                return
            self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        with self._lock:
            channels, self._channels = list(self._channels.values()), {}
            dials = list(self._dials.values())
            syncs = list(self._syncs.values())
        for state in channels:
            state.outbox.put(_CLOSED)
        for answered, reason in dials:
            reason[0] = "the container ended"
            answered.set()
        self._memory_answers.put(None)  # a caller waiting for an answer gets none
        for answered in syncs:
            answered.set()  # ... and one waiting for a sync learns the link is closed


_CLOSED = object()


class _Channel:
    """One carried connection: a thread copying from its local socket to the link, one writing what comes back."""

    def __init__(self, link: AgentLink, channel: int, sock: socket.socket) -> None:
        self.link, self.channel, self.sock = link, channel, sock
        self.outbox: queue.SimpleQueue[object] = queue.SimpleQueue()  # bytes, None (EOF) or _CLOSED

    def start(self) -> None:
        threading.Thread(target=self._upstream, name=f"link-{self.channel}-up", daemon=True).start()
        threading.Thread(target=self._downstream, name=f"link-{self.channel}-down", daemon=True).start()

    def _upstream(self) -> None:
        while True:
            try:
                data = self.sock.recv(_CHUNK)
            except OSError:
                data = b""
            try:
                self.link.send(DATA if data else EOF, self.channel, data)
            except OSError:
                return
            if not data:
                return

    def _downstream(self) -> None:
        while True:
            item = self.outbox.get()
            if item is _CLOSED:
                break
            if item is None:
                with contextlib.suppress(OSError):
                    self.sock.shutdown(socket.SHUT_WR)
                continue
            try:
                self.sock.sendall(item)  # type: ignore[arg-type]
            except OSError:
                with contextlib.suppress(OSError):
                    self.link.send(CLOSE, self.channel)
                break
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.link._forget(self.channel)


class _FrameDecoder:
    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> Iterator[tuple[int, int, bytes]]:
        self._buffer += data
        while len(self._buffer) >= HEADER.size:
            kind, channel, length = HEADER.unpack_from(self._buffer)
            end = HEADER.size + length
            if len(self._buffer) < end:
                return
            payload, self._buffer = self._buffer[HEADER.size : end], self._buffer[end:]
            yield kind, channel, payload


def _size(buffer: bytes) -> int:
    return DOCKER_HEADER.unpack_from(buffer)[1] if len(buffer) >= DOCKER_HEADER.size else 0
