"""`lambda-dap --stdio` on a function with a requirements.txt: the install is a progress bar before the container
starts, and a breakpoint in the user's own handler file still stops there with the installed package in use."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.dap.client import DapClient
from tests.debug.test_python import line_of
from tests.invoke.conftest import containers_gone

pytestmark = pytest.mark.docker

APP = """\
import markupsafe


def handler(event, context):
    escaped = str(markupsafe.escape(event["text"]))
    return {"escaped": escaped}
"""


@pytest.fixture
def app(tmp_path: Path) -> Path:
    code = tmp_path / "app" / "src"
    code.mkdir(parents=True)
    (code / "app.py").write_text(APP)
    (code / "requirements.txt").write_text("markupsafe\n")
    (tmp_path / "app" / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.11\n"
    )
    return tmp_path / "app"


def debug_once(app: Path, image: str, env: dict[str, str]) -> DapClient:
    handler_file = app / "src" / "app.py"
    line = line_of(handler_file, 'return {"escaped": escaped}')
    dap = DapClient.spawn([sys.executable, "-m", "lambda_dap", "--stdio"], env=env, cwd=app, default_timeout=120)
    dap.initialize(supportsProgressReporting=True)
    configuration = {
        "type": "lambda",
        "name": "Fn",
        "template": str(app / "template.yaml"),
        "function": "Fn",
        "event": {"text": "<b>"},
        "invokeImage": image,
        "skipPullImage": True,
    }
    launch = dap.send_request("launch", configuration)
    dap.wait_event("initialized")
    answer = dap.request("setBreakpoints", {"source": {"path": str(handler_file)}, "breakpoints": [{"line": line}]})
    assert answer["body"]["breakpoints"][0]["verified"], answer
    dap.request("configurationDone")
    assert dap.wait_response(launch)["success"]
    stopped = dap.wait_event("stopped")
    frame = dap.stopped_frame(stopped)
    assert (frame["source"]["path"], frame["line"]) == (str(handler_file), line)
    assert dap.variables(frame["id"])["escaped"] == "'&lt;b&gt;'"
    dap.request("continue", {"threadId": stopped["body"]["threadId"]})
    assert dap.wait_event("exited")["body"]["exitCode"] == 0
    dap.wait_event("terminated")
    dap.request("disconnect")
    assert dap.close() == 0
    return dap


def install_bars(dap: DapClient) -> list[tuple[str, str]]:
    starts = {
        event["body"]["progressId"]: event["body"]
        for event in dap.events_named("progressStart")
        if event["body"]["title"] == "Installing dependencies"
    }
    ends = {event["body"]["progressId"]: event["body"] for event in dap.events_named("progressEnd")}
    return [(start["message"], ends[progress_id].get("message", "")) for progress_id, start in starts.items()]


def test_install_progress_and_a_breakpoint_in_the_users_own_file(app, tmp_path, lambda_images, docker_client):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = debug_once(app, lambda_images["python"], env)
    bars = install_bars(first)
    assert len(bars) == 1
    started, ended = bars[0]
    assert started == "Installing dependencies from src/requirements.txt for python3.11 (x86_64) with pip ..."
    assert ended.startswith("Installed dependencies from src/requirements.txt in ")

    second = debug_once(app, lambda_images["python"], env)
    assert install_bars(second) == []
    assert containers_gone(docker_client, "lambda-dap.function=Fn", timeout=3)
