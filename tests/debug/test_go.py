"""Go on provided.al2023: `lambda-dap invoke` runs a Go `bootstrap` on the provided test image, and with
`-d PORT --debugger-path DIR` (Debian's dlv) a real DAP client attaches to delve's headless server in the container
(`attach` with mode "remote"), stops at a line of the handler's .go file, reads variables and lets it finish."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.debug.dap_client import DapClient, DapError
from tests.debug.go_function import build_app, compile_bootstrap, delve_directory
from tests.debug.test_python import DebuggedInvoke, free_port, line_of, port_is_free
from tests.invoke.conftest import Run, clean_environment, containers_gone

pytestmark = pytest.mark.docker

APP = Path(__file__).resolve().parents[1] / "apps" / "go"
SOURCE = APP / "hello" / "main.go"
BREAKPOINT = "a good line for a breakpoint"


@pytest.fixture(scope="session")
def go_images(lambda_images) -> dict[str, str]:
    return {"provided": lambda_images["provided"], "go": lambda_images["go"]}


@pytest.fixture(scope="session")
def built_template(docker_client, go_images, tmp_path_factory) -> Path:
    """tests/apps/go built as `sam build` would: .aws-sam/build/template.yaml and Hello/bootstrap."""
    return build_app(docker_client, APP, tmp_path_factory.mktemp("go-app") / ".aws-sam" / "build")


@pytest.fixture(scope="session")
def in_place_template(docker_client, go_images, tmp_path_factory) -> Path:
    """A copy of tests/apps/go whose CodeUri holds both the sources and the bootstrap built from them (a Makefile or
    `go build -o bootstrap` project, no `sam build`): the template as it is, the binary next to main.go."""
    app = tmp_path_factory.mktemp("go-in-place") / "app"
    shutil.copytree(APP, app)
    compile_bootstrap(docker_client, app / "hello", app / "hello")
    return app / "template.yaml"


@pytest.fixture(scope="session")
def dlv_dir(docker_client, go_images, tmp_path_factory) -> Path:
    return delve_directory(docker_client, tmp_path_factory.mktemp("delve"))


def invoke(template: Path, image: str, tmp_path: Path, *args: str, event: bytes = b"{}") -> Run:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "lambda_dap",
            "invoke",
            "-t",
            str(template),
            "-e",
            "-",
            *args,
            "--invoke-image",
            image,
            "--skip-pull-image",
        ],
        input=event,
        capture_output=True,
        timeout=120,
        env=clean_environment(home),
        cwd=template.parent,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr.decode(errors="replace"))


def debugged(built_template: Path, image: str, dlv_dir: Path, tmp_path: Path, event: str) -> DebuggedInvoke:
    event_file = tmp_path / "event.json"
    event_file.write_text(event)
    return DebuggedInvoke(
        ["-t", str(built_template), "-e", str(event_file), "--debugger-path", str(dlv_dir)], image, tmp_path
    )


def first_answer(session: DebuggedInvoke, client: DapClient, seq: int, timeout: float = 30) -> dict:
    """The body of delve's answer to its first request; fails at once if lambda-dap ends first (delve did not start)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = client.response(seq, timeout=0.25)
            break
        except DapError:
            if session.process.poll() is not None or time.monotonic() > deadline:
                _, _, stderr = session.finish()
                raise AssertionError(f"delve never answered; lambda-dap said:\n{stderr}") from None
    assert response["success"], response
    return response.get("body") or {}


