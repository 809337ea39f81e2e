"""A function image with no interpreter for lambda-dap's agent (a Go `bootstrap` on a provided image without python3,
as Lambda's provided.al2023 is) on the remote engine: the agent runs in a sidecar container from
LAMBDA_DAP_AGENT_IMAGE (here the python test image), whose network and PID namespaces the function's container joins.
Results, logs, errors, warm invokes and delve's breakpoints work as with the agent in the function's container, and
nothing stays on the engine: neither container, nor the run directory volume."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import LEAK_GRACE_SECONDS, SESSION_LABEL
from tests.debug.go_function import compile_bootstrap
from tests.debug.test_go import BREAKPOINT, SOURCE, attach_and_break, built_template, dlv_dir, go_images, top_frame
from tests.debug.test_python import DebuggedInvoke, line_of, port_is_free
from tests.invoke.conftest import Run, clean_environment
from tests.remote.dockerd import DOCKER_HOST

pytestmark = pytest.mark.docker

GO_EXTENSION = Path(__file__).resolve().parents[1] / "apps" / "go-extension"

_ = (built_template, dlv_dir, go_images)  # fixtures
SESSION_KEY, _, SESSION_VALUE = SESSION_LABEL.partition("=")


@pytest.fixture
def sidecar_env(remote_images) -> dict[str, str]:
    return {"DOCKER_HOST": DOCKER_HOST, "LAMBDA_DAP_AGENT_IMAGE": remote_images["python"]}


@pytest.fixture
def go_cli(remote_engine, agentless_image, built_template, sidecar_env, tmp_path):
    """`lambda-dap invoke -t BUILT_TEMPLATE ARGS` of the Go function on the agentless image, on the remote engine."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)

    def run(*args: str, stdin: bytes = b"{}", env: dict[str, str] | None = None, template: Path | None = None) -> Run:
        args = args or ("-e", "-")
        command = [sys.executable, "-m", "lambda_dap", "invoke", "-t", str(template or built_template), *args]
        command += ["--invoke-image", agentless_image, "--skip-pull-image"]
        environment = clean_environment(home, **{**sidecar_env, **(env or {})})
        environment.pop("LAMBDA_DAP_ENGINE_MODE", None)
        done = subprocess.run(
            command, input=stdin, capture_output=True, env=environment, timeout=120, cwd=built_template.parent
        )
        return Run(done.returncode, done.stdout, done.stderr.decode(errors="replace"))

    return run


def run_volumes(remote_engine) -> list[str]:
    """This test session's run directory volumes on the remote engine."""
    found = remote_engine.client.volumes.list(filters={"label": ["lambda-dap.run", SESSION_LABEL]})
    return [volume.name for volume in found]


@pytest.fixture(autouse=True)
def _no_run_volume_left(request):
    """Every test leaves no run directory volume behind once the engine had a moment to remove its sidecar (the
    containers: tests/remote/conftest.py checks them)."""
    yield
    if "remote_engine" not in request.fixturenames:
        return
    engine = request.getfixturevalue("remote_engine")
    deadline = time.monotonic() + LEAK_GRACE_SECONDS
    while (left := run_volumes(engine)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"run directory volumes left on the remote engine: {left}"


def created_containers(remote_engine, since: float) -> list[dict[str, str]]:
    """The attributes (image, name, labels) of the containers this session's lambda-daps created since `since`,
    fillers aside."""
    events = remote_engine.client.events(since=int(since), until=int(time.time()) + 1, decode=True)
    found = []
    for event in events:
        attributes = (event.get("Actor") or {}).get("Attributes") or {}
        mine = attributes.get(SESSION_KEY) == SESSION_VALUE and "lambda-dap.fill" not in attributes
        after = event.get("timeNano", 0) >= since * 1e9  # the engine is on this machine's clock
        if event.get("Type") == "container" and event.get("Action") == "create" and mine and after:
            found.append(attributes)
    return found


def between_start_and_end(stderr: str) -> tuple[list[str], str]:
    """The lines of the (only) invocation between START and END, and its REPORT line."""
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("START RequestId: "))
    end = next(i for i, line in enumerate(lines) if line.startswith("END RequestId: "))
    return lines[start + 1 : end], lines[end + 1]


