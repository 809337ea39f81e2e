"""The real adapter process (`--stdio` over pipes, `--port` over TCP) spliced onto real debugpy, no container: the
fake engine starts `python -m debugpy --listen 127.0.0.1:P --wait-for-client` on a copy of the handler (the
"remote" code directory) and maps the local directory onto it, as the engine maps a code directory to /var/task."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.dap.client import DapClient

REPO = Path(__file__).resolve().parents[2]
HANDLER = """\
def handler(event, context):
    greeting = "hello " + event["name"]
    print(greeting)
    print("no newline", end="")
    total = 0
    for i in range(3):
        total += i
    return {"greeting": greeting, "total": total}
"""
BREAK_LINE = 3  # print(greeting)


@pytest.fixture
def app(tmp_path: Path) -> tuple[Path, Path]:
    local, remote = tmp_path / "local", tmp_path / "remote"
    local.mkdir()
    remote.mkdir()
    (local / "app.py").write_text(HANDLER)
    (remote / "app.py").write_text(HANDLER)
    return local / "app.py", remote


def adapter_argv(app: tuple[Path, Path], mode: str) -> list[str]:
    code = "from tests.dap.fakes import serve_with_fakes; serve_with_fakes()"
    return [sys.executable, "-c", code, str(app[0]), str(app[1]), mode]


def debuggee_pids(remote: Path) -> list[int]:
    """Processes running the remote copy of the handler (the debuggee; not the adapter, whose argv names the dir)."""
    needle = str(remote / "app.py").encode() + b"\x00"
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def spawn(app: tuple[Path, Path]) -> DapClient:
    return DapClient.spawn(adapter_argv(app, "--stdio"), cwd=REPO, name="lambda-dap --stdio", default_timeout=15)


def start_and_stop(dap: DapClient, local_file: Path, **launch) -> dict:
    """initialize, launch, a breakpoint, configurationDone; returns the `stopped` event."""
    dap.initialize()
    launch_seq = dap.send_request("launch", {"function": "Hello", "event": {"name": "world"}, **launch})
    dap.wait_event("initialized")
    breakpoints = dap.request(
        "setBreakpoints", {"source": {"path": str(local_file)}, "breakpoints": [{"line": BREAK_LINE}]}
    )
    assert breakpoints["body"]["breakpoints"][0]["verified"], breakpoints
    dap.request("setExceptionBreakpoints", {"filters": []})
    dap.request("configurationDone")
    assert dap.wait_response(launch_seq)["success"]
    return dap.wait_event("stopped")


def test_breakpoint_variables_step_continue_output_exit(app: tuple[Path, Path]) -> None:
    local_file, remote = app
    with spawn(app) as dap:
        stopped = start_and_stop(dap, local_file)
        assert stopped["body"]["reason"] == "breakpoint"
        frame = dap.stopped_frame(stopped)
        assert frame["line"] == BREAK_LINE
        assert frame["source"]["path"] == str(local_file)  # mapped back from the remote copy
        local_vars = dap.variables(frame["id"])
        assert local_vars["greeting"] == "'hello world'"
        evaluated = dap.request("evaluate", {"expression": "greeting.upper()", "frameId": frame["id"]})
        assert evaluated["body"]["result"] == "'HELLO WORLD'"

        dap.request("next", {"threadId": stopped["body"]["threadId"]})
        stepped = dap.wait_event("stopped")
        assert stepped["body"]["reason"] == "step"
        assert dap.stopped_frame(stepped)["line"] == BREAK_LINE + 1
        assert dap.wait_output("hello world\n", category="stdout")

        dap.request("continue", {"threadId": stopped["body"]["threadId"]})
        assert dap.wait_event("exited")["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        assert dap.output("stdout") == "hello world\nno newline"  # every byte, the partial line too
        assert '"greeting": "hello world", "total": 3' in dap.output("console")
        process = dap.events_named("process")
        assert [p["body"]["name"] for p in process] == ["Hello"]
        kinds = [m.get("event") or m.get("command") for m in dap.received]
        assert not {"debugpySockets", "debugpyWaitingForServer"} & set(kinds)
        assert all(e["body"].get("category") != "telemetry" for e in dap.events_named("output"))
        dap.request("disconnect")
        assert dap.close() == 0
    assert "a stray print must not reach the DAP stream" in dap.stderr_text
    assert debuggee_pids(remote) == []


def test_keep_alive_hits_the_breakpoint_again_on_invoke(app: tuple[Path, Path]) -> None:
    local_file, remote = app
    with spawn(app) as dap:
        stopped = start_and_stop(dap, local_file, keepAlive=True)
        dap.request("continue", {"threadId": stopped["body"]["threadId"]})
        dap.wait_output('"total": 3', category="console")
        invoke_seq = dap.send_request("invoke", {"event": {"name": "again"}})
        again = dap.wait_event("stopped")
        frame = dap.stopped_frame(again)
        assert frame["line"] == BREAK_LINE
        assert dap.variables(frame["id"])["greeting"] == "'hello again'"
        dap.request("continue", {"threadId": again["body"]["threadId"]})
        answered = dap.wait_response(invoke_seq)
        assert answered["success"] and '"greeting": "hello again"' in answered["body"]["payload"]
        assert dap.events_named("terminated") == []
        dap.request("disconnect")
        assert dap.close() == 0
    assert debuggee_pids(remote) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_ends_the_adapter_and_its_debuggee(app: tuple[Path, Path], sig: signal.Signals) -> None:
    local_file, remote = app
    dap = spawn(app)
    try:
        start_and_stop(dap, local_file)
        assert debuggee_pids(remote)
        dap.process.send_signal(sig)
        code = dap.process.wait(10)
        assert code == (130 if sig == signal.SIGINT else 143)
        assert debuggee_pids(remote) == []
    finally:
        dap.close(check=False)


def test_stdin_eof_while_stopped_removes_the_debuggee(app: tuple[Path, Path]) -> None:
    local_file, remote = app
    dap = spawn(app)
    start_and_stop(dap, local_file)
    assert dap.close(check=False) == 0
    assert debuggee_pids(remote) == []


def test_port_serves_sessions_at_once_each_with_its_own_debuggee(app: tuple[Path, Path]) -> None:
    import subprocess

    local_file, remote = app
    server = subprocess.Popen(adapter_argv(app, "0"), cwd=REPO, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stderr.readline()
        assert "listening on 127.0.0.1:" in line, line
        port = int(line.rsplit(":", 1)[1])
        clients = [DapClient.connect("127.0.0.1", port, name=f"tcp-{n}", default_timeout=20) for n in range(3)]
        stops: list[dict] = [{}] * len(clients)

        def drive(n: int) -> None:
            stops[n] = start_and_stop(clients[n], local_file, event={"name": f"client{n}"})

        threads = [threading.Thread(target=drive, args=(n,)) for n in range(len(clients))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for n, dap in enumerate(clients):
            frame = dap.stopped_frame(stops[n])
            assert dap.variables(frame["id"])["greeting"] == f"'hello client{n}'"
        assert len(debuggee_pids(remote)) >= len(clients)
        for n, dap in enumerate(clients):
            dap.request("continue", {"threadId": stops[n]["body"]["threadId"]})
            assert dap.wait_event("exited")["body"]["exitCode"] == 0
            dap.request("disconnect")
            dap.close()
        deadline = time.monotonic() + 5
        while debuggee_pids(remote) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert debuggee_pids(remote) == []
        assert server.poll() is None  # the server outlives its sessions
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(10) == 143
        with_pids = debuggee_pids(remote)
        for pid in with_pids:
            os.kill(pid, signal.SIGKILL)
        assert with_pids == []
