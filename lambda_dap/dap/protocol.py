"""The DAP base protocol: `Content-Length` framed UTF-8 JSON messages over a byte stream.

`MessageReader` reads one message at a time and turns every kind of bad input into a `ProtocolError`: with
`recoverable=True` when the bad frame was skipped (its length was known) and the next `read()` can go on, with
`recoverable=False` when the framing is lost; every later `read()` then raises again. `MessageWriter` numbers what it
sends (`seq` 1, 2, ...) under one lock, so seqs come out in write order from any number of threads.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from typing import Any, BinaryIO

from lambda_dap.errors import ProtocolError

log = logging.getLogger(__name__)

__all__ = ["MessageReader", "MessageWriter", "ProtocolError", "encode", "incoming"]

_LENGTH = re.compile(rb"[0-9]{1,20}")
_SKIP_CHUNK = 65536


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def encode(message: dict[str, Any]) -> bytes:
    """One framed message: the `Content-Length` header (body length in bytes) and the UTF-8 JSON body."""
    try:
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (possible in strings a debugger sent): escape it instead
        body = json.dumps(message, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class MessageReader:
    """Reads DAP messages (JSON objects) from a binary stream."""

    def __init__(self, stream: BinaryIO, *, max_header_bytes: int = 8192, max_body_bytes: int = 64 * 2**20) -> None:
        self._stream = stream
        self._max_header = max_header_bytes
        self._max_body = max_body_bytes
        self._lost: str | None = None

    def read(self) -> dict[str, Any] | None:
        """The next message, or None at a clean end of stream (nothing read of a new frame)."""
        if self._lost is not None:
            raise ProtocolError(self._lost, recoverable=False)
        try:
            return self._read()
        except ProtocolError as error:
            if not error.recoverable:
                self._lost = f"the DAP stream is out of sync ({error.message})"
            raise
        except (OSError, ValueError) as error:  # a reset connection, a closed file
            self._lost = f"the DAP stream failed: {type(error).__name__}: {error}"
            raise ProtocolError(self._lost, recoverable=False) from None

    def _read(self) -> dict[str, Any] | None:
        length = self._read_header()
        if length is None:
            return None
        if length > self._max_body:
            self._skip(length)
            raise ProtocolError(
                f"DAP message body of {length} bytes exceeds the {self._max_body}-byte limit; skipped", recoverable=True
            )
        body = self._read_exactly(length)
        try:
            message = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
        except (ValueError, RecursionError) as error:
            raise ProtocolError(
                f"DAP message body is not UTF-8 JSON ({_first_line(error)}); skipped", recoverable=True
            ) from None
        if not isinstance(message, dict):
            raise ProtocolError(
                f"DAP message body is a JSON {type(message).__name__}, expected an object; skipped", recoverable=True
            )
        return message

    def _read_header(self) -> int | None:
        """The Content-Length of the next frame; None at EOF before any byte of it."""
        used = 0
        length: int | None = None
        problem: str | None = None
        started = False
        while True:
            line = self._stream.readline(self._max_header - used + 1)
            used += len(line)
            if used > self._max_header:
                raise ProtocolError(f"DAP header exceeds {self._max_header} bytes", recoverable=False)
            if not line.endswith(b"\n"):
                if not line and not started:
                    return None
                raise ProtocolError("DAP stream ended inside a header", recoverable=False)
            field = line.rstrip(b"\r\n")
            if not field:
                if not started:
                    continue  # stray blank lines between frames
                break
            started = True
            name, colon, value = field.partition(b":")
            if not colon:
                problem = problem or f"malformed DAP header line {field[:40]!r}"
            elif name.strip().lower() == b"content-length":
                value = value.strip()
                if not _LENGTH.fullmatch(value) or (length is not None and length != int(value)):
                    raise ProtocolError(
                        f"bad Content-Length {value[:40]!r}: expected one decimal byte count", recoverable=False
                    )
                length = int(value)
        if length is None:
            raise ProtocolError("DAP header has no Content-Length", recoverable=False)
        if problem is not None:
            self._skip(length)
            raise ProtocolError(f"{problem}; message skipped", recoverable=True)
        return length

    def _read_exactly(self, size: int) -> bytes:
        parts = []
        remaining = size
        while remaining:
            chunk = self._stream.read(remaining)
            if not chunk:
                raise ProtocolError(
                    f"DAP stream ended {remaining} bytes short of a {size}-byte body", recoverable=False
                )
            parts.append(chunk)
            remaining -= len(chunk)
        return b"".join(parts)

    def _skip(self, size: int) -> None:
        remaining = size
        while remaining:
            chunk = self._stream.read(min(remaining, _SKIP_CHUNK))
            if not chunk:
                raise ProtocolError(
                    f"DAP stream ended {remaining} bytes short of a {size}-byte body", recoverable=False
                )
            remaining -= len(chunk)


def incoming(reader: MessageReader, name: str) -> Iterator[dict[str, Any]]:
    """Every message `reader` gives until its stream ends or loses its framing; a bad frame that could be skipped
    is logged and skipped."""
    while True:
        try:
            message = reader.read()
        except ProtocolError as error:
            log.warning("%s: %s", name, error.message)
            if error.recoverable:
                continue
            return
        if message is None:
            log.info("%s: the stream ended", name)
            return
        yield message


class MessageWriter:
    """Writes DAP messages, numbering them 1, 2, ... in write order; safe to share between threads."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._next_seq = 1

    def send(self, message: dict[str, Any]) -> int:
        """Set `message["seq"]`, write the frame and flush; returns the seq."""
        with self._lock:
            seq = self._next_seq
            message["seq"] = seq
            frame = encode(message)
            self._next_seq += 1
            self._stream.write(frame)
            self._stream.flush()
            return seq


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:120] if text else type(error).__name__
