"""Fakes for the DAP server tests: an engine whose "container" is either a scripted DAP debuggee on a socket pair or
real debugpy running a handler on the host, and a launch-configuration parser of the shape the session expects.

The engine classes mirror the engine API contract (`InvokeSession`: prepare/start/debugger/connect_debugger/invoke/
cancel/pause_deadline/resume_deadline/plan/close; events named as in `lambda_dap.invoke.events`).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from lambda_dap.dap.session import Engine
from lambda_dap.errors import DebuggerError, LambdaDapError

END_MARK = b"\x00lambda-dap-fake-end\x00"


# --- engine events, named as the engine names them -------------------------------------------------------------


@dataclass(frozen=True)
class FunctionOutput:
    stream: str
    data: bytes
    source: str = "function"


@dataclass(frozen=True)
class Notice:
    text: str


@dataclass(frozen=True)
class Reported:
    text: str


@dataclass(frozen=True)
class ImagePull:
    image: str
    status: str
    current_bytes: int | None
    total_bytes: int | None


@dataclass(frozen=True)
class ResultPosted:
    result: Any


@dataclass(frozen=True)
class DebuggerEndpoint:
    debugger: str
    family: str
    host: str
    port: int
    container_address: tuple[str, int] | None = None
    attach: dict | None = None
    path_mappings: list[dict[str, str]] = field(default_factory=list)


@dataclass
class FakeResult:
    request_id: str
    payload: bytes
    exit_code: int = 0
    outcome: str = "success"


# --- the launch configuration --------------------------------------------------------------------------------


@dataclass
class FakeLaunchConfig:
    options: dict[str, Any]
    event: bytes | None
    path_mappings: list[dict[str, str]]
    keep_alive: bool
    kind: str
    attach_port: int | None
    no_debug: bool
    debugger_arguments: dict[str, Any]


def fake_parse(arguments: dict[str, Any], *, command: str, cwd: Path) -> FakeLaunchConfig:
    """Flat fields only: function, event, keepAlive, pathMappings, noDebug, port, debugPort, justMyCode."""
    if "function" not in arguments and command != "attach":
        from lambda_dap.errors import OptionError

        raise OptionError("launch: `function` is required (the logical ID of the function to run)")
    options: dict[str, Any] = {"function_identifier": arguments.get("function")}
    if arguments.get("debugPort"):
        options["debug_port"] = (int(arguments["debugPort"]),)
    extra = {"justMyCode": arguments["justMyCode"]} if "justMyCode" in arguments else {}
    return FakeLaunchConfig(
        options=options,
        event=json.dumps(arguments["event"]).encode() if "event" in arguments else None,
        path_mappings=list(arguments.get("pathMappings") or []),
        keep_alive=bool(arguments.get("keepAlive")),
        kind="attach" if command == "attach" else "launch",
        attach_port=arguments.get("port"),
        no_debug=bool(arguments.get("noDebug")),
        debugger_arguments=extra,
    )


# --- a fake InvokeSession base -------------------------------------------------------------------------------


class FakeSessionBase:
    """What every fake session records: calls, deadline pauses, whether it was closed."""

    def __init__(self, request: Any, on_event: Callable[[object], None]) -> None:
        self.request = request
        self.on_event = on_event
        self.calls: list[str] = []
        self.closed = threading.Event()
        self.cancelled = threading.Event()
        self.debugger: DebuggerEndpoint | None = None
        self.plan = SimpleNamespace(
            function=SimpleNamespace(full_path=request.options.get("function_identifier")),
            code=SimpleNamespace(path=None),
        )
        self._invocations = 0

    def prepare(self) -> None:
        self.calls.append("prepare")

    def pause_deadline(self) -> None:
        self.calls.append("pause")

    def resume_deadline(self) -> None:
        self.calls.append("resume")

    def cancel(self) -> None:
        self.calls.append("cancel")
        self.cancelled.set()

    def close(self) -> None:
        self.calls.append("close")
        self.closed.set()

    def _next_request_id(self) -> str:
        self._invocations += 1
        return f"req-{self._invocations}"


@dataclass
class FakeRequest:
    options: dict[str, Any]
    cwd: Path
    event: bytes


class FakeEngine:
    """An `Engine` whose sessions are made by `factory`; remembers every session it made."""

    def __init__(self, factory: Callable[[FakeRequest, Callable[[object], None]], FakeSessionBase]) -> None:
        self.factory = factory
        self.sessions: list[FakeSessionBase] = []
        self.requests: list[FakeRequest] = []

    def build_request(
        self, options: dict[str, Any], *, cwd: Path, environ: dict[str, str], warn: Any = None
    ) -> FakeRequest:
        if options.get("function_identifier") == "Missing":
            from lambda_dap.errors import FunctionNotFound

            raise FunctionNotFound("Function Missing not found in template.yaml")
        options = dict(options)
        if options.get("debug_port"):  # as the engine does: port 0 is any free port
            from lambda_dap.invoke.build import free_port

            options["debug_port"] = tuple(port or free_port("127.0.0.1") for port in options["debug_port"])
        request = FakeRequest(options, cwd, options.get("event_data") or b"{}")
        self.requests.append(request)
        return request

    def new_session(self, request: FakeRequest, on_event: Callable[[object], None]) -> FakeSessionBase:
        session = self.factory(request, on_event)
        self.sessions.append(session)
        return session

    def as_engine(self) -> Engine:
        return Engine(build_request=self.build_request, new_session=self.new_session)


# --- a scripted debuggee on a socket pair (for seq/request_seq and queuing tests) ----------------------------


class ScriptedDebuggee:
    """The debugger side of a socket pair, speaking DAP like debugpy's adapter in listen mode: it answers
    `initialize`, sends `initialized` on `attach` and holds the attach response until `configurationDone`. Every
    other request gets `{"echo": command, "arguments": ...}`. It numbers its own messages from 1, like debugpy,
    so they collide with the adapter's on purpose."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._file = sock.makefile("rwb")
        self._seq = 0
        self._lock = threading.Lock()
        self.received: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []  # responses to its reverse requests
        self._attach: dict[str, Any] | None = None
        self.hold: set[str] = set()  # commands whose responses wait for release()
        self._held: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.answers_attach_at_once = False
        threading.Thread(target=self._loop, daemon=True).start()

    def send(self, message: dict[str, Any]) -> int:
        with self._lock:
            self._seq += 1
            message = dict(message, seq=self._seq)
            body = json.dumps(message).encode()
            self._file.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self._file.flush()
            return self._seq

    def event(self, name: str, body: dict[str, Any] | None = None) -> int:
        return self.send({"type": "event", "event": name, **({"body": body} if body is not None else {})})

    def reverse_request(self, command: str, arguments: dict[str, Any]) -> int:
        return self.send({"type": "request", "command": command, "arguments": arguments})

    def _respond(self, request: dict[str, Any], body: dict[str, Any] | None = None, success: bool = True) -> None:
        message = {"type": "response", "request_seq": request["seq"], "command": request["command"], "success": success}
        if body is not None:
            message["body"] = body
        self.send(message)

    def release(self) -> None:
        held, self._held = self._held, []
        for request in held:
            self._respond(request, self._echo(request))

    @staticmethod
    def _echo(request: dict[str, Any]) -> dict[str, Any]:
        """A body valid for the command (the schema's required fields), plus what was asked."""
        arguments = request.get("arguments") or {}
        body: dict[str, Any] = {"echo": request["command"], "arguments": request.get("arguments")}
        command = request["command"]
        if command == "setBreakpoints":
            body["breakpoints"] = [{"verified": True, "line": b["line"]} for b in arguments.get("breakpoints", [])]
        elif command == "threads":
            body["threads"] = [{"id": 1, "name": "MainThread"}]
        elif command == "evaluate":
            body.update(result=str(arguments.get("expression")), variablesReference=0)
        elif command == "stackTrace":
            body["stackFrames"] = []
        elif command == "continue":
            body["allThreadsContinued"] = True
        return body

    def _loop(self) -> None:
        self.event("output", {"category": "telemetry", "output": "debugpy", "data": {"packageVersion": "0"}})
        self.event("debugpySockets", {"sockets": []})
        with contextlib.suppress(OSError, ValueError):
            while True:
                header = self._file.readline()
                if not header:
                    return
                length = int(header.split(b":")[1])
                self._file.readline()
                message = json.loads(self._file.read(length))
                with self.changed:
                    if message["type"] == "response":
                        self.responses.append(message)
                    else:
                        self.received.append(message)
                    self.changed.notify_all()
                if message["type"] == "request":
                    self._on_request(message)

    def _on_request(self, request: dict[str, Any]) -> None:
        command = request["command"]
        if command == "initialize":
            self._respond(request, {"supportsConfigurationDoneRequest": True})
        elif command == "attach" and self.answers_attach_at_once:  # delve's order
            self.event("initialized")
            self._respond(request)
        elif command == "attach":
            self._attach = request
            self.event("debugpyWaitingForServer", {"host": "127.0.0.1", "port": 1})
            self.event("initialized")
        elif command == "configurationDone":
            self._respond(request)
            if self._attach is not None:
                self._respond(self._attach)
                self.event("process", {"name": "/var/runtime/bootstrap", "systemProcessId": 7})
        elif command == "disconnect":
            self._respond(request)
        elif command in self.hold:
            self._held.append(request)
        else:
            self._respond(request, self._echo(request))

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        with self.changed:
            if not self.changed.wait_for(predicate, timeout):
                raise AssertionError(f"debuggee never saw what the test waited for; got {self.received}")

    def commands(self) -> list[str]:
        return [m["command"] for m in self.received]


