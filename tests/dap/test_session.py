"""The DAP session against a scripted debuggee (no Docker, no debugpy): the handshake order, queuing until the
debugger's `initialized`, seq/request_seq rewriting both ways, reverse requests, engine events, deadlines, errors,
warm re-invocation and every way a session ends. The client validates every message against the DAP schema and
checks the adapter's numbering."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lambda_dap.dap import debuggers
from lambda_dap.dap.protocol import MessageReader, MessageWriter
from lambda_dap.dap.session import DapSession
from lambda_dap.errors import FunctionNotFound
from tests.dap.client import DapClient, DapRequestFailed
from tests.dap.fakes import DebuggerEndpoint, FakeEngine, ImagePull, ScriptedSession, fake_parse


@dataclass
class Harness:
    client: DapClient
    engine: FakeEngine
    session: DapSession
    thread: threading.Thread

    @property
    def fake(self) -> ScriptedSession:
        assert self.engine.sessions, "no InvokeSession was made"
        return self.engine.sessions[-1]  # type: ignore[return-value]

    @property
    def debuggee(self):
        assert self.fake.debuggee is not None
        return self.fake.debuggee


class GatedSession(ScriptedSession):
    """prepare() waits until the test opens the gate: the editor's configuration arrives before the debugger."""

    gate = threading.Event()

    def prepare(self) -> None:
        super().prepare()
        self.on_event(ImagePull("python:3.12", "Pulling fs layer", None, None))
        self.on_event(ImagePull("python:3.12", "Downloading", 50, 200))
        assert self.gate.wait(10)


class NodeSession(ScriptedSession):
    def start(self) -> None:
        self.calls.append("start")
        attach = {"type": "pwa-node", "request": "attach", "address": "127.0.0.1", "port": 9229}
        self.debugger = DebuggerEndpoint("Node.js inspector", "nodejs", "127.0.0.1", 9229, attach=attach)


def make_harness(factory, tmp_path: Path) -> Harness:
    ours, theirs = socket.socketpair()
    engine = FakeEngine(factory)
    session = DapSession(
        MessageReader(ours.makefile("rb")),
        MessageWriter(ours.makefile("wb")),
        cwd=tmp_path,
        name="test",
        engine=engine.as_engine(),
        parse_launch=fake_parse,
    )

    def serve() -> None:
        try:
            session.run()
        finally:
            ours.shutdown(socket.SHUT_RDWR)
            ours.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client = DapClient(theirs.makefile("rb"), theirs.makefile("wb"), name="session", sock=theirs, default_timeout=10)
    return Harness(client, engine, session, thread)


@pytest.fixture
def dap(tmp_path: Path) -> Iterator[Harness]:
    harness = make_harness(ScriptedSession, tmp_path)
    yield harness
    harness.client.close()
    harness.thread.join(5)
    assert not harness.thread.is_alive(), "the session did not end when the editor's stream did"
    for fake in harness.engine.sessions:
        assert fake.closed.is_set(), "an InvokeSession was left open"


def launch(dap: Harness, **arguments) -> int:
    """initialize, launch, then the usual configuration; returns the launch request's seq."""
    dap.client.initialize()
    seq = dap.client.send_request("launch", {"function": "Hello", **arguments})
    dap.client.wait_event("initialized")
    dap.client.request("setBreakpoints", {"source": {"path": "/src/app.py"}, "breakpoints": [{"line": 3}]})
    dap.client.request("configurationDone")
    return seq


def test_initialize_is_answered_at_once_with_the_relayed_capabilities(dap: Harness) -> None:
    capabilities = dap.client.initialize()
    assert capabilities["supportsConfigurationDoneRequest"] is True
    assert [f["filter"] for f in capabilities["exceptionBreakpointFilters"]] == ["raised", "uncaught", "userUnhandled"]
    assert "supportsCancelRequest" not in capabilities
    assert dap.engine.sessions == []  # nothing started before launch


