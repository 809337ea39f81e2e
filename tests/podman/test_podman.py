"""lambda-dap on Podman's Docker-compatible API (rootful Podman on this machine, service.py): local mode, as with
Docker Engine: the Runtime API on the gateway of Podman's bridge network (named `podman`), the code bind-mounted.

What Podman 4 answers differently, and lambda-dap handles: the exit status of an auto-removed container (its wait
loses it: read from the container's die event), its containers' cgroups (libpod-ID: the peak memory), its empty
stats answer once a container stopped.
"""

from __future__ import annotations

import ipaddress
import json
import re
import sys

import pytest

from tests.dap.client import DapClient
from tests.debug.test_python import KITCHEN_APP, DebuggedInvoke, attach_and_break, line_of, local_variables
from tests.invoke.conftest import KITCHEN, containers_gone

pytestmark = pytest.mark.docker

TEMPLATE = ("-t", str(KITCHEN / "template.yaml"))


@pytest.fixture
def on_podman(podman) -> dict[str, str]:
    """The variables that point lambda-dap at Podman (for `invoke_cli(..., env=...)`)."""
    return {"DOCKER_HOST": podman.environment()["DOCKER_HOST"]}


def test_a_function_runs_in_local_mode_with_its_output_report_and_host_gateway(
    invoke_cli, event_file, podman, on_podman
):
    event = {"action": "env", "names": ["AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT"]}
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file(event), env=on_podman)
    assert run.code == 0, run.stderr
    host, _, port = run.json["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
    gateway = podman.client.api.inspect_network("podman")["IPAM"]["Config"][0]["Gateway"]
    assert ipaddress.ip_address(host) == ipaddress.ip_address(gateway) and port.isdigit(), run.json
    printed = invoke_cli(
        "Kitchen",
        *TEMPLATE,
        "-e",
        event_file({"action": "print", "stdout": "to out", "stderr": "to err"}),
        env=on_podman,
    )
    assert printed.code == 0, printed.stderr
    assert printed.json == "printed"
    assert "to out" in printed.stderr and "to err" in printed.stderr  # the function's logs, on stderr as with SAM
    assert re.search(r"REPORT RequestId: \S+\tDuration: [\d.]+ ms\t.*Max Memory Used: \d+ MB", printed.stderr)
    hosts = invoke_cli(
        "Kitchen",
        *TEMPLATE,
        "--add-host",
        "gw:host-gateway",
        "-e",
        event_file({"action": "fetch", "url": "file:///etc/hosts"}),
        env=on_podman,
    )
    assert hosts.code == 0, hosts.stderr
    assert f"{gateway}\tgw" in hosts.json.splitlines(), hosts.json  # Podman 4 would write the word itself


def test_errors_keep_their_exit_codes(invoke_cli, event_file, podman, on_podman):
    raised = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "raise", "message": "no"}), env=on_podman)
    assert raised.code == 3, raised.stderr
    assert raised.json["errorType"] == "ValueError" and raised.json["errorMessage"] == "no"
    crashed = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "exit", "code": 7}), env=on_podman)
    assert crashed.code == 3, crashed.stderr
    assert crashed.json["errorType"] == "Runtime.ExitError"
    assert "exit status 7" in crashed.json["errorMessage"]  # Podman's wait lost it: the die event keeps it
    timed_out = invoke_cli("Short", *TEMPLATE, "-e", event_file({"action": "sleep", "seconds": 30}), env=on_podman)
    assert timed_out.code == 4, timed_out.stderr
    assert "Task timed out after 1.00 seconds" in timed_out.stderr


def test_memory_size_is_the_limit_and_the_peak_is_measured(invoke_cli, event_file, podman, on_podman):
    killed = invoke_cli("Small", *TEMPLATE, "-e", event_file({"action": "alloc", "mb": 400}), env=on_podman)
    assert killed.code == 3, killed.stderr
    assert killed.json["errorType"] == "Runtime.OutOfMemory"
    fits = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "alloc", "mb": 100}), env=on_podman)
    assert fits.code == 0, fits.stderr
    used = int(re.search(r"Max Memory Used: (\d+) MB", fits.stderr)[1])
    assert 100 <= used <= 256, fits.stderr


