"""A strict Debug Adapter Protocol client for tests, over a subprocess's pipes or TCP.

It numbers its own messages, validates every message in both directions against the DAP JSON schema, checks the
adapter's numbering (seq 1, 2, 3, ... and every response answering one of our requests, once, with its command),
records events, waits for an event or a response with a timeout, and answers reverse requests (`startDebugging`,
`runInTerminal`) through handlers a test registers. Its framing is its own, independent of lambda_dap's, and strict:
anything on the adapter's stdout that is not a `Content-Length` frame is a violation.

    with DapClient.spawn([sys.executable, "-m", "lambda_dap", "--stdio"]) as dap:
        dap.initialize()
        launch_seq = dap.send_request("launch", {...})
        dap.wait_event("initialized")
        ...
        dap.wait_response(launch_seq)

Violations are collected by the reader thread and raised (DapProtocolViolation) by the next wait and by close().
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

from tests.dap.dap_schema import InvalidDapMessage, validate_message

DEFAULT_TIMEOUT_S = 15.0
MAX_HEADER_LINE = 1024

# What VS Code 1.9x sends (its own initialize arguments), minus the adapterID, which the caller picks.
VSCODE_INITIALIZE_ARGUMENTS: dict[str, Any] = {
    "clientID": "vscode",
    "clientName": "Visual Studio Code",
    "pathFormat": "path",
    "linesStartAt1": True,
    "columnsStartAt1": True,
    "supportsVariableType": True,
    "supportsVariablePaging": True,
    "supportsRunInTerminalRequest": True,
    "locale": "en",
    "supportsProgressReporting": True,
    "supportsInvalidatedEvent": True,
    "supportsMemoryReferences": True,
    "supportsArgsCanBeInterpretedByShell": True,
    "supportsMemoryEvent": True,
    "supportsStartDebuggingRequest": True,
    "supportsANSIStyling": True,
}

Message = dict[str, Any]
ReverseHandler = Callable[[Message], "dict[str, Any] | None"]


class DapProtocolViolation(AssertionError):
    """The adapter broke the protocol: bad framing, a schema error, a wrong seq or request_seq."""


class DapTimeout(AssertionError):
    """An awaited event or response did not come in time."""


class DapClosed(AssertionError):
    """The adapter closed the connection while something was still awaited."""


class DapRequestFailed(AssertionError):
    """A request was answered with `success: false`; `.response` is that response."""

    def __init__(self, response: Message) -> None:
        super().__init__(f"{response.get('command')!r} failed: {response.get('message')!r} body={response.get('body')}")
        self.response = response


class ReverseRequestRefused(Exception):
    """Raised by a reverse-request handler to answer `success: false` with this message."""


class DapClient:
    """One DAP session with an adapter, from the client's side."""

    def __init__(
        self,
        reader: BinaryIO,
        writer: BinaryIO,
        *,
        name: str = "adapter",
        process: subprocess.Popen | None = None,
        sock: socket.socket | None = None,
        default_timeout: float = DEFAULT_TIMEOUT_S,
        strict_startup: bool = True,
        seq_in_write_order: bool = True,
    ) -> None:
        self.name = name
        self.strict_startup = strict_startup  # no event or request before the initialize response (the spec's rule)
        self.seq_in_write_order = seq_in_write_order  # the adapter's seqs arrive 1, 2, 3 (off: each once, any order)
        self.default_timeout = default_timeout
        self.process = process
        self.received: list[Message] = []  # every message from the adapter, in order
        self.sent: list[Message] = []  # every message we sent, in order
        self.events: list[Message] = []
        self.reverse_requests: list[Message] = []
        self.violations: list[str] = []
        self.closed = False  # the adapter's side of the stream has ended
        self._reader = reader
        self._writer = writer
        self._sock = sock
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._seq = 0
        self._expected_seq = 1
        self._seqs_seen: set[Any] = set()
        self._initialized_response = False
        self._pending: dict[int, str] = {}  # our request seq -> command, until answered
        self._responses: dict[int, Message] = {}
        self._taken_events: set[int] = set()
        self._handlers: dict[str, ReverseHandler] = {}
        self._stderr = bytearray()
        self._reader_thread = self._start_thread(self._read_loop, f"dap-read-{name}")
        self._stderr_thread = None
        if process is not None and process.stderr is not None:
            self._stderr_thread = self._start_thread(self._drain_stderr, f"dap-stderr-{name}")

    # -- construction ------------------------------------------------------------------------------------------

    @classmethod
    def spawn(
        cls,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike | None = None,
        name: str | None = None,
        default_timeout: float = DEFAULT_TIMEOUT_S,
        strict_startup: bool = True,
        seq_in_write_order: bool = True,
    ) -> DapClient:
        """Start an adapter that speaks DAP on its stdin/stdout; its stderr is kept (`stderr_text`)."""
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,  # a Ctrl-C in the terminal running pytest does not reach it twice
        )
        return cls(
            process.stdout,
            process.stdin,
            name=name or os.path.basename(argv[0]),
            process=process,
            default_timeout=default_timeout,
            strict_startup=strict_startup,
            seq_in_write_order=seq_in_write_order,
        )

    @classmethod
    def connect(
        cls,
        host: str,
        port: int,
        *,
        timeout: float = 10.0,
        name: str | None = None,
        default_timeout: float = DEFAULT_TIMEOUT_S,
        strict_startup: bool = True,
        seq_in_write_order: bool = True,
    ) -> DapClient:
        """Connect to an adapter serving DAP on host:port, waiting (until `timeout`) for it to listen."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((host, port), timeout=max(0.1, deadline - time.monotonic()))
                break
            except ConnectionRefusedError:
                if time.monotonic() >= deadline:
                    raise DapTimeout(f"nothing listens on {host}:{port} after {timeout} s") from None
                time.sleep(0.02)
        sock.settimeout(None)
        return cls(
            sock.makefile("rb"),
            sock.makefile("wb"),
            name=name or f"{host}:{port}",
            sock=sock,
            default_timeout=default_timeout,
            strict_startup=strict_startup,
            seq_in_write_order=seq_in_write_order,
        )

    @staticmethod
    def _start_thread(target: Callable[[], None], name: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        return thread

    # -- sending -----------------------------------------------------------------------------------------------

    def _send(self, message: Message) -> int:
        """Number, validate and write one message; returns its seq."""
        with self._write_lock:
            numbered = {"seq": self._seq + 1, **{k: v for k, v in message.items() if k != "seq"}}
            validate_message(numbered)  # a bad message from a test is the test's bug: raise before writing
            body = json.dumps(numbered, ensure_ascii=False).encode("utf-8")
            self._seq += 1
            if numbered["type"] == "request":
                with self._cond:
                    self._pending[numbered["seq"]] = numbered["command"]
            self.sent.append(numbered)
            self._writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self._writer.flush()
            return numbered["seq"]

    def send_request(self, command: str, arguments: dict[str, Any] | None = None) -> int:
        """Send a request without waiting; returns its seq (for wait_response)."""
        message: Message = {"type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        return self._send(message)

    def request(
        self, command: str, arguments: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> Message:
        """Send a request and return its response; raise DapRequestFailed when it says `success: false`."""
        response = self.try_request(command, arguments, timeout=timeout)
        if not response["success"]:
            raise DapRequestFailed(response)
        return response

    def try_request(
        self, command: str, arguments: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> Message:
        """Send a request and return its response, whether it succeeded or not."""
        return self.wait_response(self.send_request(command, arguments), timeout=timeout)

    def send_raw(self, data: bytes) -> None:
        """Write bytes as they are (bad framing on purpose); nothing is numbered or validated."""
        with self._write_lock:
            self._writer.write(data)
            self._writer.flush()

    def on_request(self, command: str, handler: ReverseHandler) -> None:
        """Answer the adapter's `command` requests with handler(request) -> body (raise ReverseRequestRefused)."""
        self._handlers[command] = handler

    # -- receiving ---------------------------------------------------------------------------------------------

    def _violation(self, text: str) -> None:
        with self._cond:
            self.violations.append(text)
            self._cond.notify_all()

    def _read_frame(self) -> bytes | None:
        """One frame's body; None at a clean EOF (between frames). Framing errors raise DapProtocolViolation."""
        length: int | None = None
        header_lines = 0
        while True:
            line = self._reader.readline(MAX_HEADER_LINE + 1)
            if not line:
                if header_lines:
                    raise DapProtocolViolation(f"stream ended inside a header after {header_lines} line(s)")
                return None
            header_lines += 1
            if not line.endswith(b"\r\n"):
                raise DapProtocolViolation(f"header line not ended by CRLF (not DAP framing): {line[:80]!r}")
            if line == b"\r\n":
                break
            name, colon, value = line[:-2].partition(b":")
            if not colon:
                raise DapProtocolViolation(f"header line without a colon (not DAP framing): {line[:80]!r}")
            if name == b"Content-Length":
                if length is not None:
                    raise DapProtocolViolation("two Content-Length headers in one frame")
                text = value.strip()
                if not text.isdigit():
                    raise DapProtocolViolation(f"Content-Length is not a byte count: {value!r}")
                length = int(text)
            elif name.lower() == b"content-length":
                raise DapProtocolViolation(f"header spelled {name!r}; DAP peers expect exactly b'Content-Length'")
        if length is None:
            raise DapProtocolViolation("frame without a Content-Length header")
        body = self._reader.read(length)
        if len(body) != length:
            raise DapProtocolViolation(f"stream ended inside a body: {len(body)} of {length} bytes")
        return body

    def _read_loop(self) -> None:
        try:
            while True:
                body = self._read_frame()
                if body is None:
                    return
                try:
                    message = json.loads(body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError) as error:
                    self._violation(f"body is not UTF-8 JSON ({error}): {body[:120]!r}")
                    continue
                self._receive(message)
        except DapProtocolViolation as error:
            self._violation(str(error))
        except (OSError, ValueError):  # our side closed the stream
            pass
        finally:
            with self._cond:
                self.closed = True
                self._cond.notify_all()

    def _receive(self, message: Any) -> None:
        try:
            validate_message(message)
        except InvalidDapMessage as error:
            self._violation(f"from {self.name}: {error}: {json.dumps(message)[:300]}")
            if not isinstance(message, dict):
                return
        with self._cond:
            self.received.append(message)
            seq = message.get("seq")
            if self.seq_in_write_order and seq != self._expected_seq:
                self.violations.append(f"seq {seq!r} from {self.name}, expected {self._expected_seq} (1, 2, 3, ...)")
            elif seq in self._seqs_seen:
                self.violations.append(f"seq {seq!r} from {self.name} a second time")
            self._seqs_seen.add(seq)
            if isinstance(seq, int):
                self._expected_seq = seq + 1
            kind = message.get("type")
            if kind in ("event", "request") and self.strict_startup and not self._initialized_response:
                self.violations.append(
                    f"{kind} {message.get('event') or message.get('command')!r} before the initialize response"
                )
            if kind == "response":
                request_seq = message.get("request_seq")
                command = self._pending.pop(request_seq, None)
                if command is None:
                    answered = request_seq in self._responses
                    self.violations.append(
                        f"response {message.get('command')!r} with request_seq {request_seq!r}: "
                        + ("a second answer to that request" if answered else "not a request of ours")
                    )
                else:
                    if message.get("command") != command:
                        self.violations.append(
                            f"response to {command!r} (request_seq {request_seq}) says command "
                            f"{message.get('command')!r}"
                        )
                    self._responses[request_seq] = message
                    if command == "initialize":
                        self._initialized_response = True
            elif kind == "event":
                self.events.append(message)
            elif kind == "request":
                self.reverse_requests.append(message)
            self._cond.notify_all()
        if kind == "request":
            self._start_thread(lambda: self._answer(message), f"dap-reverse-{message.get('command')}")

    def _answer(self, request: Message) -> None:
        handler = self._handlers.get(request.get("command"))
        response: Message = {"type": "response", "request_seq": request["seq"], "command": request["command"]}
        if handler is None:
            response |= {"success": False, "message": "not supported by this client", "body": {}}
        else:
            try:
                body = handler(request)
            except ReverseRequestRefused as refusal:
                response |= {"success": False, "message": str(refusal), "body": {}}
            except Exception as error:  # the test's handler is broken: say so at the next wait, answer anyway
                self._violation(f"this client's {request.get('command')!r} handler raised {error!r}")
                response |= {"success": False, "message": f"client handler failed: {error}", "body": {}}
            else:
                response["success"] = True
                if body is not None:
                    response["body"] = body
        with contextlib.suppress(OSError, ValueError):
            self._send(response)

    def _drain_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        for chunk in iter(lambda: self.process.stderr.read1(65536), b""):
            with self._cond:
                self._stderr += chunk

    @property
    def stderr_text(self) -> str:
        """What a spawned adapter wrote to stderr so far."""
        with self._cond:
            return self._stderr.decode("utf-8", "replace")

    # -- waiting -----------------------------------------------------------------------------------------------

    def _raise_violations(self) -> None:
        if self.violations:
            raise DapProtocolViolation(f"{self.name} broke the protocol:\n  " + "\n  ".join(self.violations))

    def _wait(self, find: Callable[[], Any], what: str, timeout: float | None) -> Any:
        limit = self.default_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        with self._cond:
            while True:
                self._raise_violations()
                found = find()
                if found is not None:
                    return found
                if self.closed:
                    raise DapClosed(f"{self.name} closed the stream while waiting for {what}{self._context()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DapTimeout(f"no {what} from {self.name} within {limit} s{self._context()}")
                self._cond.wait(remaining)

    def _context(self) -> str:
        tail = [
            f"{m.get('type')} {m.get('command') or m.get('event')}"
            + (
                f" {m['body'].get('output', '')!r}"
                if m.get("event") == "output" and isinstance(m.get("body"), dict)
                else ""
            )
            for m in self.received[-8:]
        ]
        stderr = self._stderr.decode("utf-8", "replace")[-1500:]
        return f"; last messages: {tail}" + (f"; stderr tail:\n{stderr}" if stderr else "")

    def wait_response(self, seq: int, *, timeout: float | None = None) -> Message:
        """The response to our request `seq` (whatever its success)."""
        command = self._pending.get(seq) or self._responses.get(seq, {}).get("command")
        return self._wait(lambda: self._responses.get(seq), f"response to {command!r} (seq {seq})", timeout)

    def wait_event(
        self, event: str, *, timeout: float | None = None, match: Callable[[Message], bool] | None = None
    ) -> Message:
        """The first event named `event` (and matching `match`) not yet returned by an earlier wait_event."""

        def find() -> Message | None:
            for index, candidate in enumerate(self.events):
                if index in self._taken_events or candidate.get("event") != event:
                    continue
                if match is None or match(candidate):
                    self._taken_events.add(index)
                    return candidate
            return None

        return self._wait(find, f"{event!r} event", timeout)

    def wait_output(self, text: str, *, category: str | None = None, timeout: float | None = None) -> str:
        """Wait until the `output` events (of `category`) together contain `text`; returns all that output."""
        return self._wait(
            lambda: (lambda out: out if text in out else None)(self.output(category)),
            f"output {text!r}" + (f" ({category})" if category else ""),
            timeout,
        )

    def wait_closed(self, *, timeout: float | None = None) -> None:
        """Wait for the adapter to end the stream."""
        self._wait(lambda: True if self.closed else None, "end of stream", timeout)

    def output(self, category: str | None = None) -> str:
        """All `output` events' text so far, in order (only `category`, when given)."""
        with self._cond:
            return "".join(
                e["body"].get("output", "")
                for e in self.events
                if e.get("event") == "output" and (category is None or e["body"].get("category", "console") == category)
            )

    def events_named(self, event: str) -> list[Message]:
        with self._cond:
            return [e for e in self.events if e.get("event") == event]

    @property
    def unanswered(self) -> dict[int, str]:
        """Our requests the adapter has not answered (seq -> command)."""
        with self._cond:
            return dict(self._pending)

    # -- common steps ------------------------------------------------------------------------------------------

    def initialize(self, adapter_id: str = "lambda", **overrides: Any) -> Message:
        """`initialize` with VS Code's own arguments (overridable); returns the capabilities."""
        arguments = {**VSCODE_INITIALIZE_ARGUMENTS, "adapterID": adapter_id, **overrides}
        return self.request("initialize", {k: v for k, v in arguments.items() if v is not None}).get("body") or {}

    def stopped_frame(self, stopped: Message) -> Message:
        """The top stack frame of the thread a `stopped` event names."""
        trace = self.request("stackTrace", {"threadId": stopped["body"]["threadId"], "startFrame": 0, "levels": 20})
        return trace["body"]["stackFrames"][0]

    def variables(self, frame_id: int, scope: str = "Locals") -> dict[str, str]:
        """name -> value of one scope of a frame (the first scope when `scope` is not found)."""
        scopes = self.request("scopes", {"frameId": frame_id})["body"]["scopes"]
        chosen = next((s for s in scopes if s["name"] == scope), scopes[0])
        found = self.request("variables", {"variablesReference": chosen["variablesReference"]})["body"]["variables"]
        return {v["name"]: v["value"] for v in found}

    # -- ending ------------------------------------------------------------------------------------------------

    def close(self, *, timeout: float = 10.0, check: bool = True) -> int | None:
        """Close our end; wait for a spawned adapter to exit (killing it after `timeout`); return its exit code.

        With `check`, raise the violations seen during the session.
        """
        with contextlib.suppress(OSError, ValueError):
            self._writer.close()
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_WR)
        code = None
        if self.process is not None:
            try:
                code = self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                code = self.process.wait(5)
                self.violations.append(f"{self.name} did not exit within {timeout} s of its stdin closing; killed")
        if self._reader_thread is not threading.current_thread():
            self._reader_thread.join(timeout)
        if self._stderr_thread is not None:  # a debuggee the adapter started may hold the pipe open longer
            self._stderr_thread.join(1.0)
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)  # wakes a reader still blocked on a silent peer
            with contextlib.suppress(OSError):
                self._sock.close()
        with contextlib.suppress(OSError, ValueError):
            self._reader.close()
        if check:
            self._raise_violations()
        return code

    def __enter__(self) -> DapClient:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(check=exc_type is None)