def attach(session: DebuggedInvoke, source: Path, line: int) -> tuple[DapClient, dict]:
    """An editor's attach to delve with the configuration lambda-dap printed, one breakpoint set, the configuration
    done (the function runs on); the client and delve's answer to setBreakpoints."""
    configuration = session.attach_configuration()
    assert (configuration["type"], configuration["request"], configuration["mode"]) == ("go", "attach", "remote")
    # delve says nothing until asked (DapClient.connect waits for a first message, as debugpy sends one); the relay
    # holds what is sent until the debugger in the container listens.
    sock = socket.create_connection((configuration["host"], configuration["port"]), timeout=30)
    sock.settimeout(None)  # the reader blocks for as long as the debuggee stays paused
    client = DapClient(sock)
    initialize = client.send_request(
        "initialize",
        {"clientID": "tests", "adapterID": "go", "pathFormat": "path", "linesStartAt1": True, "columnsStartAt1": True},
    )
    capabilities = first_answer(session, client, initialize)
    assert capabilities["supportsConfigurationDoneRequest"]
    attach = client.send_request(
        "attach", {k: v for k, v in configuration.items() if k not in ("type", "request", "host", "port")}
    )
    client.event("initialized")
    assert client.response(attach)["success"]
    breakpoints = client.request("setBreakpoints", {"source": {"path": str(source)}, "breakpoints": [{"line": line}]})
    client.request("setExceptionBreakpoints", {"filters": []})
    client.request("configurationDone")
    return client, breakpoints["breakpoints"][0]


def attach_and_break(session: DebuggedInvoke, line: int, source: Path = SOURCE) -> tuple[DapClient, dict]:
    """attach(), then run to the breakpoint; the client and the stopped event's body."""
    client, breakpoint = attach(session, source, line)
    assert breakpoint["verified"], breakpoint
    stopped = client.event("stopped", timeout=60)["body"]
    assert stopped["reason"] == "breakpoint", stopped
    return client, stopped


def top_frame(client: DapClient, thread_id: int) -> tuple[dict, dict[str, str]]:
    frame = client.request("stackTrace", {"threadId": thread_id})["stackFrames"][0]
    scopes = client.request("scopes", {"frameId": frame["id"]})["scopes"]
    local_scope = next(scope for scope in scopes if scope["name"] == "Locals")
    variables = client.request("variables", {"variablesReference": local_scope["variablesReference"]})
    return frame, {v["name"]: v["value"] for v in variables["variables"]}


def test_a_go_bootstrap_runs_and_its_result_is_printed(built_template, go_images, tmp_path):
    run = invoke(built_template, go_images["provided"], tmp_path, event=b'{"name": "gopher"}')
    assert run.code == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["message"] == "Hello, gopher!"
    assert result["handler"] == "bootstrap"
    assert 0 < result["remainingMs"] <= 10_000  # the template's Timeout: 10, through Lambda-Runtime-Deadline-Ms
    assert f"greeting gopher for request {result['requestId']}" in run.stderr
    assert f"REPORT RequestId: {result['requestId']}" in run.stderr


def test_an_error_returned_by_the_go_handler_is_a_function_error(built_template, go_images, tmp_path):
    run = invoke(built_template, go_images["provided"], tmp_path, event=b'{"fail": true}')
    assert run.code == 3, run.stderr
    assert json.loads(run.stdout) == {"errorMessage": "asked to fail", "errorType": "errorString"}


def test_breakpoint_in_the_go_handler_is_hit_and_the_result_printed(
    built_template, go_images, dlv_dir, tmp_path, docker_client
):
    session = debugged(built_template, go_images["provided"], dlv_dir, tmp_path, '{"name": "debugger"}')
    line = line_of(SOURCE, BREAKPOINT)
    client, stopped = attach_and_break(session, line)
    frame, variables = top_frame(client, stopped["threadId"])
    assert (frame["name"], frame["source"]["path"], frame["line"]) == ("main.handle", str(SOURCE), line)
    assert variables["name"] == '"debugger"'
    assert "message" not in variables or variables["message"] == '""'  # the breakpoint's line has not run yet
    client.request("next", {"threadId": stopped["threadId"]})
    stepped = client.event("stopped")["body"]
    assert stepped["reason"] == "step"
    frame, variables = top_frame(client, stepped["threadId"])
    assert frame["line"] == line + 1
    assert variables["message"] == '"Hello, debugger!"'
    evaluated = client.request("evaluate", {"expression": "in.Name", "frameId": frame["id"], "context": "watch"})
    assert evaluated["result"] == '"debugger"'
    client.request("continue", {"threadId": stepped["threadId"]})
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 0, stderr
    assert json.loads(stdout)["message"] == "Hello, debugger!"
    assert f"Debugger (delve) waiting for a client on 127.0.0.1:{session.port}" in stderr
    assert containers_gone(docker_client)
    assert port_is_free(session.port)


