"""The test client itself: a full session with debugpy's real adapter, and every check it makes on a peer."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.dap.client import (
    DapClient,
    DapClosed,
    DapProtocolViolation,
    DapTimeout,
    ReverseRequestRefused,
)
from tests.dap.dap_schema import InvalidDapMessage

FIXTURES = Path(__file__).resolve().parent / "e2e" / "fixtures"
STANDIN = FIXTURES / "standin.py"
SPAWNER = FIXTURES / "spawner.py"
QUIET_PYDEVD = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def marked_line(path: Path, marker: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if f"# {marker}" in line)


def debugpy_adapter() -> DapClient:
    # debugpy's adapter sends telemetry events before its initialize response (the spec forbids it): lenient. Its
    # messaging numbers a message under its lock, lets go and takes the lock again to write it: from two threads,
    # seq 2 can be on the wire before seq 1 (lambda-dap's seqs are checked in write order).
    return DapClient.spawn(
        [sys.executable, "-m", "debugpy.adapter"], env=QUIET_PYDEVD, strict_startup=False, seq_in_write_order=False
    )


def test_a_whole_session_with_debugpys_adapter():
    bp, step = marked_line(STANDIN, "@bp"), marked_line(STANDIN, "@step")
    with debugpy_adapter() as dap:
        caps = dap.initialize("python")
        assert caps["supportsConfigurationDoneRequest"] is True
        launch = dap.send_request(
            "launch", {"request": "launch", "program": str(STANDIN), "console": "internalConsole", "args": ["dap"]}
        )
        dap.wait_event("initialized")
        placed = dap.request("setBreakpoints", {"source": {"path": str(STANDIN)}, "breakpoints": [{"line": bp}]})
        assert placed["body"]["breakpoints"][0]["verified"] is True
        dap.request("configurationDone")
        assert dap.wait_response(launch)["success"] is True

        stopped = dap.wait_event("stopped")
        assert stopped["body"]["reason"] == "breakpoint"
        frame = dap.stopped_frame(stopped)
        assert (frame["source"]["path"], frame["line"]) == (str(STANDIN), bp)
        assert dap.variables(frame["id"]) == {"name": "'dap'", "greeting": "'hello dap'"}

        dap.request("next", {"threadId": stopped["body"]["threadId"]})
        stepped = dap.wait_event("stopped")
        assert stepped["body"]["reason"] == "step"
        assert dap.stopped_frame(stepped)["line"] == step
        assert dap.variables(dap.stopped_frame(stepped)["id"])["count"] == "3"

        dap.request("continue", {"threadId": stepped["body"]["threadId"]})
        assert dap.wait_event("exited")["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        assert dap.output("stdout") == "hello dap\ntotal=3\n"
        assert "counted 3\n" in dap.output("stderr")
        dap.request("disconnect")
    # close() failed the test had the adapter not exited; its code is debugpy's own business (it exits 1 when its
    # stdout closes while it is still reporting sockets after the disconnect response).
    assert dap.process.returncode is not None
    assert [m["seq"] for m in dap.sent] == list(range(1, len(dap.sent) + 1))
    assert sorted(m["seq"] for m in dap.received) == list(range(1, len(dap.received) + 1))
    assert dap.unanswered == {}


def test_reverse_requests_run_in_terminal_and_start_debugging_are_answered():
    """debugpy asks the client to run its launcher (runInTerminal) and to attach to a subprocess (startDebugging)."""
    terminal: list[subprocess.Popen] = []
    children: list[DapClient] = []

    def run_in_terminal(request):
        arguments = request["arguments"]
        env = {**QUIET_PYDEVD, **{k: v for k, v in (arguments.get("env") or {}).items() if v is not None}}
        process = subprocess.Popen(arguments["args"], cwd=arguments.get("cwd") or None, env=env, stdout=subprocess.PIPE)
        terminal.append(process)
        return {"processId": process.pid}

    def start_debugging(request):
        configuration = request["arguments"]["configuration"]
        assert request["arguments"]["request"] == "attach"
        child = DapClient.connect(
            configuration["connect"]["host"],
            configuration["connect"]["port"],
            name="child",
            strict_startup=False,
            seq_in_write_order=False,
        )
        children.append(child)
        child.initialize("python")
        attach = child.send_request("attach", configuration)
        child.wait_event("initialized")
        child.request("configurationDone")
        child.wait_response(attach)
        return {}

    with debugpy_adapter() as dap:
        dap.on_request("runInTerminal", run_in_terminal)
        dap.on_request("startDebugging", start_debugging)
        dap.initialize("python")
        launch = dap.send_request(
            "launch", {"request": "launch", "program": str(SPAWNER), "console": "integratedTerminal"}
        )
        dap.wait_event("initialized")
        dap.request("configurationDone")
        dap.wait_response(launch)
        dap.wait_event("terminated", timeout=30)
        (child,) = children
        child.wait_event("terminated")
        child.close()  # the adapter serves the parent session for as long as a child session is connected
        dap.request("disconnect")

    assert "process" in [e["event"] for e in child.events]
    assert [r["command"] for r in dap.reverse_requests] == ["runInTerminal", "startDebugging"]
    answers = [m for m in dap.sent if m["type"] == "response"]
    assert [a["request_seq"] for a in answers] == [r["seq"] for r in dap.reverse_requests]
    assert all(a["success"] for a in answers)
    (launcher,) = terminal
    stdout, _ = launcher.communicate(timeout=10)
    assert b"child ran\n" in stdout and b"parent saw child exit 0\n" in stdout


# -- the checks, against a scripted peer on a socket pair --------------------------------------------------------


class ScriptedAdapter:
    """The adapter's end of a socket pair, writing exactly the frames a test gives it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = sock.makefile("rb")
        self.seq = 0

    def close(self) -> None:
        if self.sock.fileno() < 0:
            return
        self.reader.close()
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()

    def send(self, message: dict, *, seq: int | None = None) -> None:
        self.seq = self.seq + 1 if seq is None else seq
        self.raw(json.dumps({"seq": self.seq, **message}).encode())

    def raw(self, body: bytes, header: bytes | None = None) -> None:
        self.sock.sendall((header if header is not None else b"Content-Length: %d\r\n\r\n" % len(body)) + body)

    def read(self) -> dict:
        length = None
        while (line := self.reader.readline()) != b"\r\n":
            name, _, value = line.partition(b":")
            if name == b"Content-Length":
                length = int(value)
        return json.loads(self.reader.read(length))

    def respond(self, request: dict, body: dict | None = None, **extra) -> None:
        message = {"type": "response", "request_seq": request["seq"], "command": request["command"], "success": True}
        self.send(message | ({"body": body} if body is not None else {}) | extra)


