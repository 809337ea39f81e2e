"""How `lambda-dap invoke` shows a session's events: the result on stdout, everything else as lines on stderr.

The function's output arrives as exact bytes; it is cut into lines here (`\\r` is a line break too, as SAM shows
awslambdaric's multi-line error reports) and a partial line is ended, on a line of its own, when the invocation
ends. Every line goes to `--log-file` as well.

With `one_line` (a script of events, `--events`), each result is one line of stdout, whatever it holds: a JSON
result without its insignificant whitespace (every other byte kept), anything else as a JSON string of its text.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from pathlib import Path
from typing import IO

from lambda_dap.errors import OptionError
from lambda_dap.invoke import events
from lambda_dap.runtime.output import LineAssembler


class InvokeRenderer:
    """An event sink for `InvokeSession`; thread-safe. Use as a context manager (it owns the log file)."""

    def __init__(
        self,
        log_file: Path | None = None,
        *,
        stdout: IO[bytes] | None = None,
        stderr: IO[str] | None = None,
        one_line: bool = False,
    ) -> None:
        self._one_line = one_line
        self._stdout = stdout or sys.stdout.buffer
        self._stdout_is_terminal = stdout is None and sys.stdout.isatty()
        self._stderr = stderr or sys.stderr
        self._lock = threading.RLock()
        self._file: IO[str] | None = None
        self._outputs: dict[tuple[str, str], LineAssembler] = {}
        self._pull_lines: dict[tuple[str, str], str | None] = {}  # the last line shown per (image, layer)
        if log_file is not None:
            try:
                self._file = open(log_file, "w", encoding="utf-8")  # noqa: SIM115 - closed by __exit__
            except OSError as e:
                raise OptionError(f"Cannot open --log-file {log_file}: {e.strerror or e}") from e

    def __enter__(self) -> InvokeRenderer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.flush_output()
        if self._file is not None:
            self._file.close()

    def __call__(self, event: events.Event) -> None:
        with self._lock:
            if isinstance(event, events.FunctionOutput):
                self._assembler(event.source, event.stream).feed(event.data)
            elif isinstance(event, events.ResultPosted):
                self._print_result(event.result.payload)
            elif isinstance(event, events.ImagePull):
                self._pull_progress(event)
            else:
                if isinstance(event, events.InvocationEnded):
                    self.flush_output()
                if event.text is not None:
                    self.line(event.text)

    def _assembler(self, source: str, stream: str) -> LineAssembler:
        key = (source, stream)
        if key not in self._outputs:
            self._outputs[key] = LineAssembler(self.line)
        return self._outputs[key]

    def flush_output(self) -> None:
        """End every partial line of output (the invocation is over)."""
        with self._lock:
            for assembler in self._outputs.values():
                assembler.flush()

    def _pull_progress(self, event: events.ImagePull) -> None:
        """One line per layer and status change, not per byte count; the pull as a whole says "Pulling" once,
        however many statuses without a layer (`Digest: ...`, `Status: ...`) the engine sends for it."""
        key, text = (event.image, event.layer), event.text
        if self._pull_lines.get(key) == text:
            return
        self._pull_lines[key] = text
        if text is not None:
            self.line(text)

    def _print_result(self, payload: bytes) -> None:
        """The function's answer, as soon as the runtime posts it: byte-exact, a line of its own on a terminal
        (with `one_line`: always one line)."""
        if self._one_line:
            self._stdout.write(one_line_result(payload) + b"\n")
        elif self._stdout_is_terminal:
            self._stdout.write(payload + b"\n")
        else:
            self._stdout.write(payload)
        self._stdout.flush()

    def line(self, text: str) -> None:
        with self._lock:
            self._stderr.write(text + "\n")
            self._stderr.flush()
            if self._file is not None:
                self._file.write(text + "\n")
                self._file.flush()


_STRING_OR_SPACE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[ \t\n\r]+')
_LINE_BREAKS = str.maketrans({"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def one_line_result(payload: bytes) -> bytes:
    """A result as one line that parses as JSON: JSON (UTF-8) without the whitespace between its tokens, every
    string, number and key kept as written; anything else as a JSON string of its text. The characters
    `str.splitlines()` also breaks at (U+0085, U+2028, U+2029: raw only inside JSON strings) are escaped."""
    try:
        text = payload.decode("utf-8")
        json.loads(text)
    except ValueError:  # UnicodeDecodeError included
        line = json.dumps(payload.decode("utf-8", errors="replace"), ensure_ascii=False)
    else:
        line = _STRING_OR_SPACE.sub(lambda match: match[0] if match[0][0] == '"' else "", text)
    return line.translate(_LINE_BREAKS).encode()
