"""Python debugging with zero setup: `lambda-dap invoke -d PORT`, a real DAP client, real debugpy in a container."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.debug.dap_client import DapClient
from tests.invoke.conftest import KITCHEN, clean_environment, containers_gone

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
HELLO = REPO / "examples" / "hello"
HELLO_APP = HELLO / "hello_world" / "app.py"
KITCHEN_APP = KITCHEN / "src" / "app.py"


def line_of(path: Path, marker: str) -> int:
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if marker in text:
            return number
    raise AssertionError(f"{marker!r} not in {path}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Nothing listens there any more: a new debug session (a server, with SO_REUSEADDR) can take the port."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class DebuggedInvoke:
    """`lambda-dap invoke -d PORT` in the background, its stderr collected line by line."""

    def __init__(self, args: list[str], image: str, tmp_path: Path, env: dict[str, str] | None = None) -> None:
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lambda_dap",
                "invoke",
                *args,
                "-d",
                str(self.port),
                "--invoke-image",
                image,
                "--skip-pull-image",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=clean_environment(home, **(env or {})),
        )
        self.stderr_lines: list[str] = []
        self._stdout = b""
        self._readers = [
            threading.Thread(target=self._collect, daemon=True),
            threading.Thread(target=self._read_stdout, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _collect(self) -> None:
        for raw in self.process.stderr:
            self.stderr_lines.append(raw.decode(errors="replace").rstrip("\n"))

    def _read_stdout(self) -> None:
        self._stdout = self.process.stdout.read()

    def attach_configuration(self, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.stderr_lines:
                if "Attach with: " in line:
                    return json.loads(line.split("Attach with: ", 1)[1])
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("no attach configuration on stderr:\n" + "\n".join(self.stderr_lines))

    def finish(self, timeout: float = 60) -> tuple[int, bytes, str]:
        """Wait for the command to end (one reader per pipe: `communicate` would steal stderr lines)."""
        try:
            self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        for reader in self._readers:
            reader.join(5)
        return self.process.returncode, self._stdout, "\n".join(self.stderr_lines)


def attach_and_break(session: DebuggedInvoke, source: Path, line: int) -> tuple[DapClient, dict]:
    """The editor's side: initialize, attach with the printed configuration, one breakpoint, run to it."""
    configuration = session.attach_configuration()
    client = DapClient.connect(configuration["connect"]["host"], configuration["connect"]["port"])
    client.request(
        "initialize",
        {
            "clientID": "tests",
            "adapterID": "debugpy",
            "pathFormat": "path",
            "linesStartAt1": True,
            "columnsStartAt1": True,
        },
    )
    attach = client.send_request(
        "attach", {k: v for k, v in configuration.items() if k not in ("type", "request", "connect")}
    )
    client.event("initialized")
    verified = client.request("setBreakpoints", {"source": {"path": str(source)}, "breakpoints": [{"line": line}]})
    assert verified["breakpoints"][0]["verified"], verified
    client.request("setExceptionBreakpoints", {"filters": []})
    client.request("configurationDone")
    assert client.response(attach)["success"]
    stopped = client.event("stopped", timeout=60)["body"]
    assert stopped["reason"] == "breakpoint"
    return client, stopped


def local_variables(client: DapClient, thread_id: int) -> tuple[dict, dict[str, str]]:
    frame = client.request("stackTrace", {"threadId": thread_id})["stackFrames"][0]
    scopes = client.request("scopes", {"frameId": frame["id"]})["scopes"]
    local_scope = next(scope for scope in scopes if scope["name"].lower().startswith("locals"))
    variables = client.request("variables", {"variablesReference": local_scope["variablesReference"]})
    return frame, {v["name"]: v["value"] for v in variables["variables"]}


def test_breakpoint_in_the_handler_is_hit_and_the_result_printed(tmp_path, lambda_images):
    event = tmp_path / "event.json"
    event.write_text('{"name": "debugger"}')
    session = DebuggedInvoke(["-t", str(HELLO / "template.yaml"), "-e", str(event)], lambda_images["python"], tmp_path)
    line = line_of(HELLO_APP, "a good line for a breakpoint")
    client, stopped = attach_and_break(session, HELLO_APP, line)
    frame, variables = local_variables(client, stopped["threadId"])
    assert frame["source"]["path"] == str(HELLO_APP)
    assert frame["line"] == line
    assert variables["name"] == "'debugger'"
    client.request("continue", {"threadId": stopped["threadId"]})
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 0, stderr
    assert json.loads(json.loads(stdout)["body"])["message"] == "Hello, debugger!"
    assert "waiting for a client on 127.0.0.1:" in stderr
    assert port_is_free(session.port)


