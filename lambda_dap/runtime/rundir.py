"""A host directory mounted read-write into the container, where the launcher and lambda-dap meet.

It holds the launcher itself and lambda-dap's runtime client (copied in: one mount instead of two, and each mount
costs a container start several milliseconds). The launcher writes there which extensions it started
(`extensions`), each extension's output (`ext-NAME.log`) and exit status (`ext-NAME.exit`), then blocks reading the
FIFO `go` until lambda-dap lets the runtime start (after every extension registered, as Lambda's init does).
The runtime's stdout and stderr go to the FIFOs `stdout` and `stderr` (runtime/pipes.py), and `deadline` tells a
Python runtime started by lambda-dap how much time its context has left (frozen while a debugger is stopped).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path

MOUNT = "/var/lambda-dap"
CLOSE_ATTEMPTS = 50
CLOSE_RETRY_S = 0.01


class RunDirectory:
    def __init__(self, files: Iterable[Path] = ()) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=f"lambda-dap-run-{os.getpid()}-"))
        try:
            self.path.chmod(0o777)
            for file in files:
                shutil.copy2(file, self.path / file.name)
            self._go = self.path / "go"
            os.mkfifo(self._go, 0o666)
        except BaseException:
            shutil.rmtree(self.path, ignore_errors=True)
            raise
        self._offsets: dict[str, int] = {}
        self._seen_exits: set[str] = set()
        self._released = False
        self._closed = False

    def extension_names(self) -> list[str] | None:
        """The extensions the launcher started, in order; None until it has said."""
        try:
            text = (self.path / "extensions").read_text()
        except OSError:
            return None
        return [line for line in text.splitlines() if line]

    def release_runtime(self) -> None:
        """Let the launcher start the runtime (from a thread: opening a FIFO blocks until the reader is there)."""
        if self._released:
            return
        self._released = True

        def write() -> None:
            with contextlib.suppress(OSError), open(self._go, "w") as fifo:
                fifo.write("go\n")

        threading.Thread(target=write, name="release-runtime", daemon=True).start()

    def new_output(self) -> list[tuple[str, bytes]]:
        """(extension, bytes) for everything each extension wrote since the last call."""
        chunks: list[tuple[str, bytes]] = []
        for log in sorted(self.path.glob("ext-*.log")):
            name = log.name[4:-4]
            try:
                with open(log, "rb") as handle:
                    handle.seek(self._offsets.get(name, 0))
                    data = handle.read()
            except OSError:
                continue
            if data:
                self._offsets[name] = self._offsets.get(name, 0) + len(data)
                chunks.append((name, data))
        return chunks

    def write_deadline(self, request_id: str, *, paused: bool, value_ms: int) -> None:
        """What `context.get_remaining_time_in_millis()` answers: `value_ms` left while paused, else the epoch
        deadline in ms. Replaced atomically: the runtime never reads half a file."""
        if self._closed:
            return
        staging = self.path / "deadline.new"
        with contextlib.suppress(OSError):
            staging.write_text(deadline_line(request_id, paused=paused, value_ms=value_ms))
            staging.chmod(0o644)
            os.replace(staging, self.path / "deadline")

    def new_exits(self) -> list[tuple[str, int]]:
        """(extension, exit status) for every extension that ended since the last call."""
        exits = []
        for marker in sorted(self.path.glob("ext-*.exit")):
            name = marker.name[4:-5]
            if name in self._seen_exits:
                continue
            try:
                status = int(marker.read_text().strip() or "0")
            except (OSError, ValueError):
                continue
            self._seen_exits.add(name)
            exits.append((name, status))
        return exits

    def close(self) -> None:
        """Delete the directory. A container being killed, or a thread of ours, may still write a file into it
        while it goes (rmtree then fails on a directory that is no longer empty): try again until it is gone."""
        self._closed = True
        with contextlib.suppress(OSError):  # unblock a writer thread waiting for a reader that will never come
            os.close(os.open(self._go, os.O_RDONLY | os.O_NONBLOCK))
        for _ in range(CLOSE_ATTEMPTS):
            shutil.rmtree(self.path, ignore_errors=True)
            if not self.path.exists():
                return
            time.sleep(CLOSE_RETRY_S)


def deadline_line(request_id: str, *, paused: bool, value_ms: int) -> str:
    """The `deadline` file's one line, as lambda_dap_clock.py reads it."""
    return f"{request_id} {'paused' if paused else 'running'} {value_ms}\n"
