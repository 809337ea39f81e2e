"""A host directory mounted read-write into the container, where the launcher and lambda-dap meet.

It holds the launcher itself and lambda-dap's runtime client (copied in: one mount instead of two, and each mount
costs a container start several milliseconds). The launcher writes there which extensions it started
(`extensions`), each extension's output (`ext-NAME.log`) and exit status (`ext-NAME.exit`), then blocks reading the
FIFO `go` until lambda-dap lets the runtime start (after every extension registered, as Lambda's init does).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path

MOUNT = "/var/lambda-dap"


class RunDirectory:
    def __init__(self, files: Iterable[Path] = ()) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=f"lambda-dap-run-{os.getpid()}-"))
        self.path.chmod(0o777)
        for file in files:
            shutil.copy2(file, self.path / file.name)
        self._go = self.path / "go"
        os.mkfifo(self._go, 0o666)
        self._offsets: dict[str, int] = {}
        self._partial: dict[str, bytes] = {}
        self._seen_exits: set[str] = set()
        self._released = False

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

    def new_output(self, final: bool = False) -> list[tuple[str, str]]:
        """(extension, line) for every complete line written since the last call (`final`: partial lines too)."""
        lines: list[tuple[str, str]] = []
        for log in sorted(self.path.glob("ext-*.log")):
            name = log.name[4:-4]
            try:
                with open(log, "rb") as handle:
                    handle.seek(self._offsets.get(name, 0))
                    data = handle.read()
            except OSError:
                continue
            self._offsets[name] = self._offsets.get(name, 0) + len(data)
            data = self._partial.pop(name, b"") + data
            *complete, rest = data.split(b"\n")
            if final and rest:
                complete.append(rest)
            elif rest:
                self._partial[name] = rest
            lines.extend((name, raw.decode("utf-8", errors="replace").rstrip("\r")) for raw in complete)
        return lines

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
        with contextlib.suppress(OSError):  # unblock a writer thread waiting for a reader that will never come
            os.close(os.open(self._go, os.O_RDONLY | os.O_NONBLOCK))
        shutil.rmtree(self.path, ignore_errors=True)