def test_no_timeout_fires_while_paused_at_a_breakpoint(tmp_path, lambda_images):
    event = tmp_path / "event.json"
    event.write_text('{"action": "context"}')
    session = DebuggedInvoke(
        ["Short", "-t", str(KITCHEN / "template.yaml"), "-e", str(event)], lambda_images["python"], tmp_path
    )
    client, stopped = attach_and_break(session, KITCHEN_APP, line_of(KITCHEN_APP, '"remaining_ms": context'))
    time.sleep(2.5)  # the function's Timeout is 1 s
    client.request("continue", {"threadId": stopped["threadId"]})
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 0, stderr
    assert "Task timed out" not in stderr
    assert 0 <= json.loads(stdout)["remaining_ms"] <= 1000


def test_a_debugger_that_never_attaches_ends_cleanly(tmp_path, lambda_images, docker_client):
    session = DebuggedInvoke(
        ["-t", str(HELLO / "template.yaml")],
        lambda_images["python"],
        tmp_path,
        env={"LAMBDA_DAP_DEBUGGER_TIMEOUT": "3"},
    )
    code, stdout, stderr = session.finish()
    assert code == 1
    assert stdout == b""
    assert f"Error: No debugger attached to 127.0.0.1:{session.port} within 3 s" in stderr
    assert "Traceback" not in stderr
    assert port_is_free(session.port)


def test_the_client_disconnecting_mid_session_lets_the_function_finish(tmp_path, lambda_images):
    session = DebuggedInvoke(["-t", str(HELLO / "template.yaml")], lambda_images["python"], tmp_path)
    client, _ = attach_and_break(session, HELLO_APP, line_of(HELLO_APP, "a good line for a breakpoint"))
    client.close()  # the editor goes away without a word
    code, stdout, stderr = session.finish()
    assert code == 0, stderr
    assert json.loads(stdout)["statusCode"] == 200
    assert port_is_free(session.port)


def test_ctrl_c_while_paused_removes_the_container_and_frees_the_port(tmp_path, lambda_images, docker_client):
    session = DebuggedInvoke(["-t", str(HELLO / "template.yaml")], lambda_images["python"], tmp_path)
    client, _ = attach_and_break(session, HELLO_APP, line_of(HELLO_APP, "a good line for a breakpoint"))
    os.kill(session.process.pid, signal.SIGINT)
    code, _, stderr = session.finish()
    client.close()
    assert code == 130, stderr
    assert "Traceback" not in stderr
    assert containers_gone(docker_client)
    assert port_is_free(session.port)


def test_debug_args_replace_the_default_debugger_command(tmp_path, lambda_images):
    """SAM's documented form, `--debug-args "-m debugpy --listen 0.0.0.0:P --wait-for-client"`, still works."""
    port = free_port()
    session = DebuggedInvoke(
        [
            "-t",
            str(HELLO / "template.yaml"),
            "--debug-args",
            f"-m debugpy --listen 0.0.0.0:{port} --wait-for-client",
            "-d",
            str(port),
        ],
        lambda_images["python"],
        tmp_path,
    )
    session.port = port
    client, stopped = attach_and_break(session, HELLO_APP, line_of(HELLO_APP, "a good line for a breakpoint"))
    client.request("continue", {"threadId": stopped["threadId"]})
    code, _, stderr = session.finish()
    client.close()
    assert code == 0, stderr


def test_extensions_wait_while_the_handler_is_paused(tmp_path, lambda_images):
    """No deadline fires for the extensions either: the INVOKE subscriber waits out a pause longer than Timeout."""
    extensions_app = REPO / "tests" / "apps" / "extensions"
    handler = extensions_app / "src" / "app.py"
    env_file = tmp_path / "env.json"
    env_file.write_text(json.dumps({"PythonExt": {"PYTHON_EXT_INVOKE_DELAY_MS": "0"}}))
    session = DebuggedInvoke(
        ["PythonExt", "-t", str(extensions_app / "template.yaml"), "-n", str(env_file)],
        lambda_images["python"],
        tmp_path,
    )
    client, stopped = attach_and_break(session, handler, line_of(handler, "handler-marker"))
    time.sleep(6)  # the function's Timeout is 5 s
    client.request("continue", {"threadId": stopped["threadId"]})
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 0, stderr
    request_id = json.loads(stdout)["requestId"]
    assert f"python-ext: INVOKE {request_id}" in stderr
    assert "python-ext: SHUTDOWN spindown" in stderr
    assert "timed out" not in stderr.lower()