def test_configuration_waits_for_the_debuggers_initialized_and_is_relayed_in_order(tmp_path: Path) -> None:
    GatedSession.gate.clear()
    dap = make_harness(GatedSession, tmp_path)
    try:
        dap.client.initialize()
        dap.client.request("cancel", {"requestId": 99})  # answered here; shifts the editor's seqs off upstream's
        launch_seq = dap.client.send_request("launch", {"function": "Hello"})
        breakpoints = dap.client.send_request(
            "setBreakpoints", {"source": {"path": "/src/app.py"}, "breakpoints": [{"line": 3}]}
        )
        exceptions = dap.client.send_request("setExceptionBreakpoints", {"filters": ["uncaught"]})
        done = dap.client.send_request("configurationDone")
        dap.client.wait_event("progressStart")
        GatedSession.gate.set()

        assert dap.client.wait_response(breakpoints)["body"]["echo"] == "setBreakpoints"
        assert dap.client.wait_response(exceptions)["body"]["arguments"] == {"filters": ["uncaught"]}
        assert dap.client.wait_response(done)["success"]
        launched = dap.client.wait_response(launch_seq)
        assert launched["success"] and launched["request_seq"] == launch_seq

        kinds = [m.get("event") or m.get("command") for m in dap.client.received]
        assert kinds.index("initialized") < kinds.index("setBreakpoints")
        assert kinds.index("configurationDone") < kinds.index("launch")
        assert "progressEnd" in kinds and kinds.index("progressEnd") < kinds.index("initialized")
        assert not {"debugpySockets", "debugpyWaitingForServer"} & set(kinds)
        assert all(e["body"].get("category") != "telemetry" for e in dap.client.events_named("output"))

        upstream = dap.debuggee.received
        assert [m["command"] for m in upstream] == [
            "initialize",
            "attach",
            "setBreakpoints",
            "setExceptionBreakpoints",
            "configurationDone",
        ]
        assert [m["seq"] for m in upstream] == [1, 2, 3, 4, 5]  # the adapter's own numbering toward the debugger
        initialize = upstream[0]["arguments"]
        assert initialize["pathFormat"] == "path"
        assert initialize["supportsStartDebuggingRequest"] is False
        assert initialize["supportsRunInTerminalRequest"] is False
        attach = upstream[1]["arguments"]
        assert attach["pathMappings"] == [{"localRoot": "/src", "remoteRoot": "/var/task"}]
        assert attach["justMyCode"] is False
        assert dap.engine.requests[0].options["debug_relay"] is False
        assert isinstance(dap.engine.requests[0].options["debug_port"][0], int)
    finally:
        GatedSession.gate.set()
        dap.client.close()
        dap.thread.join(5)


def test_one_shot_invocation_output_exit_code_then_terminated_and_the_container_goes(dap: Harness) -> None:
    launch_seq = launch(dap, event={"fail": True})
    dap.client.wait_response(launch_seq)
    process = dap.client.wait_event("process")
    assert process["body"]["name"] == "Hello"  # the function, not the bootstrap debugpy saw
    dap.fake.invoking.wait(5)
    dap.fake.finish.release()
    exited = dap.client.wait_event("exited")
    assert exited["body"]["exitCode"] == 3  # what `lambda-dap invoke` exits with for a function error
    dap.client.wait_event("terminated")
    assert dap.client.output("stdout") == "partial line é\n"  # split bytes, one character
    assert dap.client.output("stderr") == "oops"  # a partial line is kept
    console = dap.client.output("console")
    assert '{"fail": true}' in console and "REPORT RequestId" in console
    assert dap.fake.closed.wait(5)
    assert dap.fake.calls[:3] == ["prepare", "start", "invoke(last=True)"]
    assert dap.fake.invoked == [b'{"fail": true}']
    names = [e["event"] for e in dap.client.events]
    assert names.index("exited") < names.index("terminated")
    assert names.count("terminated") == 1


