"""The runtime's stdout and stderr, read by lambda-dap itself through two FIFOs in the run directory.

The launcher points the runtime's stdout and stderr at `$RUN/stdout` and `$RUN/stderr`. A write to a pipe is in the
kernel's buffer the moment the write returns, so everything a function wrote before its runtime posted the answer is
readable when the answer arrives: `drain()` then delivers it, exactly, in order, partial lines included. No waiting
for the output to go quiet. Between answers a reader thread keeps the pipes flowing.

lambda-dap keeps a write end of each FIFO open itself, so the read side never sees end-of-file while the container
restarts its runtime, and the container never blocks opening its end.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import threading
from collections.abc import Callable
from pathlib import Path

from lambda_dap.threads import join_if_alive

STREAMS = ("stdout", "stderr")
PIPE_BYTES = 1 << 20  # a roomy pipe: fewer wake-ups for chatty functions (capped by /proc/sys/fs/pipe-max-size)
_CHUNK = 1 << 16
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)

OutputSink = Callable[[str, bytes], None]  # (stream, data)


class OutputPipes:
    """Creates the FIFOs in `directory`, reads them, and hands every byte to `sink` in order."""

    def __init__(self, directory: Path, sink: OutputSink) -> None:
        self._sink = sink
        self._lock = threading.Lock()  # held while reading *and* delivering: the two never reorder
        self._read_fds: dict[int, str] = {}
        self._keep_open: list[int] = []
        self._closed = False
        for stream in STREAMS:
            path = directory / stream
            os.mkfifo(path, 0o666)
            read_fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            self._keep_open.append(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            with contextlib.suppress(OSError):
                fcntl.fcntl(read_fd, _F_SETPIPE_SZ, PIPE_BYTES)
            self._read_fds[read_fd] = stream
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._pump, name="runtime-output", daemon=True)
        self._thread.start()

    def drain(self) -> None:
        """Deliver everything written so far (call it when the runtime answers, or once the container is gone)."""
        with self._lock:
            for fd, stream in self._read_fds.items():
                self._read_available(fd, stream)

    def _read_available(self, fd: int, stream: str) -> None:
        while not self._closed:
            try:
                data = os.read(fd, _CHUNK)
            except OSError as e:
                if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBADF):
                    return
                raise
            if not data:
                return
            self._sink(stream, data)

    def _pump(self) -> None:
        poller = select.poll()
        for fd in self._read_fds:
            poller.register(fd, select.POLLIN)
        poller.register(self._wake_read, select.POLLIN)
        while not self._closed:
            try:
                ready = poller.poll()
            except InterruptedError:
                continue
            for fd, _ in ready:
                if fd == self._wake_read:
                    return
                with self._lock:
                    self._read_available(fd, self._read_fds[fd])

    def close(self) -> None:
        """Deliver what is left, stop reading and close every descriptor (idempotent)."""
        if self._closed:
            return
        self.drain()
        with self._lock:
            self._closed = True
        os.write(self._wake_write, b"x")
        join_if_alive(self._thread, 2)
        for fd in [*self._read_fds, *self._keep_open, self._wake_read, self._wake_write]:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._read_fds.clear()
        self._keep_open.clear()