def test_ctrl_c_while_paused_in_delve_removes_the_container_and_frees_the_port(
    built_template, go_images, dlv_dir, tmp_path, docker_client
):
    session = debugged(built_template, go_images["provided"], dlv_dir, tmp_path, "{}")
    client, _ = attach_and_break(session, line_of(SOURCE, BREAKPOINT))
    os.kill(session.process.pid, signal.SIGINT)
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 130, stderr
    assert stdout == b""
    assert "Traceback" not in stderr
    assert containers_gone(docker_client)
    assert port_is_free(session.port)


def test_debugging_go_without_a_debugger_path_says_what_is_needed(built_template, go_images, tmp_path):
    run = invoke(built_template, go_images["provided"], tmp_path, "-d", str(free_port()))
    assert run.code == 1
    assert run.stdout == b""
    error = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and "--debugger-path" in error[0] and "dlv" in error[0], run.stderr


def test_breakpoint_in_a_go_function_whose_code_uri_holds_its_sources(in_place_template, go_images, dlv_dir, tmp_path):
    source = in_place_template.parent / "hello" / "main.go"
    line = line_of(source, BREAKPOINT)
    session = debugged(in_place_template, go_images["provided"], dlv_dir, tmp_path, '{"name": "in place"}')
    client, breakpoint = attach(session, source, line)
    stopped = client.event("stopped", timeout=60)["body"] if breakpoint["verified"] else None
    if stopped is not None:
        client.request("continue", {"threadId": stopped["threadId"]})
    code, stdout, stderr = session.finish()  # with the breakpoint unverified the function runs to its end
    client.close()
    assert code == 0, stderr
    assert json.loads(stdout)["message"] == "Hello, in place!"
    assert breakpoint["verified"], breakpoint
    assert (stopped["reason"], breakpoint["line"]) == ("breakpoint", line)


def finish_or_interrupt(session: DebuggedInvoke, timeout: float) -> tuple[bool, int, bytes, str]:
    """Wait for the invoke to end by itself; if it does not, Ctrl-C it (so that it still cleans up)."""
    try:
        session.process.wait(timeout=timeout)
        ended = True
    except subprocess.TimeoutExpired:
        os.kill(session.process.pid, signal.SIGINT)
        ended = False
    return (ended, *session.finish())


@pytest.mark.parametrize("leaving", ["disconnect", "vanish"])
def test_a_client_leaving_delve_while_stopped_lets_the_function_finish(
    leaving, built_template, go_images, dlv_dir, tmp_path, docker_client
):
    session = debugged(built_template, go_images["provided"], dlv_dir, tmp_path, '{"name": "left"}')
    client, _ = attach_and_break(session, line_of(SOURCE, BREAKPOINT))
    if leaving == "disconnect":
        client.request("disconnect", {"terminateDebuggee": False})
    client.close()
    ended, code, stdout, stderr = finish_or_interrupt(session, timeout=10)
    assert containers_gone(docker_client)
    assert ended, "the function stayed paused after the client left:\n" + stderr
    assert code == 0, stderr
    assert json.loads(stdout)["message"] == "Hello, left!"


def test_sams_delve_api_debug_arg_is_understood(built_template, go_images, dlv_dir, tmp_path):
    event_file = tmp_path / "event.json"
    event_file.write_text('{"name": "sam"}')
    session = DebuggedInvoke(
        [
            "-t",
            str(built_template),
            "-e",
            str(event_file),
            "--debugger-path",
            str(dlv_dir),
            "--debug-args",
            "-delveAPI=2",
        ],
        go_images["provided"],
        tmp_path,
    )
    client, stopped = attach_and_break(session, line_of(SOURCE, BREAKPOINT))
    client.request("continue", {"threadId": stopped["threadId"]})
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 0, stderr
    assert json.loads(stdout)["message"] == "Hello, sam!"
