"""`lambda-dap --stdio` with a Go function on provided.al2023 and Debian's delve in the container: the editor's DAP
session is proxied onto delve's own DAP server, from F5 to a breakpoint in the handler's main.go, variables, step,
continue, the function's output, exit code and end; an editor leaving while stopped lets the function finish."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.dap.client import DapClient
from tests.debug.go_function import build_app, compile_bootstrap, delve_directory
from tests.debug.test_python import line_of
from tests.invoke.conftest import containers_gone

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "tests" / "apps" / "go"
SOURCE = APP / "hello" / "main.go"
FUNCTION_LABEL = "lambda-dap.function=Hello"


BREAKPOINT_LINE = line_of(SOURCE, "a good line for a breakpoint")


@pytest.fixture(scope="module")
def built_template(docker_client, lambda_images, tmp_path_factory) -> Path:
    """tests/apps/go as `sam build` leaves it: .aws-sam/build/template.yaml and Hello/bootstrap (built with -N -l)."""
    return build_app(docker_client, APP, tmp_path_factory.mktemp("go-app") / ".aws-sam" / "build")


@pytest.fixture(scope="module")
def dlv_dir(docker_client, lambda_images, tmp_path_factory) -> Path:
    return delve_directory(docker_client, tmp_path_factory.mktemp("delve"))


@pytest.fixture(scope="module")
def in_place_template(docker_client, lambda_images, tmp_path_factory) -> Path:
    """A copy of tests/apps/go whose CodeUri holds both main.go and the bootstrap built from it (no `sam build`):
    the code directory mounted at /var/task is where the sources are, yet the binary names their host paths."""
    app = tmp_path_factory.mktemp("go-in-place") / "app"
    shutil.copytree(APP, app)
    compile_bootstrap(docker_client, app / "hello", app / "hello")
    return app / "template.yaml"


def spawn() -> DapClient:
    return DapClient.spawn(
        [sys.executable, "-m", "lambda_dap", "--stdio"], cwd=REPO, name="lambda-dap --stdio", default_timeout=30
    )


def configuration(template: Path, image: str, dlv: Path | None, name: str, **extra) -> dict:
    config = {
        "type": "lambda",
        "name": "Go hello",
        "template": str(template),
        "function": "Hello",
        "event": {"name": name},
        "invokeImage": image,
        "skipPullImage": True,
        **extra,
    }
    if dlv is not None:
        config["debuggerPath"] = str(dlv)
    return config


def run_to_breakpoint(dap: DapClient, config: dict, source: Path = SOURCE) -> dict:
    """initialize, launch, one breakpoint on the handler's line, configurationDone; the `stopped` event."""
    dap.initialize(adapter_id="lambda")
    launch = dap.send_request("launch", config)
    dap.wait_event("initialized")
    answer = dap.request(
        "setBreakpoints", {"source": {"path": str(source)}, "breakpoints": [{"line": BREAKPOINT_LINE}]}
    )
    breakpoint = answer["body"]["breakpoints"][0]
    assert breakpoint["verified"] and breakpoint["line"] == BREAKPOINT_LINE, answer
    dap.request("setExceptionBreakpoints", {"filters": []})
    dap.request("configurationDone")
    assert dap.wait_response(launch)["success"]
    return dap.wait_event("stopped", timeout=60)