def test_responses_and_reverse_requests_are_renumbered_both_ways(dap: Harness, monkeypatch) -> None:
    relaying = dataclasses.replace(debuggers.DEBUGPY, relays=frozenset({"runInTerminal"}))
    monkeypatch.setitem(debuggers._BY_NAME, "debugpy", relaying)
    dap.client.wait_response(launch(dap))
    initialize = dap.debuggee.received[0]["arguments"]
    assert initialize["supportsRunInTerminalRequest"] is True and initialize["supportsStartDebuggingRequest"] is False
    dap.client.on_request("runInTerminal", lambda request: {"processId": 42})
    dap.debuggee._seq += 1000  # the debugger's numbering far from the adapter's: a relayed seq can't match by chance
    upstream_seq = dap.debuggee.reverse_request("runInTerminal", {"cwd": "/", "args": ["true"]})
    dap.debuggee.wait_for(lambda: bool(dap.debuggee.responses))
    answer = dap.debuggee.responses[0]
    assert answer["request_seq"] == upstream_seq and answer["body"] == {"processId": 42}
    relayed = dap.client.reverse_requests[0]
    assert relayed["seq"] == dap.client.received.index(relayed) + 1  # the adapter's numbering, not the debugger's
    assert relayed["seq"] != upstream_seq

    dap.debuggee.reverse_request("startDebugging", {"request": "attach", "configuration": {}})
    dap.debuggee.wait_for(lambda: len(dap.debuggee.responses) == 2)
    refused = dap.debuggee.responses[1]
    assert refused["success"] is False  # the editor supports it, but the debugger may not ask for it
    assert [r["command"] for r in dap.client.reverse_requests] == ["runInTerminal"]

    threads = dap.client.request("threads")
    assert threads["body"]["echo"] == "threads"
    forwarded = dap.debuggee.received[-1]
    assert forwarded["command"] == "threads" and forwarded["seq"] != threads["request_seq"]


def test_stopped_pauses_the_deadline_and_resuming_requests_resume_it(dap: Harness) -> None:
    dap.client.wait_response(launch(dap))
    dap.debuggee.event("stopped", {"reason": "breakpoint", "threadId": 1})
    dap.client.wait_event("stopped")
    assert "pause" in dap.fake.calls
    dap.client.request("next", {"threadId": 1})
    assert dap.fake.calls.count("resume") == 1
    dap.debuggee.event("continued", {"threadId": 1})
    dap.client.wait_event("continued")
    assert dap.fake.calls.count("resume") == 2
    dap.fake.finish.release()
    dap.client.wait_event("terminated")


def test_requests_out_of_order_get_error_responses(dap: Harness) -> None:
    early = dap.client.try_request("launch", {"function": "Hello"})
    assert not early["success"] and "initialize first" in early["message"]
    dap.client.initialize()
    for command in ("threads", "noSuchCommand", "invoke"):
        response = dap.client.try_request(command)
        assert not response["success"]
        assert response["body"]["error"]["showUser"] is True
    again = dap.client.try_request("initialize", {"adapterID": "lambda"})
    assert not again["success"]
    launch_seq = dap.client.send_request("launch", {"function": "Hello"})
    dap.client.wait_event("initialized")
    dap.client.request("configurationDone")
    dap.client.wait_response(launch_seq)
    second = dap.client.try_request("launch", {"function": "Hello"})
    assert not second["success"] and "already been launched" in second["message"]
    warm = dap.client.try_request("invoke", {"event": {}})
    assert not warm["success"] and "keepAlive" in warm["message"]
    dap.fake.finish.release()
    dap.client.wait_event("terminated")


def test_an_engine_error_is_a_failed_launch_with_its_code(dap: Harness) -> None:
    dap.client.initialize()
    launch_seq = dap.client.send_request("launch", {"function": "Missing"})
    queued = dap.client.send_request("threads")
    failed = dap.client.wait_response(launch_seq)
    assert failed["success"] is False
    assert failed["body"]["error"] == {
        "id": FunctionNotFound.code,
        "format": "Function Missing not found in template.yaml",
        "showUser": True,
    }
    assert dap.client.wait_response(queued)["success"] is False
    assert not dap.client.try_request("threads")["success"]


def test_a_bad_configuration_names_the_field(dap: Harness) -> None:
    dap.client.initialize()
    failed = dap.client.try_request("launch", {"template": "t.yaml"})
    assert failed["success"] is False and "`function` is required" in failed["message"]


def test_garbage_from_the_editor_is_skipped(dap: Harness) -> None:
    dap.client.initialize()
    dap.client.send_raw(b"Content-Length: 9\r\n\r\n{not json")
    dap.client.send_raw(b"Content-Length: 2\r\n\r\n[]")
    assert not dap.client.try_request("threads")["success"]  # still answering, in order


