"""`lambda-dap --stdio` with real containers and real debugpy: both launch configuration shapes, from F5 to a
breakpoint in the handler's local file, variables, step, continue, output, exit code, nothing left behind."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SESSION_LABEL
from tests.dap.client import DapClient
from tests.debug.test_python import line_of
from tests.invoke.conftest import KITCHEN, containers_gone

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
KITCHEN_APP = KITCHEN / "src" / "app.py"


ECHO_LINE = line_of(KITCHEN_APP, 'return {"event": event, "requestId": context.aws_request_id}')


def spawn() -> DapClient:
    return DapClient.spawn(
        [sys.executable, "-m", "lambda_dap", "--stdio"], cwd=REPO, name="lambda-dap --stdio", default_timeout=30
    )


def flat(image: str, **extra) -> dict:
    return {
        "type": "lambda",
        "name": "Kitchen",
        "template": str(KITCHEN / "template.yaml"),
        "function": "Kitchen",
        "event": {"action": "echo", "n": 1},
        "invokeImage": image,
        "skipPullImage": True,
        **extra,
    }


def toolkit(image: str, **extra) -> dict:
    return {
        "type": "aws-sam",
        "name": "Kitchen (Toolkit)",
        "invokeTarget": {"target": "template", "templatePath": str(KITCHEN / "template.yaml"), "logicalId": "Kitchen"},
        "lambda": {"payload": {"json": {"action": "echo", "n": 1}}},
        "sam": {"localArguments": ["--invoke-image", image, "--skip-pull-image"]},
        **extra,
    }


def run_to_breakpoint(dap: DapClient, command: str, configuration: dict, line: int = ECHO_LINE) -> dict:
    dap.initialize()
    launch = dap.send_request(command, configuration)
    dap.wait_event("initialized")
    answer = dap.request("setBreakpoints", {"source": {"path": str(KITCHEN_APP)}, "breakpoints": [{"line": line}]})
    assert answer["body"]["breakpoints"][0]["verified"], answer
    dap.request("setExceptionBreakpoints", {"filters": []})
    dap.request("configurationDone")
    assert dap.wait_response(launch)["success"]
    return dap.wait_event("stopped")


@pytest.mark.parametrize(("command", "shape"), [("launch", flat), ("direct-invoke", toolkit)])
def test_breakpoint_in_the_handler_then_continue_to_the_end(lambda_images, docker_client, command, shape):
    with spawn() as dap:
        stopped = run_to_breakpoint(dap, command, shape(lambda_images["python"]))
        assert stopped["body"]["reason"] == "breakpoint"
        frame = dap.stopped_frame(stopped)
        assert frame["line"] == ECHO_LINE and frame["source"]["path"] == str(KITCHEN_APP)
        variables = dap.variables(frame["id"])
        assert variables["action"] == "'echo'"
        assert "'n': 1" in variables["event"]
        dap.request("next", {"threadId": stopped["body"]["threadId"]})
        dap.wait_event("stopped")
        dap.request("continue", {"threadId": stopped["body"]["threadId"]})
        assert dap.wait_event("exited")["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        console = dap.output("console")
        assert '"action": "echo"' in console and "REPORT RequestId" in console
        assert [p["body"]["name"] for p in dap.events_named("process")] == ["Kitchen"]
        dap.request("disconnect")
        assert dap.close() == 0
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen", timeout=2)


def test_function_output_arrives_as_stdout_and_stderr_output_events(lambda_images):
    configuration = flat(
        lambda_images["python"],
        event={"action": "write", "writes": [["stdout", "out line\npartial"], ["stderr", "err line\n"]]},
    )
    with spawn() as dap:
        dap.initialize()
        launch = dap.send_request("launch", configuration)
        dap.wait_event("initialized")
        dap.request("configurationDone")
        assert dap.wait_response(launch)["success"]
        assert dap.wait_event("exited")["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        assert dap.output("stdout") == "out line\npartial"
        assert dap.output("stderr") == "err line\n"
        dap.request("disconnect")
        dap.close()


def test_an_init_error_is_the_runtimes_own_output_document_and_report(lambda_images):
    """A handler module that fails to import: the runtime's [ERROR] line as function output, its error document
    and the REPORT (with the init's duration) in the console, exit code 3, as `lambda-dap invoke` shows them."""
    with spawn() as dap:
        dap.initialize()
        launch = dap.send_request("launch", flat(lambda_images["python"], function="Broken"))
        dap.wait_event("initialized")
        dap.request("configurationDone")
        assert dap.wait_response(launch)["success"]
        assert dap.wait_event("exited")["body"]["exitCode"] == 3
        dap.wait_event("terminated")
        assert "[ERROR] Runtime.ImportModuleError: Unable to import module 'broken'" in dap.output("stdout")
        console = dap.output("console")
        assert '"errorType": "Runtime.ImportModuleError"' in console
        report = [line for line in console.splitlines() if line.startswith("REPORT RequestId: ")]
        assert len(report) == 1 and "\tInit Duration: " in report[0], console
        dap.request("disconnect")
        dap.close()


def test_keep_alive_invokes_again_in_the_same_container_breakpoints_kept(lambda_images, docker_client):
    with spawn() as dap:
        stopped = run_to_breakpoint(dap, "launch", flat(lambda_images["python"], keepAlive=True))
        dap.request("continue", {"threadId": stopped["body"]["threadId"]})
        dap.wait_output("REPORT RequestId", category="console")
        again = dap.send_request("invoke", {"event": {"action": "echo", "n": 2}})
        stopped_again = dap.wait_event("stopped")
        frame = dap.stopped_frame(stopped_again)
        assert "'n': 2" in dap.variables(frame["id"])["event"]
        dap.request("continue", {"threadId": stopped_again["body"]["threadId"]})
        assert dap.wait_response(again)["success"]
        mine = {"label": ["lambda-dap.function=Kitchen", SESSION_LABEL]}
        assert len(docker_client.api.containers(filters=mine)) == 1
        dap.request("disconnect")
        dap.close()
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen", timeout=2)


def test_a_killed_editor_leaves_nothing_behind(lambda_images, docker_client):
    """nvim-dap's way: SIGINT, then SIGKILL 5 s later; the container goes within 2 s of the SIGINT."""
    dap = spawn()
    try:
        run_to_breakpoint(dap, "launch", flat(lambda_images["python"]))
        dap.process.send_signal(signal.SIGINT)
        started = time.monotonic()
        dap.process.wait(5)
        assert containers_gone(docker_client, "lambda-dap.function=Kitchen", timeout=2)
        assert time.monotonic() - started < 4
    finally:
        dap.close(check=False)


def test_an_invalid_configuration_gets_an_error_naming_the_field():
    with spawn() as dap:
        dap.initialize()
        answer = dap.try_request("launch", {"type": "lambda", "name": "x", "debugPort": "eighty"})
        assert not answer["success"]
        assert "debugPort" in answer["body"]["error"]["format"]
        dap.request("disconnect")
        dap.close()


def test_attach_to_a_function_started_with_invoke_debug_port(lambda_images, docker_client, tmp_path):
    """`request: attach` to `lambda-dap invoke -d PORT`: the template and function give the path mappings."""
    import json

    from lambda_dap.invoke.build import free_port
    from tests.invoke.conftest import clean_environment, start_invoke

    port = free_port("127.0.0.1")
    home = tmp_path / "home"
    home.mkdir()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "echo", "n": 7}))
    invoke = start_invoke(
        "Kitchen",
        "-t",
        str(KITCHEN / "template.yaml"),
        "-e",
        str(event),
        "-d",
        str(port),
        image=lambda_images["python"],
        env=clean_environment(home),
    )
    try:
        with spawn() as dap:
            stopped = run_to_breakpoint(
                dap,
                "attach",
                {
                    "type": "lambda",
                    "name": "attach",
                    "port": port,
                    "template": str(KITCHEN / "template.yaml"),
                    "function": "Kitchen",
                },
            )
            frame = dap.stopped_frame(stopped)
            assert frame["source"]["path"] == str(KITCHEN_APP) and frame["line"] == ECHO_LINE
            assert "'n': 7" in dap.variables(frame["id"])["event"]
            dap.request("continue", {"threadId": stopped["body"]["threadId"]})
            stdout, stderr = invoke.communicate(timeout=60)
            assert invoke.returncode == 0, stderr.decode()
            assert json.loads(stdout)["event"]["n"] == 7
            dap.wait_event("terminated")
            dap.request("disconnect")
            dap.close()
    finally:
        if invoke.poll() is None:
            invoke.kill()
            invoke.communicate()
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen")