def test_remote_mode_works_on_podman_too(invoke_cli, event_file, podman, on_podman):
    """Forced remote mode: the files in Podman's volumes, the network over the attached container's stdin/stdout."""
    remote = {**on_podman, "LAMBDA_DAP_ENGINE_MODE": "remote"}
    run = invoke_cli(
        "Kitchen", *TEMPLATE, "-e", event_file({"action": "env", "names": ["AWS_LAMBDA_RUNTIME_API"]}), env=remote
    )
    assert run.code == 0, run.stderr
    assert run.json == {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}  # the agent's, in the container
    crashed = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "exit", "code": 7}), env=remote)
    assert crashed.code == 3, crashed.stderr
    assert "exit status 7" in crashed.json["errorMessage"]


def test_a_breakpoint_in_the_handler_is_hit_with_invoke_debug_port(tmp_path, lambda_images, podman):
    event = tmp_path / "event.json"
    event.write_text('{"action": "echo", "n": 3}')
    session = DebuggedInvoke(
        ["Kitchen", *TEMPLATE, "-e", str(event)], lambda_images["python"], tmp_path, env=podman.environment({})
    )
    line = line_of(KITCHEN_APP, 'return {"event": event, "requestId": context.aws_request_id}')
    client, stopped = attach_and_break(session, KITCHEN_APP, line)
    frame, variables = local_variables(client, stopped["threadId"])
    assert frame["source"]["path"] == str(KITCHEN_APP) and frame["line"] == line
    assert "'n': 3" in variables["event"]
    client.request("continue", {"threadId": stopped["threadId"]})
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 0, stderr
    assert json.loads(stdout)["event"] == {"action": "echo", "n": 3}


def test_an_extension_starts_before_the_runtime(invoke_ext, podman):
    run = invoke_ext("PythonExt", env={"DOCKER_HOST": podman.environment()["DOCKER_HOST"]})
    assert run.code == 0, run.describe()
    assert run.json["seenAtInit"] == ["python-ext.next", "python-ext.registered"], run.describe()


def test_the_dap_server_keeps_the_container_warm(lambda_images, podman):
    """`lambda-dap --stdio` with keepAlive: a second invoke in the same container, then nothing left."""
    configuration = {
        "type": "lambda",
        "name": "Kitchen",
        "template": str(KITCHEN / "template.yaml"),
        "function": "Kitchen",
        "event": {"action": "env", "names": ["HOSTNAME"]},
        "invokeImage": lambda_images["python"],
        "skipPullImage": True,
        "keepAlive": True,
        "noDebug": True,
    }
    with DapClient.spawn(
        [sys.executable, "-m", "lambda_dap", "--stdio"], env=podman.environment(), name="lambda-dap --stdio"
    ) as dap:
        dap.initialize()
        launch = dap.send_request("launch", configuration)
        dap.wait_event("initialized")
        dap.request("configurationDone")
        assert dap.wait_response(launch)["success"]
        dap.wait_output("REPORT RequestId", category="console")
        again = dap.send_request("invoke", {"event": {"action": "env", "names": ["HOSTNAME"]}})
        assert dap.wait_response(again)["success"]
        console = dap.output("console")
        reports = [line for line in console.splitlines() if line.startswith("REPORT RequestId: ")]
        assert len(reports) == 2, console
        assert "Init Duration" in reports[0] and "Init Duration" not in reports[1], console  # warm: no second init
        hostnames = re.findall(r'\{"HOSTNAME": "([^"]+)"\}', console)
        assert len(hostnames) == 2 and hostnames[0] == hostnames[1], console  # the same container answered
        dap.request("disconnect")
        dap.close()
    assert containers_gone(podman.client, "lambda-dap.function=Kitchen", timeout=2)