def test_a_go_function_runs_with_its_agent_in_a_sidecar(go_cli, remote_engine, remote_images, agentless_image):
    since = time.time()
    run = go_cli(stdin=b'{"name": "gopher"}')
    assert run.code == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["message"] == "Hello, gopher!"
    assert 0 < result["remainingMs"] <= 10_000  # the deadline reached the runtime through the run directory
    logged, report = between_start_and_end(run.stderr)
    assert logged == [f"greeting gopher for request {result['requestId']}"], run.stderr
    assert report.startswith(f"REPORT RequestId: {result['requestId']}\t"), report
    used = report.split("Max Memory Used: ")[1].split(" MB")[0]
    assert used.isdigit() and int(used) > 0, report  # the function container's own cgroup, not unknown ("?")
    assert "Traceback" not in run.stderr and "Error" not in run.stderr
    images = [attributes["image"] for attributes in created_containers(remote_engine, since)]
    # the first container found the image without python3 and was removed; then the sidecar and the function's
    assert images == [agentless_image, remote_images["python"], agentless_image], images


def test_the_next_lambda_dap_knows_the_image_has_no_python3(go_cli, remote_engine, remote_images, agentless_image):
    """Remembered by the image's id (its content): the next run starts the pair at once, no container to find out."""
    assert go_cli().code == 0
    since = time.time()
    run = go_cli(stdin=b'{"name": "again"}')
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout)["message"] == "Hello, again!"
    images = [attributes["image"] for attributes in created_containers(remote_engine, since)]
    assert images == [remote_images["python"], agentless_image], images


def test_the_sidecars_image_is_lambda_dap_agent_image_and_the_pair_is_labelled(
    go_cli, remote_engine, remote_images, agentless_image
):
    since = time.time()
    assert go_cli().code == 0
    sidecars = [a for a in created_containers(remote_engine, since) if a.get("lambda-dap.sidecar") == "1"]
    assert [a["image"] for a in sidecars] == [remote_images["python"]]
    assert all(a.get("lambda-dap.owner") for a in created_containers(remote_engine, since))


def test_a_function_error_then_a_warm_invoke_in_the_same_pair(go_cli, remote_engine):
    since = time.time()
    events = b'{"name": "one"}\n{"fail": true}\n{"name": "two"}\n'
    run = go_cli("--events", "-", stdin=events)
    assert run.code == 3, run.stderr  # an event's function error is the script's exit status
    first, error, second = (json.loads(line) for line in run.stdout.splitlines())
    assert first["message"] == "Hello, one!" and second["message"] == "Hello, two!"
    assert error == {"errorMessage": "asked to fail", "errorType": "errorString"}
    assert run.stderr.count("START RequestId: ") == 3 and run.stderr.count("REPORT RequestId: ") == 3
    assert run.stderr.count("Init Duration: ") == 1  # one cold start: the same containers throughout
    assert f"greeting two for request {second['requestId']}" in run.stderr
    sidecars = [a for a in created_containers(remote_engine, since) if a.get("lambda-dap.sidecar") == "1"]
    assert len(sidecars) == 1, sidecars


def test_the_runtimes_last_words_come_before_end_and_the_next_event_gets_a_new_pair(go_cli, remote_engine):
    """The runtime writes a line and exits: the line, written to the sidecar's FIFO just before the function's
    container ended, is in before END; the sandbox is reset, so the next event starts cold beside a new sidecar."""
    since = time.time()
    run = go_cli("--events", "-", stdin=b'{"exit": 2}\n{"name": "again"}\n')
    assert run.code == 3, run.stderr
    crashed, again = (json.loads(line) for line in run.stdout.splitlines())
    assert crashed["errorType"] == "Runtime.ExitError" and crashed["errorMessage"].endswith("exit status 2")
    assert again["message"] == "Hello, again!"
    logged, _ = between_start_and_end(run.stderr)
    assert logged[0] == "exiting with status 2", run.stderr
    assert logged[-1] == "Runtime.ExitError", run.stderr
    assert run.stderr.count("Init Duration: ") == 2
    sidecars = [a for a in created_containers(remote_engine, since) if a.get("lambda-dap.sidecar") == "1"]
    assert len(sidecars) == 2, sidecars