TENANTS = REPO / "tests" / "apps" / "tenants"


@pytest.mark.parametrize("shape", ["flat", "toolkit"])
def test_a_launch_with_a_tenant_id_reaches_a_multi_tenant_handler(lambda_images, shape):
    if shape == "flat":
        configuration = {
            "type": "lambda",
            "name": "Orders",
            "template": str(TENANTS / "template.yaml"),
            "function": "OrdersFunction",
            "event": {"orders": [1]},
            "tenantId": "acme",
            "invokeImage": lambda_images["python"],
            "skipPullImage": True,
        }
    else:
        configuration = {
            "type": "aws-sam",
            "name": "Orders (Toolkit)",
            "invokeTarget": {
                "target": "template",
                "templatePath": str(TENANTS / "template.yaml"),
                "logicalId": "OrdersFunction",
            },
            "lambda": {"payload": {"json": {"orders": [1]}}, "tenantId": "acme"},
            "sam": {"localArguments": ["--invoke-image", lambda_images["python"], "--skip-pull-image"]},
        }
    with spawn() as dap:
        dap.initialize()
        launch = dap.send_request("direct-invoke" if shape == "toolkit" else "launch", configuration)
        dap.wait_event("initialized")
        dap.request("configurationDone")
        assert dap.wait_response(launch)["success"]
        assert dap.wait_event("exited")["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        assert '{"tenant": "acme", "orders": [1]}' in dap.output("console")
        dap.request("disconnect")
        dap.close()
