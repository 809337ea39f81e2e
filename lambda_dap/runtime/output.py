"""Turning a container's raw output into lines: UTF-8 decoded, `\\r` treated as a line break.

awslambdaric joins the lines of an error report with `\\r` (so CloudWatch keeps them in one event); on a terminal
that would overwrite itself, so each piece becomes its own line, as SAM does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class LineAssembler:
    """Buffers byte chunks and calls `emit` once per complete line (thread-safe)."""

    def __init__(self, emit: Callable[[str], None]) -> None:
        self._emit = emit
        self._pending = b""
        self._lock = threading.Lock()

    def feed(self, chunk: bytes) -> None:
        with self._lock:
            data = self._pending + chunk
            *lines, self._pending = data.split(b"\n")
        for line in lines:
            self._emit_line(line)

    def flush(self) -> None:
        with self._lock:
            rest, self._pending = self._pending, b""
        if rest:
            self._emit_line(rest)

    def _emit_line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace").removesuffix("\r")
        for piece in text.split("\r"):
            self._emit(piece)