def test_disconnect_mid_invocation_cancels_and_removes_the_container(dap: Harness) -> None:
    dap.client.wait_response(launch(dap))
    assert dap.fake.invoking.wait(5)
    dap.client.request("disconnect", {"terminateDebuggee": True})
    assert dap.fake.closed.is_set()  # before the response: the container is gone when the editor hears back
    assert "cancel" in dap.fake.calls
    assert dap.debuggee.commands()[-1] == "disconnect"
    dap.client.wait_closed()


def test_terminate_ends_the_debuggee_then_disconnect_ends_the_session(dap: Harness) -> None:
    dap.client.wait_response(launch(dap))
    dap.client.request("terminate")
    assert dap.fake.closed.is_set()
    dap.client.wait_event("terminated")
    dap.client.request("disconnect")
    dap.client.wait_closed()
    assert len(dap.client.events_named("terminated")) == 1


def test_the_editor_vanishing_closes_the_invoke_session(dap: Harness) -> None:
    dap.client.wait_response(launch(dap))
    assert dap.fake.invoking.wait(5)
    dap.client.close(check=False)
    assert dap.fake.closed.wait(5)


def test_the_debugger_dropping_fails_pending_requests_and_terminates(dap: Harness) -> None:
    dap.client.initialize()
    dap.client.send_request("launch", {"function": "Hello", "keepAlive": True})
    dap.client.wait_event("initialized")
    dap.client.request("configurationDone")
    dap.fake.finish.release()
    dap.fake.invoking.wait(5)
    dap.debuggee.hold.add("evaluate")
    pending = dap.client.send_request("evaluate", {"expression": "1"})
    dap.debuggee.wait_for(lambda: dap.debuggee.commands()[-1] == "evaluate")
    dap.debuggee.sock.shutdown(socket.SHUT_RDWR)
    failed = dap.client.wait_response(pending)
    assert failed["success"] is False and failed["request_seq"] == pending
    dap.client.wait_event("terminated")


def test_keep_alive_invokes_again_in_the_same_container(dap: Harness, tmp_path: Path) -> None:
    launch_seq = launch(dap, keepAlive=True, event={"n": 0})
    dap.client.wait_response(launch_seq)
    dap.fake.finish.release()
    dap.client.wait_output("REPORT", category="console")
    busy_check = dap.client.send_request("invoke", {"event": {"n": 1}})
    assert dap.fake.invoking.wait(5)
    queued = dap.client.send_request("invoke", {"event": {"n": 2}})  # waits for the running one, not refused
    dap.fake.finish.release()
    answered = dap.client.wait_response(busy_check)
    assert answered["success"] and answered["body"]["exitCode"] == 0
    dap.fake.finish.release()
    assert dap.client.wait_response(queued)["body"]["payload"] == '{"n": 2}'
    (tmp_path / "event.json").write_text('{"n": "file"}')
    dap.fake.finish.release()
    assert dap.client.request("invoke", {"eventFile": "event.json"})["body"]["payload"] == '{"n": "file"}'
    dap.fake.finish.release()
    assert dap.client.request("restart")["body"]["payload"] == '{"n": 0}'
    assert dap.fake.invoked == [b'{"n": 0}', b'{"n": 1}', b'{"n": 2}', b'{"n": "file"}', b'{"n": 0}']
    assert all(call != "invoke(last=True)" for call in dap.fake.calls)
    assert dap.client.events_named("exited") == [] and dap.client.events_named("terminated") == []
    assert len([s for s in dap.engine.sessions]) == 1 and not dap.fake.closed.is_set()
    bad = dap.client.try_request("invoke", {"eventFile": "missing.json"})
    assert not bad["success"] and "missing.json" in bad["message"]


