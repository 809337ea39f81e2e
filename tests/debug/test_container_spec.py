"""The whole debug container spec per runtime, pinned: launcher arguments, environment, mounts, ports, options."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_dap.debug.settings import DEBUGGER_MOUNT, DEBUGPY_MOUNT, DEBUGPY_WRAPPER
from lambda_dap.invoke.plan import plan_function
from lambda_dap.invoke.request import DebugOptions, InvokeRequest
from lambda_dap.invoke.spec import container_spec
from lambda_dap.runtime.rundir import MOUNT


def spec_for(
    tmp_path: Path, runtime: str, handler: str, source: str, debug: DebugOptions | None, network: str | None = None
):
    code = tmp_path / "src"
    code.mkdir(exist_ok=True)
    (code / source).write_text("")
    template = tmp_path / "template.yaml"
    template.write_text(
        f"Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: src/\n      Handler: {handler}\n      Runtime: {runtime}\n      Timeout: 7\n"
    )
    request = InvokeRequest(template=template, debug=debug, docker_network=network)
    plan = plan_function(request, notice=lambda text: None, host_env={})
    try:
        return container_spec(request, plan, {}, run_dir=tmp_path / "run", runtime_api="172.17.0.1:9001")
    finally:
        plan.close()


def test_without_debugging_the_launcher_finds_the_bootstrap(tmp_path):
    spec = spec_for(tmp_path, "python3.12", "app.handler", "app.py", None)
    assert spec.image == "public.ecr.aws/lambda/python:3.12-x86_64"
    assert spec.entrypoint == ["/bin/sh", f"{MOUNT}/launch.sh"] and spec.command == []
    assert (str(tmp_path / "run"), MOUNT, False) in [(m.source, m.target, m.read_only) for m in spec.mounts]
    assert (str(tmp_path / "src"), "/var/task", True) in [(m.source, m.target, m.read_only) for m in spec.mounts]
    assert spec.environment["_HANDLER"] == "app.handler"
    assert spec.environment["AWS_LAMBDA_RUNTIME_API"] == "172.17.0.1:9001"
    assert spec.environment["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "7"
    assert spec.memory_mb == 128 and not spec.ports and not spec.init
    assert spec.extra_hosts == {"sandbox.localdomain": "0.0.0.0"}


def test_python_debugging_relays_the_first_port_and_publishes_the_rest(tmp_path):
    spec = spec_for(tmp_path, "python3.12", "app.handler", "app.py", DebugOptions(ports=(5890, 5891)))
    assert spec.command == [
        "--python",
        "-Xfrozen_modules=off",
        DEBUGPY_WRAPPER,
        DEBUGPY_MOUNT,
        "--listen",
        "0.0.0.0:5890",
        "--wait-for-client",
        "--configure-subProcess",
        "false",
    ]
    assert [(p.container_port, p.host_port, p.host_ip) for p in spec.ports] == [(5891, 5891, "127.0.0.1")]
    assert DEBUGPY_MOUNT in [m.target for m in spec.mounts]
    assert spec.init  # a debugged container ends on SIGTERM first


def test_host_network_debugging_listens_on_the_host_interface_only(tmp_path):
    spec = spec_for(tmp_path, "python3.12", "app.handler", "app.py", DebugOptions(ports=(5890,)), network="host")
    assert "127.0.0.1:5890" in spec.command and spec.network_mode == "host"
    assert [p.host_port for p in spec.ports] == [5890]


def test_nodejs_debugging_goes_through_node_options(tmp_path):
    spec = spec_for(tmp_path, "nodejs20.x", "index.handler", "index.mjs", DebugOptions(ports=(9229,)))
    assert spec.environment["NODE_OPTIONS"] == "--inspect-brk=0.0.0.0:9229"
    assert spec.command == [] and spec.ports == []


@pytest.mark.parametrize("runtime", ["provided.al2023", "go1.x"])
def test_delve_runs_the_bootstrap_with_ptrace_allowed(tmp_path, runtime):
    debugger = tmp_path / "dlv-dir"
    debugger.mkdir()
    (debugger / "dlv").write_text("")
    spec = spec_for(tmp_path, runtime, "bootstrap", "bootstrap", DebugOptions(ports=(2345,), debugger_path=debugger))
    assert spec.command[:2] == ["--wrap", f"{DEBUGGER_MOUNT}/dlv"] and spec.command[-1] == "exec"
    assert spec.security_opt == ["seccomp=unconfined"] and spec.cap_add == ["SYS_PTRACE"]
    assert (str(debugger), DEBUGGER_MOUNT, True) in [(m.source, m.target, m.read_only) for m in spec.mounts]


def test_container_env_vars_come_last(tmp_path):
    container_env = tmp_path / "container.json"
    container_env.write_text('{"NODE_OPTIONS": "--inspect=0.0.0.0:9999"}')
    code = tmp_path / "src"
    code.mkdir()
    (code / "index.mjs").write_text("")
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: src/\n      Handler: index.handler\n      Runtime: nodejs20.x\n"
    )
    request = InvokeRequest(template=template, debug=DebugOptions(ports=(9229,)), container_env_vars_file=container_env)
    plan = plan_function(request, notice=lambda text: None, host_env={})
    spec = container_spec(request, plan, {}, run_dir=tmp_path / "run", runtime_api="h:1")
    plan.close()
    assert spec.environment["NODE_OPTIONS"] == "--inspect=0.0.0.0:9999"
