"""`lambda-dap --stdio` with a Node.js function on the nodejs test image: Node's inspector does not speak DAP, so the
adapter starts the container and asks the editor (`startDebugging`) to attach its own debugger (vscode-js-debug's
`pwa-node`) to the inspector port published on 127.0.0.1. The test answers the reverse request, then plays that child
debugger itself over the Chrome DevTools Protocol: breakpoint, a value, resume; the parent session reports the output,
the result, `exited` and `terminated`, and leaves nothing behind. Java's JDWP gets a `java` child the same way."""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from lambda_dap.dap.children import child_configuration
from lambda_dap.debug.attach import attach_configuration
from lambda_dap.invoke.events import DebuggerEndpoint
from tests.conftest import SESSION_LABEL
from tests.dap.client import DapClient
from tests.debug.cdp import CdpClient
from tests.invoke.conftest import containers_gone

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "tests" / "apps" / "node"
SOURCE = APP / "src" / "app.mjs"
FUNCTION_LABEL = "lambda-dap.function=Greeter"
INSPECTOR_WAIT_S = 30.0


def breakpoint_line() -> int:
    """The 0-based line of app.mjs marked `// @bp` (CDP counts lines from 0)."""
    lines = [i for i, text in enumerate(SOURCE.read_text().splitlines()) if text.rstrip().endswith("// @bp")]
    assert len(lines) == 1, lines
    return lines[0]


def spawn() -> DapClient:
    return DapClient.spawn(
        [sys.executable, "-m", "lambda_dap", "--stdio"], cwd=REPO, name="lambda-dap --stdio", default_timeout=30
    )


def configuration(image: str, name: str) -> dict:
    return {
        "type": "lambda",
        "name": "Node greeter",
        "template": str(APP / "template.yaml"),
        "function": "Greeter",
        "event": {"name": name},
        "invokeImage": image,
        "skipPullImage": True,
    }


def inspector_websocket(port: int) -> str:
    """The inspector's debugger URL on 127.0.0.1:port, polled until node listens behind Docker's port proxy (which
    accepts, then drops, connections before that)."""
    deadline = time.monotonic() + INSPECTOR_WAIT_S
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as response:
                targets = json.loads(response.read())
            urls = [target["webSocketDebuggerUrl"] for target in targets if target.get("webSocketDebuggerUrl")]
            if urls:
                return f"ws://127.0.0.1:{port}{urlsplit(urls[0]).path}"
            last_error = AssertionError(f"no debuggable target in {targets}")
        except (OSError, http.client.HTTPException, ValueError) as error:
            last_error = error
        time.sleep(0.1)
    raise AssertionError(f"no inspector on 127.0.0.1:{port} within {INSPECTOR_WAIT_S:.0f} s ({last_error!r})")


def debug_as_the_child_session(port: int, line: int, hold_s: float = 0.0) -> str:
    """What vscode-js-debug does with the child configuration: attach, break at `line`, read `greeting`, stay
    there `hold_s`, resume."""
    with CdpClient(inspector_websocket(port), timeout=30) as cdp:
        cdp.call("Runtime.enable")
        cdp.call("Debugger.enable")
        breakpoint_id = cdp.call(
            "Debugger.setBreakpointByUrl", {"urlRegex": r"/app\.mjs$", "lineNumber": line, "columnNumber": 0}
        )["breakpointId"]
        cdp.call("Runtime.runIfWaitingForDebugger")
        for _ in range(20):  # --inspect-brk stops on the runtime's first line first (continueOnAttach's job)
            paused = cdp.wait_event("Debugger.paused")
            if breakpoint_id in paused.get("hitBreakpoints", []):
                break
            cdp.call("Debugger.resume")
        else:
            raise AssertionError(f"never stopped at app.mjs:{line + 1}")
        frame = paused["callFrames"][0]
        value = cdp.call(
            "Debugger.evaluateOnCallFrame",
            {"callFrameId": frame["callFrameId"], "expression": "greeting", "returnByValue": True},
        )
        time.sleep(hold_s)
        cdp.call("Debugger.resume")
        return value["result"]["value"]