@pytest.fixture(scope="session")
def with_go_extension(docker_client, built_template, tmp_path_factory) -> Path:
    """A template of the built Go function with a layer holding tests/apps/go-extension as /opt/extensions/go-ext."""
    root = tmp_path_factory.mktemp("go-ext")
    layer = root / "layer" / "extensions"
    layer.mkdir(parents=True)
    compile_bootstrap(docker_client, GO_EXTENSION, root / "out").rename(layer / "go-ext")
    template = root / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Hello:\n    Type: AWS::Serverless::Function\n"
        f"    Properties:\n      CodeUri: {built_template.parent / 'Hello'}\n      Handler: bootstrap\n"
        "      Runtime: provided.al2023\n      Timeout: 10\n      Layers: [!Ref GoExt]\n"
        f"  GoExt:\n    Type: AWS::Serverless::LayerVersion\n    Properties:\n      ContentUri: {root / 'layer'}\n"
    )
    return template


def test_an_extension_runs_beside_the_function_through_the_sidecar(go_cli, with_go_extension):
    """The launcher starts the extension in the function's container, its output file is read by the agent in the
    sidecar; it registers through the agent's listener, gets INVOKE and, at the end, SHUTDOWN."""
    run = go_cli(stdin=b'{"name": "extension"}', template=with_go_extension)
    assert run.code == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["message"] == "Hello, extension!"

    def said(word: str) -> list[str]:
        pattern = re.compile(rf"(?:^|[\s:])go-ext: {word}(?: (.*))?$")
        return [match[1] or "" for line in run.stderr.splitlines() if (match := pattern.search(line))]

    assert said("REGISTERED") == [""], run.stderr
    assert said("INVOKE") == [result["requestId"]], run.stderr
    assert said("SHUTDOWN") == ["spindown"], run.stderr
    assert "EXTENSION\tName: go-ext\tState: Ready\tEvents: [INVOKE, SHUTDOWN]" in run.stderr.splitlines()


def test_a_missing_agent_image_is_said_in_one_line(go_cli, remote_engine):
    run = go_cli(env={"LAMBDA_DAP_AGENT_IMAGE": "lambda-dap-test/no-such-agent:1"})
    assert run.code == 1, run.stderr
    assert run.stdout == b""
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, run.stderr
    assert errors[0].startswith("Error: Cannot pull image 'lambda-dap-test/no-such-agent:1': "), errors
    assert "LAMBDA_DAP_AGENT_IMAGE" in errors[0] and "has no python3" in errors[0], errors


def debugged_go(built_template, agentless_image, dlv_dir, tmp_path, sidecar_env, event: str):
    event_file = tmp_path / "event.json"
    event_file.write_text(event)
    args = ["-t", str(built_template), "-e", str(event_file), "--debugger-path", str(dlv_dir)]
    return DebuggedInvoke(args, agentless_image, tmp_path, env=sidecar_env)


def test_a_breakpoint_in_the_go_handler_is_hit_through_the_sidecar(
    remote_engine,
    agentless_image,
    built_template,
    dlv_dir,
    sidecar_env,
    tmp_path,
):
    """delve listens in the function's container; lambda-dap's relay dials it through the sidecar's agent (the
    same network namespace) and the editor attaches on this machine's port."""
    session = debugged_go(built_template, agentless_image, dlv_dir, tmp_path, sidecar_env, '{"name": "sidecar"}')
    line = line_of(SOURCE, BREAKPOINT)
    client, stopped = attach_and_break(session, line)
    frame, variables = top_frame(client, stopped["threadId"])
    assert (frame["name"], frame["source"]["path"], frame["line"]) == ("main.handle", str(SOURCE), line)
    assert variables["name"] == '"sidecar"'
    client.request("continue", {"threadId": stopped["threadId"]})
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 0, stderr
    assert json.loads(stdout)["message"] == "Hello, sidecar!"
    assert f"Debugger (delve) waiting for a client on 127.0.0.1:{session.port}" in stderr
    assert port_is_free(session.port)


def test_ctrl_c_while_paused_in_delve_removes_both_containers_and_the_volume(
    remote_engine,
    agentless_image,
    built_template,
    dlv_dir,
    sidecar_env,
    tmp_path,
):
    session = debugged_go(built_template, agentless_image, dlv_dir, tmp_path, sidecar_env, "{}")
    client, _ = attach_and_break(session, line_of(SOURCE, BREAKPOINT))
    assert len(run_volumes(remote_engine)) == 1  # the run directory while they run
    os.kill(session.process.pid, signal.SIGINT)
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 130, stderr
    assert stdout == b""
    assert "Traceback" not in stderr
    assert port_is_free(session.port)
    # the containers: the autouse leak check; the volume: _no_run_volume_left