class ScriptedSession(FakeSessionBase):
    """An InvokeSession whose debugger is a `ScriptedDebuggee`; invoke() blocks until the test lets it end."""

    def __init__(self, request: FakeRequest, on_event: Callable[[object], None]) -> None:
        super().__init__(request, on_event)
        self.debuggee: ScriptedDebuggee | None = None
        self.invoked: list[bytes] = []
        self.finish = threading.Semaphore(0)
        self.invoking = threading.Event()

    def start(self) -> None:
        self.calls.append("start")
        if "debug_port" in self.request.options:
            self.debugger = DebuggerEndpoint(
                self.debugger_name,
                "python",
                "127.0.0.1",
                self.request.options["debug_port"][0],
                path_mappings=[{"localRoot": "/src", "remoteRoot": "/var/task"}],
            )

    debugger_name = "debugpy"

    def connect_debugger(self, timeout_s: float) -> socket.socket:
        ours, theirs = socket.socketpair()
        self.debuggee = ScriptedDebuggee(theirs)
        self.debuggee.answers_attach_at_once = self.debugger_name == "delve"
        return ours

    def invoke(self, event: bytes | None = None, *, last: bool = False) -> FakeResult:
        event = self.request.event if event is None else event
        self.calls.append(f"invoke(last={last})")
        self.invoked.append(event)
        self.on_event(FunctionOutput("stdout", b"partial "))
        self.on_event(FunctionOutput("stdout", b"line \xc3"))  # "é" split across two chunks
        self.on_event(FunctionOutput("stdout", b"\xa9\n"))
        self.on_event(FunctionOutput("stderr", b"oops"))
        self.invoking.set()
        while not self.finish.acquire(timeout=0.05):
            if self.cancelled.is_set() or self.closed.is_set():
                raise LambdaDapError("the invocation was cancelled")
        self.invoking.clear()
        self.on_event(ResultPosted(FakeResult("x", event)))
        self.on_event(Reported("REPORT RequestId: x\tDuration: 1.00 ms"))
        return FakeResult(self._next_request_id(), event, exit_code=3 if b"fail" in event else 0)


