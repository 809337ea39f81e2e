"""`OutputPipes`: the runtime's stdout and stderr through two FIFOs, read by lambda-dap, every byte in order.

Writers here are threads and processes that open the FIFOs as the container's launcher does (`exec >"$RUN/stdout"`).
Nothing sleeps: `drain()` is synchronous, so each test writes, drains and asserts.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambda_dap.runtime.pipes import STREAMS, OutputPipes

SAFETY_S = 60  # only bounds a test that is already failing (a writer blocked forever)


class Collected:
    """The sink: every (stream, data) call, and each stream's bytes joined."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[tuple[str, bytes]] = []

    def __call__(self, stream: str, data: bytes) -> None:
        with self._lock:
            self.calls.append((stream, data))

    def bytes(self, stream: str) -> bytes:
        with self._lock:
            return b"".join(data for name, data in self.calls if name == stream)


@pytest.fixture
def collected() -> Collected:
    return Collected()


@pytest.fixture
def pipes(tmp_path, collected) -> Iterator[OutputPipes]:
    running = OutputPipes(tmp_path, collected)
    yield running
    running.close()


def write_all(path: Path, data: bytes, piece: int) -> None:
    """Open `path` as a writer would (blocking), write `data` in `piece`-sized writes, close."""
    fd = os.open(path, os.O_WRONLY)
    try:
        for start in range(0, len(data), piece):
            view = memoryview(data)[start : start + piece]
            while view:
                view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def run_writers(*writers: threading.Thread) -> None:
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(SAFETY_S)
        assert not writer.is_alive(), "a writer is blocked: nobody reads the pipe"


def open_fds() -> dict[int, str]:
    """This process's open descriptors and what each refers to."""
    fds = {}
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(FileNotFoundError):  # the directory listing's own descriptor is gone
            fds[int(name)] = os.readlink(f"/proc/self/fd/{name}")
    return fds


def test_the_fifos_are_made_in_the_directory(tmp_path, pipes):
    for stream in STREAMS:
        assert stat.S_ISFIFO((tmp_path / stream).stat().st_mode)


def test_drain_delivers_everything_written_before_it(tmp_path, pipes, collected):
    writers = {stream: os.open(tmp_path / stream, os.O_WRONLY) for stream in STREAMS}
    try:
        expected = {stream: b"" for stream in STREAMS}
        for round_ in range(200):
            for stream, fd in writers.items():
                data = f"{stream} {round_}: partial" if round_ % 3 else f"{stream} {round_}\n"
                os.write(fd, data.encode())
                expected[stream] += data.encode()
            pipes.drain()  # no waiting: what was written is in the pipe, and drain hands all of it over
            assert {stream: collected.bytes(stream) for stream in STREAMS} == expected
    finally:
        for fd in writers.values():
            os.close(fd)


def test_drain_with_nothing_written_delivers_nothing(pipes, collected):
    pipes.drain()
    pipes.drain()
    assert collected.calls == []


def test_every_byte_arrives_in_order_per_stream(tmp_path, pipes, collected):
    lines = {stream: b"".join(f"{stream} line {n:05d}\n".encode() for n in range(20000)) for stream in STREAMS}
    run_writers(
        *(threading.Thread(target=write_all, args=(tmp_path / stream, data, 37)) for stream, data in lines.items())
    )
    pipes.drain()
    for stream, data in lines.items():
        assert collected.bytes(stream) == data
    assert all(data for _, data in collected.calls)  # never an empty delivery


def test_several_megabytes_arrive_whole(tmp_path, pipes, collected):
    generator = random.Random(16)
    payloads = {"stdout": generator.randbytes(8 << 20), "stderr": generator.randbytes(3 << 20)}  # > the pipes hold
    run_writers(
        *(
            threading.Thread(target=write_all, args=(tmp_path / stream, data, 1 << 16))
            for stream, data in payloads.items()
        )
    )
    pipes.drain()
    for stream, data in payloads.items():
        received = collected.bytes(stream)
        assert len(received) == len(data)
        assert received == data


def test_a_writer_process_that_leaves_a_partial_line_and_exits(tmp_path, pipes, collected):
    script = 'exec >"$1/stdout" 2>"$1/stderr"; printf "out, no newline"; printf "err, no newline" >&2'
    subprocess.run(["sh", "-c", script, "sh", str(tmp_path)], check=True, timeout=SAFETY_S)
    pipes.drain()
    assert collected.bytes("stdout") == b"out, no newline"
    assert collected.bytes("stderr") == b"err, no newline"

    # the runtime restarts: a new writer, the same pipes, nothing lost or ended in between
    code = f"import os; fd = os.open({str(tmp_path / 'stdout')!r}, os.O_WRONLY); os.write(fd, b' ...and more\\n')"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=SAFETY_S)
    pipes.drain()
    assert collected.bytes("stdout") == b"out, no newline ...and more\n"


def test_a_writer_never_blocks_opening_its_end(tmp_path, pipes):
    for _ in range(3):  # before any writer, and again after one has come and gone
        for stream in STREAMS:
            try:  # a non-blocking open for writing fails with ENXIO exactly when no reader has the FIFO open
                fd = os.open(tmp_path / stream, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as e:
                assert e.errno != errno.ENXIO, "no reader: the container would block opening its end"
                raise
            os.write(fd, b"x")
            os.close(fd)
        pipes.drain()


def test_close_delivers_what_is_left(tmp_path, collected):
    pipes = OutputPipes(tmp_path, collected)
    fd = os.open(tmp_path / "stderr", os.O_WRONLY)
    os.write(fd, b"last words, no newline")
    os.close(fd)
    pipes.close()
    assert collected.bytes("stderr") == b"last words, no newline"


def test_close_is_idempotent_and_leaves_no_descriptor_or_thread(tmp_path, collected):
    threads_before = set(threading.enumerate())
    fds_before = open_fds()
    pipes = OutputPipes(tmp_path, collected)
    opened = {fd: target for fd, target in open_fds().items() if fds_before.get(fd) != target}
    assert len(opened) >= 6  # two read ends, the two write ends it keeps, its wake-up pipe
    assert set(threading.enumerate()) - threads_before  # its reader thread

    pipes.close()
    pipes.close()
    pipes.drain()  # harmless once closed
    fds_after = open_fds()
    assert len(fds_after) == len(fds_before)
    assert not {fd for fd, target in opened.items() if fds_after.get(fd) == target}
    assert set(threading.enumerate()) - threads_before == set()


def test_output_written_after_close_is_not_delivered(tmp_path, collected):
    pipes = OutputPipes(tmp_path, collected)
    pipes.close()
    with pytest.raises(OSError) as caught:  # nobody reads any more: a writer is told so, rather than blocking
        os.open(tmp_path / "stdout", os.O_WRONLY | os.O_NONBLOCK)
    assert caught.value.errno == errno.ENXIO
    assert collected.calls == []
