"""startDebugging, the reverse request DebugClient cannot answer: lambda-dap, a Node.js function in a real container,
and this repo's own DAP client as the editor (VS Code's initialize arguments). The adapter asks for a `pwa-node`
child session; the test attaches the way that child would (the Chrome DevTools Protocol, tests/debug/cdp.py), stops
at the handler's breakpoint, and lets the invocation finish: exited 0, terminated, no container left.
"""

from __future__ import annotations

import http.client
import json
import queue
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.dap.client import DapClient
from tests.debug.cdp import CdpClient
from tests.invoke.conftest import containers_gone

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
NODE_APP = REPO / "tests" / "apps" / "node"
HANDLER = NODE_APP / "src" / "app.mjs"
WAIT_S = 60


def breakpoint_line_0_based() -> int:
    return next(n for n, line in enumerate(HANDLER.read_text().splitlines()) if "// @bp" in line)


def inspector_websocket(port: int) -> str:
    """The inspector's webSocketDebuggerUrl on 127.0.0.1:port (Docker's proxy may accept before node listens)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as answer:
                targets = [t for t in json.loads(answer.read()) if t.get("webSocketDebuggerUrl")]
            if targets:
                return f"ws://127.0.0.1:{port}{urlsplit(targets[0]['webSocketDebuggerUrl']).path}"
        except (OSError, http.client.HTTPException, ValueError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"no Node inspector on 127.0.0.1:{port} within {WAIT_S} s")
        time.sleep(0.1)


def test_a_nodejs_function_is_debugged_through_a_start_debugging_child_session(lambda_images, docker_client):
    requested: queue.Queue[dict] = queue.Queue()

    def start_debugging(request: dict) -> dict:
        requested.put(request["arguments"])
        return {}

    with DapClient.spawn([sys.executable, "-m", "lambda_dap", "--stdio"], cwd=REPO, default_timeout=WAIT_S) as dap:
        dap.on_request("startDebugging", start_debugging)
        dap.initialize("aws-sam")  # VS Code's arguments: supportsStartDebuggingRequest is true
        launch = dap.send_request(
            "launch",
            {
                "type": "lambda",
                "name": "Node greeter",
                "template": str(NODE_APP / "template.yaml"),
                "function": "Greeter",
                "event": {"name": "child"},
                "invokeImage": lambda_images["nodejs"],
                "skipPullImage": True,
            },
        )
        arguments = requested.get(timeout=WAIT_S)
        assert arguments["request"] == "attach"
        child = arguments["configuration"]
        assert child["type"] == "pwa-node" and child["request"] == "attach", child
        assert child.get("remoteRoot") == "/var/task", child

        dap.wait_event("initialized")  # the parent session takes configuration; its configurationDone starts the event
        dap.request("setExceptionBreakpoints", {"filters": []})
        dap.request("configurationDone")

        line = breakpoint_line_0_based()
        with CdpClient(inspector_websocket(child["port"]), timeout=WAIT_S) as cdp:
            cdp.call("Runtime.enable")
            cdp.call("Debugger.enable")
            mark = cdp.call("Debugger.setBreakpointByUrl", {"urlRegex": r"/app\.mjs$", "lineNumber": line})
            cdp.call("Runtime.runIfWaitingForDebugger")
            for _ in range(20):  # --inspect-brk pauses on the runtime's first line first
                paused = cdp.wait_event("Debugger.paused")
                if mark["breakpointId"] in paused.get("hitBreakpoints", []):
                    break
                cdp.call("Debugger.resume")
            else:
                pytest.fail(f"never stopped at app.mjs:{line + 1}")
            frame = paused["callFrames"][0]
            assert frame["location"]["lineNumber"] == line
            greeting = cdp.call(
                "Debugger.evaluateOnCallFrame",
                {"callFrameId": frame["callFrameId"], "expression": "greeting", "returnByValue": True},
            )
            assert greeting["result"] == {"type": "string", "value": "Hello, child!"}
            cdp.call("Debugger.resume")

        assert dap.wait_response(launch)["success"]
        assert dap.wait_event("exited")["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        assert "greeting child" in dap.output()
        result = json.loads(next(line for line in dap.output("console").splitlines() if line.startswith("{")))
        assert (result["greeting"], result["event"]) == ("Hello, child!", {"name": "child"})
        answers = [m for m in dap.sent if m["type"] == "response"]
        assert [(a["command"], a["success"]) for a in answers] == [("startDebugging", True)]
        dap.request("disconnect")
    assert containers_gone(docker_client, "lambda-dap.function=Greeter", timeout=2)