# --- real debugpy on the host ----------------------------------------------------------------------------------

RUNNER = r"""
import importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location("handler_module", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
handler = getattr(module, sys.argv[2])
results = os.fdopen(int(os.environ["FAKE_RESULT_FD"]), "w")
END = b"\x00lambda-dap-fake-end\x00"
for line in sys.stdin:
    try:
        outcome = {"ok": True, "payload": handler(json.loads(line), None)}
    except Exception as error:
        outcome = {"ok": False, "payload": {"errorType": type(error).__name__, "errorMessage": str(error)}}
    sys.stdout.flush(); sys.stderr.flush()
    os.write(1, END); os.write(2, END)
    results.write(json.dumps(outcome) + "\n"); results.flush()
"""


class HostDebugpySession(FakeSessionBase):
    """An InvokeSession whose "container" is `python -m debugpy --listen 127.0.0.1:P --wait-for-client` running a
    handler on the host: the handler file is copied to `remote_dir` (like code dir -> /var/task), and the engine's
    path mappings map `local_dir` onto it."""

    handler_file: Path
    remote_dir: Path
    handler_name = "handler"

    def __init__(self, request: FakeRequest, on_event: Callable[[object], None]) -> None:
        super().__init__(request, on_event)
        self.process: subprocess.Popen | None = None
        self._results: Any = None
        self._ended: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def prepare(self) -> None:
        super().prepare()
        print("a stray print must not reach the DAP stream")  # the adapter's stdout is the DAP stream

    def start(self) -> None:
        self.calls.append("start")
        if self.process is not None:
            return
        port = self.request.options["debug_port"][0]
        runner = self.remote_dir / "_runner.py"
        runner.write_text(RUNNER)
        remote_handler = self.remote_dir / self.handler_file.name
        read_fd, write_fd = os.pipe()
        env = dict(os.environ, FAKE_RESULT_FD=str(write_fd), PYDEVD_DISABLE_FILE_VALIDATION="1", PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-Xfrozen_modules=off",
                "-m",
                "debugpy",
                "--listen",
                f"127.0.0.1:{port}",
                "--wait-for-client",
                "--configure-subProcess",
                "false",
                str(runner),
                str(remote_handler),
                self.handler_name,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(write_fd,),
            env=env,
            cwd=self.remote_dir,
        )
        os.close(write_fd)
        self._results = os.fdopen(read_fd, "r")
        for name, pipe in (("stdout", self.process.stdout), ("stderr", self.process.stderr)):
            self._ended[name] = threading.Event()
            threading.Thread(target=self._pump, args=(name, pipe), daemon=True).start()
        local = str(self.handler_file.parent.resolve())
        self.debugger = DebuggerEndpoint(
            "debugpy",
            "python",
            "127.0.0.1",
            port,
            path_mappings=[{"localRoot": local, "remoteRoot": str(self.remote_dir)}],
        )

    def _pump(self, name: str, pipe: Any) -> None:
        buffer = b""
        while True:
            chunk = os.read(pipe.fileno(), 65536)
            if not chunk:
                if buffer:
                    self.on_event(FunctionOutput(name, buffer))
                self._ended[name].set()
                return
            buffer += chunk
            while True:
                before, mark, after = buffer.partition(END_MARK)
                if not mark:  # hold back only what could be the start of a mark split across reads
                    keep = next(
                        (
                            n
                            for n in range(min(len(buffer), len(END_MARK) - 1), 0, -1)
                            if END_MARK.startswith(buffer[-n:])
                        ),
                        0,
                    )
                    if len(buffer) > keep:
                        self.on_event(FunctionOutput(name, buffer[: len(buffer) - keep]))
                        buffer = buffer[len(buffer) - keep :]
                    break
                if before:
                    self.on_event(FunctionOutput(name, before))
                buffer = after
                self._ended[name].set()

    def connect_debugger(self, timeout_s: float) -> socket.socket:
        """Connected once debugpy's adapter has said something (its telemetry output comes first)."""
        deadline = time.monotonic() + timeout_s
        port = self.debugger.port
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DebuggerError(f"debugpy exited with {self.process.returncode} before it listened")
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=1)
            except OSError:
                time.sleep(0.05)
                continue
            sock.settimeout(None)
            return sock
        raise DebuggerError(f"debugpy did not listen on {port} within {timeout_s} s")

    def invoke(self, event: bytes | None = None, *, last: bool = False) -> FakeResult:
        event = self.request.event if event is None else event
        self.calls.append(f"invoke(last={last})")
        for ended in self._ended.values():
            ended.clear()
        self.process.stdin.write(json.dumps(json.loads(event)).encode() + b"\n")
        self.process.stdin.flush()
        line = self._results.readline()
        if not line:
            raise LambdaDapError("the function process ended")
        for ended in self._ended.values():
            ended.wait(10)
        outcome = json.loads(line)
        payload = json.dumps(outcome["payload"]).encode()
        result = FakeResult(self._next_request_id(), payload, exit_code=0 if outcome["ok"] else 3)
        self.on_event(ResultPosted(result))
        if last:
            self.process.stdin.close()
        return result

    def close(self) -> None:
        super().close()
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait(5)
        if self._results is not None:
            with contextlib.suppress(OSError):
                self._results.close()


def host_debugpy_factory(handler_file: Path, remote_dir: Path) -> type[HostDebugpySession]:
    return type(
        "BoundHostDebugpySession", (HostDebugpySession,), {"handler_file": handler_file, "remote_dir": remote_dir}
    )


def serve_with_fakes() -> None:
    """`python -c 'from tests.dap.fakes import serve_with_fakes; serve_with_fakes()' HANDLER REMOTE --stdio|PORT`:
    the real server (stdio, or TCP on PORT) with the host-debugpy engine, as a separate process."""
    from lambda_dap.dap.server import configure_dap_logging, serve_port, serve_stdio

    handler_file, remote_dir, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    configure_dap_logging(None)
    engine = FakeEngine(host_debugpy_factory(handler_file, remote_dir)).as_engine()
    if mode == "--stdio":
        sys.exit(serve_stdio(engine=engine, parse_launch=fake_parse))
    sys.exit(serve_port(int(mode), engine=engine, parse_launch=fake_parse))