def test_no_debug_runs_without_a_debugger(dap: Harness) -> None:
    dap.client.initialize()
    launch_seq = dap.client.send_request("launch", {"function": "Hello", "noDebug": True})
    dap.client.wait_response(launch_seq)
    dap.client.wait_event("initialized")
    breakpoints = dap.client.request("setBreakpoints", {"source": {"path": "/a.py"}, "breakpoints": [{"line": 1}]})
    assert breakpoints["body"]["breakpoints"][0]["verified"] is False
    dap.client.request("configurationDone")
    dap.fake.finish.release()
    dap.client.wait_event("terminated")
    assert "debug_port" not in dap.engine.requests[0].options
    assert dap.fake.debuggee is None


def test_node_asks_the_editor_for_a_child_session(tmp_path: Path) -> None:
    dap = make_harness(NodeSession, tmp_path)
    try:
        dap.client.on_request("startDebugging", lambda request: {})
        dap.client.initialize()
        launch_seq = dap.client.send_request("launch", {"function": "Hello"})
        assert dap.client.wait_response(launch_seq)["success"]
        child = dap.client.reverse_requests[0]
        assert child["arguments"]["configuration"]["type"] == "pwa-node"
        assert child["arguments"]["request"] == "attach"
        dap.client.wait_event("initialized")
        dap.client.request("configurationDone")
        dap.fake.finish.release()
        dap.client.wait_event("terminated")
    finally:
        dap.client.close()
        dap.thread.join(5)


def test_node_without_start_debugging_gets_the_attach_configuration(tmp_path: Path) -> None:
    dap = make_harness(NodeSession, tmp_path)
    try:
        dap.client.initialize(supportsStartDebuggingRequest=False)
        with pytest.raises(DapRequestFailed, match="pwa-node") as failed:
            dap.client.request("launch", {"function": "Hello"})
        assert '"port": 9229' in failed.value.response["message"]
        assert dap.fake.closed.wait(5)
    finally:
        dap.client.close()
        dap.thread.join(5)


class SlowToCloseNodeSession(NodeSession):
    """Removing its container takes a while (a loaded engine): close() returns after CLOSE_S."""

    CLOSE_S = 0.5

    def close(self) -> None:
        if "close" not in self.calls:
            self.calls.append("close")
            time.sleep(self.CLOSE_S)
        self.closed.set()


def test_a_disconnect_right_after_a_failed_launch_is_answered_once_the_container_is_gone(tmp_path: Path) -> None:
    """The failed launch's thread removes the container after its error response; an editor that disconnects at
    once (and then goes, the adapter exiting with it) must not get its answer before the removal is done, else the
    container outlived the adapter (seen in CI: a Node launch without startDebugging left its container)."""
    dap = make_harness(SlowToCloseNodeSession, tmp_path)
    try:
        dap.client.initialize(supportsStartDebuggingRequest=False)
        with pytest.raises(DapRequestFailed, match="pwa-node"):
            dap.client.request("launch", {"function": "Hello"})
        dap.client.request("disconnect")
        assert dap.fake.closed.is_set(), "disconnect was answered while the container was still being removed"
    finally:
        dap.client.close()
        dap.thread.join(5)


class DelveSession(ScriptedSession):
    debugger_name = "delve"


def test_delve_answers_attach_first_and_the_event_still_waits_for_configuration_done(tmp_path: Path) -> None:
    dap = make_harness(DelveSession, tmp_path)
    try:
        dap.client.initialize()
        launch_seq = dap.client.send_request("launch", {"function": "Hello"})
        dap.client.wait_event("initialized")
        assert dap.client.wait_response(launch_seq)["success"]
        changed = dap.client.wait_event("capabilities")["body"]["capabilities"]
        assert changed["supportsLogPoints"] is False  # what delve's initialize did not claim
        dap.client.request("setBreakpoints", {"source": {"path": "/src/main.go"}, "breakpoints": [{"line": 9}]})
        assert not dap.fake.invoking.is_set() and dap.fake.invoked == []
        dap.client.request("configurationDone")
        assert dap.fake.invoking.wait(5)
        attach = dap.debuggee.received[1]["arguments"]
        assert attach["mode"] == "remote"
        # a Go binary names the files it was built from: the engine's code dir -> /var/task would break breakpoints
        assert attach["substitutePath"] == []
        dap.fake.finish.release()
        dap.client.wait_event("terminated")
    finally:
        dap.client.close()
        dap.thread.join(5)
