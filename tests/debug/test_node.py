"""Node.js functions on the nodejs test image (tests/images/nodejs): `lambda-dap invoke` runs them as a user does,
and with `-d PORT` a Chrome DevTools Protocol client (tests/debug/cdp.py) stops them on a breakpoint."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.debug.cdp import CdpClient, CdpError
from tests.invoke.conftest import Run, clean_environment

pytestmark = pytest.mark.docker

APP = Path(__file__).resolve().parent.parent / "apps" / "node"
TEMPLATE = APP / "template.yaml"
SOURCE = APP / "src" / "app.mjs"
INSPECTOR_WAIT = 30.0  # for the container to start and node to listen
CDP_WAIT = 30.0  # for any one debugger event
EXIT_WAIT = 60.0  # for lambda-dap to finish once the function runs


def _breakpoint_line() -> int:
    """The 0-based line of app.mjs marked `// @bp`, as CDP counts lines."""
    lines = [i for i, line in enumerate(SOURCE.read_text().splitlines()) if line.rstrip().endswith("// @bp")]
    assert len(lines) == 1, f"{SOURCE} must mark exactly one line with // @bp"
    return lines[0]


def _invoke_command(image: str, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "lambda_dap",
        "invoke",
        "-t",
        str(TEMPLATE),
        *args,
        "--invoke-image",
        image,
        "--skip-pull-image",
    ]


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def node_invoke(lambda_images, home):
    """Run `lambda-dap invoke ARGS` on the nodejs test image to the end; returns a `Run`."""

    def run(*args: str, timeout: float = 120) -> Run:
        completed = subprocess.run(
            _invoke_command(lambda_images["nodejs"], *args),
            capture_output=True,
            cwd=APP,
            timeout=timeout,
            env=clean_environment(home),
            stdin=subprocess.DEVNULL,
        )
        return Run(completed.returncode, completed.stdout, completed.stderr.decode(errors="replace"))

    return run


@pytest.fixture
def event_file(tmp_path):
    def write(document) -> str:
        path = tmp_path / "event.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        return str(path)

    return write


def test_node_function_result_on_stdout_console_log_on_stderr(node_invoke, event_file):
    event = {"name": "lambda-dap", "n": [1, 2, 3]}
    run = node_invoke("Greeter", "-e", event_file(event))

    assert run.code == 0, run.stderr
    result = run.json
    assert result["greeting"] == "Hello, lambda-dap!"
    assert result["event"] == event
    assert result["node"].startswith("v18."), result["node"]
    assert result["memoryLimitInMB"] == "256"
    assert result["invokedFunctionArn"].endswith(":function:node-greeter")
    assert 0 < result["remainingMs"] <= 30_000
    request_id = result["requestId"]
    assert f"START RequestId: {request_id}" in run.stderr
    # console.log as the Lambda Node.js runtime writes it: time, request id, level, message.
    assert re.search(rf"^\d{{4}}-\d\d-\d\dT[\d:.]+Z\t{request_id}\tINFO\tgreeting lambda-dap$", run.stderr, re.M), (
        run.stderr
    )
    assert b"greeting lambda-dap" not in run.stdout


def test_node_handler_error_is_a_function_error(node_invoke, event_file):
    run = node_invoke("Failing", "-e", event_file({"bad": True}))

    assert run.code == 3, run.stderr
    assert run.json["errorType"] == "RangeError"
    assert run.json["errorMessage"] == 'cannot handle {"bad":true}'
    assert any("/var/task/app.mjs" in line for line in run.json["trace"])
    assert "\tERROR\tInvoke Error \t{" in run.stderr


def test_node_import_failure_is_an_init_error(node_invoke):
    run = node_invoke("Broken")

    assert run.code == 3, run.stderr
    assert run.json["errorType"] == "Runtime.ImportModuleError"
    assert "package-that-does-not-exist" in run.json["errorMessage"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """End lambda-dap the way a user would (SIGTERM: it removes its container), SIGKILL only as a last resort."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _inspector_websocket(port: int, process: subprocess.Popen, output) -> str:
    """The webSocketDebuggerUrl of the inspector published on 127.0.0.1:port, polled until it answers.

    Docker's port proxy accepts (then drops) connections before node listens in the container: retry on those.
    """
    deadline = time.monotonic() + INSPECTOR_WAIT
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"lambda-dap exited ({process.returncode}) before the inspector answered:\n{output()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as response:
                targets = json.loads(response.read())
            urls = [t["webSocketDebuggerUrl"] for t in targets if t.get("webSocketDebuggerUrl")]
            if urls:
                # Node names the host the request used; connect where the port is published whatever it says.
                return f"ws://127.0.0.1:{port}{urlsplit(urls[0]).path}"
            last_error = AssertionError(f"no debuggable target in {targets}")
        except (OSError, http.client.HTTPException, ValueError) as error:
            last_error = error
        time.sleep(0.2)
    pytest.fail(f"no inspector on 127.0.0.1:{port} within {INSPECTOR_WAIT:.0f} s ({last_error!r}):\n{output()}")