@pytest.fixture
def pair():
    ours, theirs = socket.socketpair()
    client = DapClient(ours.makefile("rb"), ours.makefile("wb"), name="scripted", sock=ours, default_timeout=5)
    adapter = ScriptedAdapter(theirs)
    yield client, adapter
    adapter.close()
    client.close(timeout=2, check=False)


def started(client: DapClient, adapter: ScriptedAdapter) -> None:
    seq = client.send_request("initialize", {"adapterID": "x"})
    adapter.respond(adapter.read(), {})
    client.wait_response(seq)


def test_a_gap_in_the_adapters_seqs_is_a_violation(pair):
    client, adapter = pair
    started(client, adapter)
    adapter.send({"type": "event", "event": "initialized"}, seq=3)
    with pytest.raises(DapProtocolViolation, match="seq 3 from scripted, expected 2"):
        client.wait_event("initialized")


def test_a_response_to_no_request_of_ours_is_a_violation(pair):
    client, adapter = pair
    started(client, adapter)
    adapter.send(
        {"type": "response", "request_seq": 42, "command": "threads", "success": True, "body": {"threads": []}}
    )
    with pytest.raises(DapProtocolViolation, match="request_seq 42: not a request of ours"):
        client.wait_event("never")


def test_a_second_answer_and_a_wrong_command_are_violations(pair):
    client, adapter = pair
    started(client, adapter)
    seq = client.send_request("threads")
    request = adapter.read()
    adapter.send({"type": "response", "request_seq": request["seq"], "command": "stackTrace", "success": True,
                  "body": {"stackFrames": []}})  # fmt: skip
    adapter.send({"type": "response", "request_seq": request["seq"], "command": "threads", "success": True,
                  "body": {"threads": []}})  # fmt: skip
    adapter.close()
    client.close(check=False)  # joins the reader: both responses are in
    assert client.violations == [
        f"response to 'threads' (request_seq {seq}) says command 'stackTrace'",
        "response 'threads' with request_seq 2: a second answer to that request",
    ]


def test_a_message_that_breaks_the_schema_is_a_violation(pair):
    client, adapter = pair
    started(client, adapter)
    adapter.send({"type": "event", "event": "stopped", "body": {"threadId": 1}})
    with pytest.raises(DapProtocolViolation, match="breaks StoppedEvent at body: 'reason' is a required property"):
        client.wait_event("stopped")