def test_a_killed_lambda_dap_leaves_nothing_the_next_one_does_not_remove(
    go_cli,
    remote_engine,
    agentless_image,
    built_template,
    dlv_dir,
    sidecar_env,
    tmp_path,
):
    """SIGKILL: the sidecar's stdin ends with lambda-dap, its agent (PID 1 of both) ends and the function's
    processes with it, and the engine removes both containers, and the run directory's volume with the sidecar
    unless the function's container still held it then: the next lambda-dap on this host reaps it."""
    session = debugged_go(built_template, agentless_image, dlv_dir, tmp_path, sidecar_env, "{}")
    session.attach_configuration()  # both run, delve waits for a client
    mine = {"label": ["lambda-dap", SESSION_LABEL]}
    assert len(remote_engine.client.api.containers(filters=mine)) == 2
    (volume,) = run_volumes(remote_engine)
    session.process.kill()
    session.finish()
    deadline = time.monotonic() + 20
    while remote_engine.client.api.containers(all=True, filters=mine):
        assert time.monotonic() < deadline, remote_engine.client.api.containers(all=True, filters=mine)
        time.sleep(0.1)
    assert go_cli().code == 0
    assert volume not in run_volumes(remote_engine)


def test_an_agent_image_without_python3_is_said_in_one_line(go_cli, agentless_image):
    """LAMBDA_DAP_AGENT_IMAGE must have python3: the sidecar's own words say so; both containers and the volume go."""
    run = go_cli(env={"LAMBDA_DAP_AGENT_IMAGE": agentless_image})
    assert run.code == 1, run.stderr
    assert run.stdout == b""
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [
        f"Error: lambda-dap's agent did not start in its sidecar container (image {agentless_image}): "
        "lambda-dap: no python3 in this image for the agent of remote mode"
    ], run.stderr


def test_the_reaper_removes_a_run_volume_whose_lambda_dap_is_gone(go_cli, remote_engine):
    """A run directory volume still in use when its lambda-dap was killed outlives both containers: the next
    lambda-dap of this host removes it (its owner's process is gone), and no one else's."""
    import socket

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id that no longer runs
    labels = {"lambda-dap.run": "1", "lambda-dap": "1", SESSION_KEY: SESSION_VALUE}
    client = remote_engine.client
    orphan = client.volumes.create(labels={**labels, "lambda-dap.owner": f"{socket.gethostname()}:{gone.pid}"})
    elsewhere = client.volumes.create(labels={**labels, "lambda-dap.owner": f"another-host:{gone.pid}"})
    try:
        assert go_cli().code == 0
        assert orphan.name not in run_volumes(remote_engine)
        assert elsewhere.name in run_volumes(remote_engine)
    finally:
        elsewhere.remove(force=True)


def test_the_dap_server_debugs_the_go_function_through_the_sidecar(
    remote_engine,
    agentless_image,
    built_template,
    dlv_dir,
    sidecar_env,
):
    """The editor's F5 (`lambda-dap --stdio`): its session proxied onto delve's DAP server in the function's
    container, dialled through the sidecar's agent; a breakpoint, the local path, continue, exit 0."""
    from tests.dap.client import DapClient
    from tests.dap.test_dap_go import BREAKPOINT_LINE, REPO, configuration, run_to_breakpoint

    env = {**os.environ, **sidecar_env}
    env.pop("LAMBDA_DAP_ENGINE_MODE", None)
    argv = [sys.executable, "-m", "lambda_dap", "--stdio"]
    with DapClient.spawn(argv, env=env, cwd=REPO, name="lambda-dap --stdio", default_timeout=60) as dap:
        stopped = run_to_breakpoint(dap, configuration(built_template, agentless_image, dlv_dir, "editor"))
        assert stopped["body"]["reason"] == "breakpoint", stopped
        frame = dap.stopped_frame(stopped)
        assert (frame["name"], frame["source"]["path"], frame["line"]) == ("main.handle", str(SOURCE), BREAKPOINT_LINE)
        assert dap.variables(frame["id"])["name"] == '"editor"'
        dap.request("continue", {"threadId": stopped["body"]["threadId"]})
        assert dap.wait_event("exited")["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        assert "Hello, editor!" in dap.output("stdout") + dap.output("console")
        dap.request("disconnect")
        assert dap.close() == 0