@contextlib.contextmanager
def _explained(output):
    """Debugger conversation failures (timeouts, a closed connection, error answers) with lambda-dap's output."""
    try:
        yield
    except (OSError, CdpError) as error:  # TimeoutError and WebSocketClosed are OSErrors
        pytest.fail(f"debugger conversation failed: {error!r}\n{output()}")


def test_node_breakpoint_through_the_inspector(lambda_images, home, tmp_path, event_file):
    break_in_the_handler(lambda_images["nodejs"], home, tmp_path, event_file)


def break_in_the_handler(image: str, home: Path, tmp_path: Path, event_file, env: dict[str, str] | None = None) -> None:
    """`invoke -d PORT` of the Greeter: a CDP client stops it on the marked line, reads a local, and resumes; the
    result follows (`env`: more of lambda-dap's environment, DOCKER_HOST say)."""
    port = _free_port()
    line = _breakpoint_line()
    stdout_path, stderr_path = tmp_path / "stdout", tmp_path / "stderr"
    command = _invoke_command(image, "Greeter", "-e", event_file({"name": "debugger"}), "-d", str(port))

    def output() -> str:
        return f"stderr:\n{stderr_path.read_text(errors='replace')}\nstdout:\n{stdout_path.read_text(errors='replace')}"

    with open(stdout_path, "wb") as stdout, open(stderr_path, "wb") as stderr:
        process = subprocess.Popen(
            command,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            cwd=APP,
            env=clean_environment(home, **(env or {})),
        )
    try:
        url = _inspector_websocket(port, process, output)
        with _explained(output), CdpClient(url, timeout=CDP_WAIT) as cdp:
            cdp.call("Runtime.enable")
            cdp.call("Debugger.enable")
            breakpoint_id = cdp.call(
                "Debugger.setBreakpointByUrl",
                {
                    "urlRegex": r"/app\.mjs$",
                    "lineNumber": line,
                    "columnNumber": 0,
                },
            )["breakpointId"]
            cdp.call("Runtime.runIfWaitingForDebugger")

            for _ in range(20):  # --inspect-brk stops on the runtime's first line first: go on from there
                paused = cdp.wait_event("Debugger.paused")
                if breakpoint_id in paused.get("hitBreakpoints", []):
                    break
                cdp.call("Debugger.resume")
            else:
                pytest.fail(f"never stopped at app.mjs:{line + 1}:\n{output()}")

            frame = paused["callFrames"][0]
            # CallFrame.url is deprecated (V8 sends ""): the script's url comes with Debugger.scriptParsed.
            scripts = {script["scriptId"]: script["url"] for script in cdp.events("Debugger.scriptParsed")}
            assert scripts.get(frame["location"]["scriptId"]) == "file:///var/task/app.mjs", frame
            assert frame["location"]["lineNumber"] == line
            assert frame["functionName"] == "handler"
            value = cdp.call(
                "Debugger.evaluateOnCallFrame",
                {
                    "callFrameId": frame["callFrameId"],
                    "expression": "greeting",
                    "returnByValue": True,
                },
            )
            assert value["result"] == {"type": "string", "value": "Hello, debugger!"}, value
            cdp.call("Debugger.resume")

        try:
            code = process.wait(timeout=EXIT_WAIT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"lambda-dap still running {EXIT_WAIT:.0f} s after the breakpoint was resumed:\n{output()}")
        assert code == 0, output()
        result = json.loads(stdout_path.read_bytes())
        assert result["greeting"] == "Hello, debugger!"
        assert result["event"] == {"name": "debugger"}
    finally:
        with contextlib.suppress(Exception):
            _stop(process)