def test_breakpoint_in_main_go_variables_step_continue_exit(built_template, lambda_images, dlv_dir, docker_client):
    with spawn() as dap:
        started = time.monotonic()
        stopped = run_to_breakpoint(dap, configuration(built_template, lambda_images["provided"], dlv_dir, "gopher"))
        to_breakpoint = time.monotonic() - started
        assert stopped["body"]["reason"] == "breakpoint", stopped
        frame = dap.stopped_frame(stopped)
        assert (frame["name"], frame["source"]["path"], frame["line"]) == ("main.handle", str(SOURCE), BREAKPOINT_LINE)
        assert dap.variables(frame["id"])["name"] == '"gopher"'
        threads = dap.request("threads")["body"]["threads"]
        assert stopped["body"]["threadId"] in [thread["id"] for thread in threads]

        dap.request("next", {"threadId": stopped["body"]["threadId"]})
        stepped = dap.wait_event("stopped")
        assert stepped["body"]["reason"] == "step"
        frame = dap.stopped_frame(stepped)
        assert frame["line"] == BREAKPOINT_LINE + 1
        assert dap.variables(frame["id"])["message"] == '"Hello, gopher!"'
        evaluated = dap.request("evaluate", {"expression": "in.Name", "frameId": frame["id"], "context": "watch"})
        assert evaluated["body"]["result"] == '"gopher"'

        dap.request("continue", {"threadId": stepped["body"]["threadId"]})
        assert dap.wait_event("exited")["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        assert "greeting gopher for request" in dap.output("stdout")
        console = dap.output("console")
        result = json.loads(next(line for line in console.splitlines() if line.startswith("{")))
        assert result["message"] == "Hello, gopher!"
        assert "REPORT RequestId" in console
        assert [p["body"]["name"] for p in dap.events_named("process")] == ["Hello"]
        dap.request("disconnect")
        assert dap.close() == 0
    assert containers_gone(docker_client, FUNCTION_LABEL, timeout=2)
    print(f"\nGo: launch request to stopped at the breakpoint: {to_breakpoint:.2f} s")


def result_of(dap: DapClient) -> dict:
    """The function's result, as the adapter shows it (a console line)."""
    lines = [line for line in dap.output("console").splitlines() if line.startswith("{")]
    assert lines, dap.output()
    return json.loads(lines[-1])


@pytest.mark.parametrize("leaving", ["disconnect", "vanish"])
def test_an_editor_leaving_while_stopped_lets_the_function_finish(
    leaving, built_template, lambda_images, dlv_dir, docker_client
):
    """delve keeps a halted target halted when its client goes: the adapter clears the editor's breakpoints and
    resumes it first, so the function runs to its end (its output and result still reach the editor)."""
    dap = spawn()
    try:
        run_to_breakpoint(dap, configuration(built_template, lambda_images["provided"], dlv_dir, "left"))
        if leaving == "disconnect":
            dap.request("disconnect", {"terminateDebuggee": False})
        assert dap.close() == 0
        assert "greeting left for request" in dap.output("stdout")
        assert result_of(dap)["message"] == "Hello, left!"
        assert "REPORT RequestId" in dap.output("console")
        assert not dap.events_named("exited")
    finally:
        dap.close(check=False)
    assert containers_gone(docker_client, FUNCTION_LABEL, timeout=2)


def toolkit(template: Path, image: str, dlv: Path | None, name: str) -> dict:
    """The AWS Toolkit's shape of the same launch (what nvim-dap and dape send for a Toolkit launch.json)."""
    local = ["--invoke-image", image, "--skip-pull-image"] + (["--debugger-path", str(dlv)] if dlv else [])
    return {
        "type": "aws-sam",
        "name": "Go hello (Toolkit)",
        "invokeTarget": {"target": "template", "templatePath": str(template), "logicalId": "Hello"},
        "lambda": {"payload": {"json": {"name": name}}},
        "sam": {"localArguments": local},
    }


def test_the_toolkit_shape_breaks_in_main_go_too(built_template, lambda_images, dlv_dir, docker_client):
    with spawn() as dap:
        stopped = run_to_breakpoint(dap, toolkit(built_template, lambda_images["provided"], dlv_dir, "toolkit"))
        frame = dap.stopped_frame(stopped)
        assert (frame["source"]["path"], frame["line"]) == (str(SOURCE), BREAKPOINT_LINE)
        assert dap.variables(frame["id"])["name"] == '"toolkit"'
        dap.request("continue", {"threadId": stopped["body"]["threadId"]})
        assert dap.wait_event("exited")["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        dap.request("disconnect")
        assert dap.close() == 0
    assert containers_gone(docker_client, FUNCTION_LABEL, timeout=2)


@pytest.mark.parametrize(("shape", "field"), [(configuration, "debuggerPath"), (toolkit, "sam.localArguments")])
def test_go_without_a_debugger_path_is_an_error_naming_the_field(
    shape, field, built_template, lambda_images, docker_client
):
    with spawn() as dap:
        dap.initialize()
        answer = dap.try_request("launch", shape(built_template, lambda_images["provided"], None, "x"))
        assert not answer["success"]
        message = answer["body"]["error"]["format"]
        assert field in message and "dlv" in message, message
        dap.request("disconnect")
        assert dap.close() == 0
    assert containers_gone(docker_client, FUNCTION_LABEL, timeout=2)


def test_breakpoint_in_a_go_function_whose_code_uri_holds_its_sources(
    in_place_template, lambda_images, dlv_dir, docker_client
):
    source = in_place_template.parent / "hello" / "main.go"
    with spawn() as dap:
        config = configuration(in_place_template, lambda_images["provided"], dlv_dir, "in place")
        stopped = run_to_breakpoint(dap, config, source)
        frame = dap.stopped_frame(stopped)
        assert (frame["source"]["path"], frame["line"]) == (str(source), BREAKPOINT_LINE)
        dap.request("continue", {"threadId": stopped["body"]["threadId"]})
        assert dap.wait_event("exited")["body"]["exitCode"] == 0
        assert result_of(dap)["message"] == "Hello, in place!"
        dap.request("disconnect")
        assert dap.close() == 0
    assert containers_gone(docker_client, FUNCTION_LABEL, timeout=2)


def test_the_timeout_stands_still_while_stopped_in_delve(built_template, lambda_images, dlv_dir, docker_client):
    """A 2 s function held at a breakpoint for longer than that still succeeds: the deadline pauses on `stopped`
    and resumes with `next`/`continue` (the template-less `code` target sets the timeout)."""
    config = configuration(built_template, lambda_images["provided"], dlv_dir, "patient")
    del config["template"], config["function"]
    config |= {"handler": "bootstrap", "codeDir": str(built_template.parent / "Hello"), "runtime": "provided.al2023"}
    config["timeout"] = 2
    with spawn() as dap:
        stopped = run_to_breakpoint(dap, config)
        time.sleep(2.5)  # longer than the function's Timeout
        dap.request("next", {"threadId": stopped["body"]["threadId"]})
        stepped = dap.wait_event("stopped")
        time.sleep(1)
        dap.request("continue", {"threadId": stepped["body"]["threadId"]})
        assert dap.wait_event("exited")["body"]["exitCode"] == 0, dap.output()
        assert result_of(dap)["message"] == "Hello, patient!"
        dap.request("disconnect")
        assert dap.close() == 0
    assert containers_gone(docker_client, "lambda-dap", timeout=2)