def test_a_failed_response_without_an_error_body_breaks_the_schema(pair):
    client, adapter = pair
    started(client, adapter)
    seq = client.send_request("threads")
    adapter.respond(adapter.read(), success=False, message="no")
    with pytest.raises(DapProtocolViolation, match="breaks ErrorResponse"):
        client.wait_response(seq)


def test_an_event_before_the_initialize_response_is_a_violation(pair):
    client, adapter = pair
    seq = client.send_request("initialize", {"adapterID": "x"})
    request = adapter.read()
    adapter.send({"type": "event", "event": "output", "body": {"output": "early"}})
    adapter.respond(request, {})
    with pytest.raises(DapProtocolViolation, match="event 'output' before the initialize response"):
        client.wait_response(seq)


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        (b"content-length: 2\r\n\r\n", "spelled b'content-length'"),
        (b"Content-Length: 2\n\n", "not ended by CRLF"),
        (b"Content-Type: json\r\n\r\n", "without a Content-Length"),
        (b"Content-Length: two\r\n\r\n", "not a byte count"),
        (b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n", "two Content-Length"),
    ],
)
def test_bad_framing_is_a_violation(pair, header, fragment):
    client, adapter = pair
    adapter.raw(b"{}", header)
    with pytest.raises(DapProtocolViolation, match=fragment):
        client.wait_event("never")


def test_a_body_that_is_not_json_is_a_violation(pair):
    client, adapter = pair
    adapter.raw(b"{not json")
    with pytest.raises(DapProtocolViolation, match="not UTF-8 JSON"):
        client.wait_event("never")


def test_anything_but_frames_on_a_spawned_adapters_stdout_is_a_violation():
    noisy = DapClient.spawn(
        [sys.executable, "-c", "print('debug: starting', flush=True); import sys; sys.stdin.read()"]
    )
    with pytest.raises(DapProtocolViolation, match="not DAP framing"):
        noisy.wait_event("initialized")
    assert noisy.close(check=False) == 0


def test_waits_end_with_a_timeout_or_when_the_adapter_closes(pair):
    client, adapter = pair
    started(client, adapter)
    with pytest.raises(DapTimeout, match=r"no 'stopped' event from scripted within 0\.2 s"):
        client.wait_event("stopped", timeout=0.2)
    seq = client.send_request("threads")
    adapter.close()
    with pytest.raises(DapClosed, match=f"response to 'threads' \\(seq {seq}\\)"):
        client.wait_response(seq)
    assert client.unanswered == {seq: "threads"}


def test_events_already_received_are_found_and_each_is_returned_once(pair):
    client, adapter = pair
    started(client, adapter)
    for text in ("a", "b"):
        adapter.send({"type": "event", "event": "output", "body": {"category": "stdout", "output": text}})
    assert client.wait_output("ab", category="stdout") == "ab"
    assert client.wait_event("output")["body"]["output"] == "a"
    assert client.wait_event("output")["body"]["output"] == "b"
    with pytest.raises(DapTimeout):
        client.wait_event("output", timeout=0.1)


def test_our_own_invalid_message_is_refused_before_it_is_written(pair):
    client, adapter = pair
    with pytest.raises(InvalidDapMessage, match="breaks SetBreakpointsRequest at arguments: 'source'"):
        client.send_request("setBreakpoints", {"breakpoints": []})
    assert client.sent == []
    client.send_request("initialize", {"adapterID": "x"})
    assert adapter.read()["seq"] == 1  # the refused message used no seq and reached nobody


def test_reverse_requests_get_the_handlers_answer_or_a_refusal(pair):
    client, adapter = pair
    started(client, adapter)

    def refuse(request):
        raise ReverseRequestRefused("no terminal here")

    client.on_request("startDebugging", lambda request: {"echo": request["arguments"]["request"]})
    client.on_request("runInTerminal", refuse)
    adapter.send({"type": "request", "command": "startDebugging",
                  "arguments": {"request": "attach", "configuration": {}}})  # fmt: skip
    answer = adapter.read()
    assert (answer["request_seq"], answer["success"], answer["body"]) == (adapter.seq, True, {"echo": "attach"})
    adapter.send({"type": "request", "command": "runInTerminal", "arguments": {"cwd": "/", "args": ["true"]}})
    answer = adapter.read()
    assert (answer["request_seq"], answer["success"], answer["message"]) == (adapter.seq, False, "no terminal here")
    adapter.send({"type": "request", "command": "custom", "arguments": {}})
    answer = adapter.read()
    assert (answer["command"], answer["success"]) == ("custom", False)
    assert [m["seq"] for m in client.sent] == [1, 2, 3, 4]
    assert [r["command"] for r in client.reverse_requests] == ["startDebugging", "runInTerminal", "custom"]