@pytest.mark.docker
def test_node_runs_under_a_child_session_the_editor_starts(lambda_images, docker_client):
    children: list[dict] = []
    asked = threading.Event()

    def start_debugging(request: dict) -> dict:
        children.append(request["arguments"])
        asked.set()
        return {}

    with spawn() as dap:
        dap.on_request("startDebugging", start_debugging)
        dap.initialize()
        launch = dap.send_request("launch", configuration(lambda_images["nodejs"], "child"))
        assert dap.wait_response(launch, timeout=60)["success"]
        assert asked.is_set() and len(children) == 1
        child = children[0]
        assert child["request"] == "attach"
        attach = child["configuration"]
        port = attach["port"]
        assert {key: attach[key] for key in ("type", "request", "address", "localRoot", "remoteRoot")} == {
            "type": "pwa-node",
            "request": "attach",
            "address": "127.0.0.1",
            "localRoot": str(APP / "src"),
            "remoteRoot": "/var/task",
        }
        (container,) = docker_client.api.containers(filters={"label": [FUNCTION_LABEL, SESSION_LABEL]})
        bindings = docker_client.api.inspect_container(container["Id"])["HostConfig"]["PortBindings"]
        assert bindings == {f"{port}/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}

        dap.wait_event("initialized")
        dap.request("configurationDone")
        assert debug_as_the_child_session(port, breakpoint_line()) == "Hello, child!"

        assert dap.wait_event("exited", timeout=60)["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        assert "greeting child" in dap.output("stdout") + dap.output("stderr")
        result = json.loads(next(line for line in dap.output("console").splitlines() if line.startswith("{")))
        assert (result["greeting"], result["event"]) == ("Hello, child!", {"name": "child"})
        assert "REPORT RequestId" in dap.output("console")
        assert [p["body"]["name"] for p in dap.events_named("process")] == ["Greeter"]
        dap.request("disconnect")
        assert dap.close() == 0
    assert containers_gone(docker_client, FUNCTION_LABEL, timeout=2)


def launch_child(dap: DapClient, config: dict) -> dict:
    """initialize, launch (the test answering startDebugging), configurationDone; the child's configuration."""
    children: list[dict] = []
    dap.on_request("startDebugging", lambda request: children.append(request["arguments"]) or {})
    dap.initialize()
    launch = dap.send_request("launch", config)
    assert dap.wait_response(launch, timeout=60)["success"]
    dap.wait_event("initialized")
    dap.request("configurationDone")
    (child,) = children
    return child["configuration"]


@pytest.mark.docker
def test_a_child_session_stopped_past_the_timeout_does_not_time_the_function_out(lambda_images, docker_client):
    """The adapter cannot see the child debugger's stops, so its invocations run without a timeout (as SAM's
    debug mode does): a 1 s function held at a breakpoint for longer still succeeds."""
    config = configuration(lambda_images["nodejs"], "patient")
    del config["template"], config["function"]
    config |= {"handler": "app.handler", "codeDir": str(APP / "src"), "runtime": "nodejs18.x", "timeout": 1}
    with spawn() as dap:
        attach = launch_child(dap, config)
        assert debug_as_the_child_session(attach["port"], breakpoint_line(), hold_s=1.5) == "Hello, patient!"
        assert dap.wait_event("exited", timeout=60)["body"]["exitCode"] == 0, dap.output()
        dap.request("disconnect")
        assert dap.close() == 0
    assert containers_gone(docker_client, "lambda-dap", timeout=2)


@pytest.mark.docker
def test_without_start_debugging_the_launch_error_gives_the_attach_configuration(lambda_images, docker_client):
    with spawn() as dap:
        dap.initialize(supportsStartDebuggingRequest=False)
        answer = dap.try_request("launch", configuration(lambda_images["nodejs"], "nobody"), timeout=60)
        assert not answer["success"]
        message = answer["body"]["error"]["format"]
        assert "supportsStartDebuggingRequest" in message, message
        attach = json.loads(message[message.index("{") :])
        assert (attach["type"], attach["request"], attach["address"]) == ("pwa-node", "attach", "127.0.0.1")
        assert attach["localRoot"] == str(APP / "src") and isinstance(attach["port"], int)
        assert not dap.reverse_requests
        dap.request("disconnect")
        assert dap.close() == 0
    assert containers_gone(docker_client, FUNCTION_LABEL, timeout=2)


def test_java_gets_a_java_attach_child_configuration_for_the_published_port():
    """The engine's JDWP endpoint (as InvokeSession announces it) becomes a vscode-java-debug attach."""
    endpoint = DebuggerEndpoint(
        debugger="JDWP",
        family="java",
        host="127.0.0.1",
        port=5005,
        attach=attach_configuration("java", "127.0.0.1", 5005, [], "/work/app"),
        path_mappings=[{"localRoot": "/work/app", "remoteRoot": "/var/task"}],
    )
    attach = child_configuration(endpoint, [], {"justMyCode": False, "projectName": "app"})
    assert {key: attach[key] for key in ("type", "request", "hostName", "port", "projectName")} == {
        "type": "java",
        "request": "attach",
        "hostName": "127.0.0.1",
        "port": 5005,
        "projectName": "app",
    }
    assert "justMyCode" not in attach
