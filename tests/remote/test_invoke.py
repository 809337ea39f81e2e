"""`lambda-dap invoke` against an engine that shares neither network nor files with it, as a new user tries it:
DOCKER_HOST pointing at the simulated remote engine, nothing else set. Remote mode copies the function's files into
volumes (once: a second invoke copies nothing) and reaches the container through its agent."""

from __future__ import annotations

import json
import shutil
import time
import uuid

import pytest

from tests.debug.test_python import HELLO, HELLO_APP, DebuggedInvoke, attach_and_break, line_of, port_is_free
from tests.extensions.conftest import invoke_ext  # noqa: F401 (a fixture)
from tests.extensions.test_extensions import assert_platform_and_function_records, ok
from tests.invoke.conftest import KITCHEN, clean_environment, invoke_cli  # noqa: F401 (a fixture)
from tests.invoke.test_logs import WRITES
from tests.remote.conftest import CONTAINER_LABELS
from tests.remote.dockerd import DOCKER_HOST

pytestmark = pytest.mark.docker


@pytest.fixture
def remote_cli(remote_engine, remote_images, tmp_path):
    """`lambda-dap invoke ARGS` with DOCKER_HOST at the remote engine: (exit code, stdout, stderr); `image` is a
    name of `remote_images` or a tag."""
    import subprocess
    import sys

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)

    def run(*args: str, image: str = "python", env: dict[str, str] | None = None, stdin: bytes | None = None):
        command = [sys.executable, "-m", "lambda_dap", "invoke", *args]
        command += ["--invoke-image", remote_images.get(image, image), "--skip-pull-image"]
        environment = clean_environment(home, DOCKER_HOST=DOCKER_HOST, **(env or {}))
        environment.pop("LAMBDA_DAP_ENGINE_MODE", None)
        done = subprocess.run(command, input=stdin, capture_output=True, env=environment, timeout=120, cwd=KITCHEN)
        return done.returncode, done.stdout, done.stderr.decode(errors="replace")

    return run


def fill_activity(remote_engine, since: float) -> tuple[list[str], int]:
    """(the volumes a filler container was created for, archives unpacked) on the remote engine since `since`, by
    this test session's lambda-daps (other sessions may share the engine)."""
    from tests.conftest import SESSION_LABEL

    key, _, value = SESSION_LABEL.partition("=")
    events = remote_engine.client.events(since=int(since), until=int(time.time()) + 1, decode=True)
    filled, unpacked = [], 0
    for event in events:
        attributes = (event.get("Actor") or {}).get("Attributes") or {}
        if event.get("Type") != "container" or attributes.get(key) != value:
            continue
        if event.get("Action") == "create" and "lambda-dap.fill" in attributes:
            filled.append(attributes["lambda-dap.fill"])
        if event.get("Action") == "extract-to-dir":
            unpacked += 1
    return filled, unpacked


def new_hello(tmp_path) -> tuple[str, str]:
    """A copy of the hello example whose code no volume holds yet: its template, and its code volume's name."""
    from lambda_dap.container.volumes import volume_for

    app = tmp_path / "app"
    shutil.copytree(HELLO, app)
    (app / "hello_world" / "unique.txt").write_text(uuid.uuid4().hex)
    return str(app / "template.yaml"), volume_for(app / "hello_world", "/var/task").name


def test_result_logs_and_exit_code_of_an_invoke(remote_cli):
    event = json.dumps({"action": "write", "writes": WRITES}).encode()
    code, stdout, stderr = remote_cli("Kitchen", "-e", "-", stdin=event)
    assert code == 0, stderr
    assert json.loads(stdout) == "written"
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("START RequestId: "))
    end = next(i for i, line in enumerate(lines) if line.startswith("END RequestId: "))
    assert lines[end + 1].startswith("REPORT RequestId: ")
    between = lines[start + 1 : end]
    # each stream's bytes in order, both streams before END, the partial last line ended on its own line
    assert [line for line in between if line in ("first line", "second part", "done")] == [
        "first line",
        "second part",
        "done",
    ], stderr
    assert "warning" in between, stderr
    assert "Traceback" not in stderr


def test_a_function_error_exits_3_with_the_error_document(remote_cli):
    code, stdout, stderr = remote_cli("Kitchen", "-e", "-", stdin=b'{"action": "raise", "message": "boom"}')
    assert code == 3, stderr
    document = json.loads(stdout)
    assert document["errorType"] and document["errorMessage"], document
    assert "END RequestId: " in stderr and "REPORT RequestId: " in stderr


def test_the_second_invoke_copies_nothing(remote_cli, remote_engine, tmp_path):
    template, code_volume = new_hello(tmp_path)
    since = time.time() - 1
    code, stdout, stderr = remote_cli("-t", template)
    assert code == 0, stderr
    assert json.loads(stdout)["statusCode"] == 200
    filled, unpacked = fill_activity(remote_engine, since)
    assert filled.count(code_volume) == 1 and unpacked >= 1, (filled, unpacked)
    time.sleep(1.1)  # the events API counts in whole seconds
    since = time.time()
    code, stdout, stderr = remote_cli("-t", template)
    assert code == 0, stderr
    assert json.loads(stdout)["statusCode"] == 200
    assert fill_activity(remote_engine, since) == ([], 0)


def test_invokes_at_the_same_time_fill_a_volume_once(remote_engine, remote_images, tmp_path):
    """Two lambda-daps meeting new code at once: one fills its volume, the other waits for it; both run."""
    from tests.invoke.conftest import start_invoke

    template, code_volume = new_hello(tmp_path)
    (tmp_path / "home").mkdir()
    env = clean_environment(tmp_path / "home", DOCKER_HOST=DOCKER_HOST)
    since = time.time() - 1
    processes = [start_invoke("-t", template, image=remote_images["python"], env=env, cwd=tmp_path) for _ in range(3)]
    outcomes = [process.communicate(timeout=120) for process in processes]
    for process, (stdout, stderr) in zip(processes, outcomes, strict=True):
        assert process.returncode == 0, stderr.decode()
        assert json.loads(stdout)["statusCode"] == 200
    filled, _ = fill_activity(remote_engine, since)
    assert filled.count(code_volume) == 1, filled


def test_changed_code_is_copied_again(remote_cli, tmp_path):
    app = tmp_path / "app"
    shutil.copytree(HELLO, app)
    handler = app / "hello_world" / "app.py"
    template = str(app / "template.yaml")
    assert remote_cli("-t", template)[0] == 0
    handler.write_text(handler.read_text().replace("f\"{os.environ['GREETING']}, ", 'f"Changed, '))
    code, stdout, stderr = remote_cli("-t", template)
    assert code == 0, stderr
    assert json.loads(json.loads(stdout)["body"])["message"].startswith("Changed, ")


@pytest.mark.parametrize("network", [[], ["--docker-network", "host"]], ids=["bridge", "host-network"])
def test_a_breakpoint_is_hit_through_the_agent(remote_engine, remote_images, tmp_path, network):
    """The debug port listens here; the debugger is dialled inside the container (the engine host's network too:
    nothing of it is this machine's)."""
    event = tmp_path / "event.json"
    event.write_text('{"name": "remote"}')
    session = DebuggedInvoke(
        ["-t", str(HELLO / "template.yaml"), "-e", str(event), *network],
        remote_images["python"],
        tmp_path,
        env={"DOCKER_HOST": DOCKER_HOST},
    )
    line = line_of(HELLO_APP, "a good line for a breakpoint")
    client, stopped = attach_and_break(session, HELLO_APP, line)
    frame = client.request("stackTrace", {"threadId": stopped["threadId"]})["stackFrames"][0]
    assert frame["source"]["path"] == str(HELLO_APP)  # path mappings unchanged
    assert frame["line"] == line
    client.request("continue", {"threadId": stopped["threadId"]})
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 0, stderr
    assert json.loads(json.loads(stdout)["body"])["message"] == "Hello, remote!"
    assert port_is_free(session.port)


def test_telemetry_reaches_an_extension_listener_in_the_container(invoke_ext):  # noqa: F811
    run = invoke_ext("Telemetry", env={"DOCKER_HOST": DOCKER_HOST})
    result = ok(run)
    assert "TELEMETRY\tName: telemetry-ext\tState: Subscribed\tTypes: [platform, function]" in run.lines
    assert_platform_and_function_records(run, result["requestId"])


def test_an_image_without_python3_gets_its_agent_from_the_default_agent_image(remote_cli, remote_engine, remote_images):
    """The agent needs python3: then it runs in a sidecar from LAMBDA_DAP_AGENT_IMAGE (tests/remote/test_sidecar.py),
    by default Lambda's Python image, pulled the usual way; this engine reaches no registry: said in one line."""
    client = remote_engine.client
    strip = "rm -f /usr/bin/python3* /usr/local/bin/python3* /var/lang/bin/python3*"
    container = client.containers.run(
        remote_images["python"], entrypoint=["/bin/sh", "-c", strip], labels=CONTAINER_LABELS, detach=True
    )
    tag = f"lambda-dap-test/no-python:{int(time.time() * 1000)}"
    try:
        container.wait(timeout=60)
        repository, _, version = tag.partition(":")
        container.commit(repository, version, changes=["LABEL lambda-dap.test=1"])
    finally:
        container.remove(force=True)
    try:
        code, stdout, stderr = remote_cli("Kitchen", image=tag)
        assert code == 1, stderr
        assert stdout == b""
        assert stderr.startswith("Pulling image public.ecr.aws/lambda/python:3.12 ...\n"), stderr
        errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1 and errors[0] == stderr.splitlines()[-1], stderr
        assert errors[0].startswith("Error: Cannot pull image 'public.ecr.aws/lambda/python:3.12': "), stderr
        assert f"whose image {tag} has no python3; LAMBDA_DAP_AGENT_IMAGE names another" in errors[0], stderr
    finally:
        client.images.remove(tag, force=True)


def test_what_stays_on_the_engine_is_the_labelled_cache(remote_cli, remote_engine):
    """Containers go (the autouse leak check of tests/remote/conftest.py fails the test if one is left); the code's
    volumes stay as the cache, each labelled for `docker volume prune --filter label=lambda-dap.cache=1`."""
    from lambda_dap.container.volumes import volume_for

    assert remote_cli("Kitchen")[0] == 0
    code_volume = remote_engine.client.volumes.get(volume_for(KITCHEN / "src", "/var/task").name)
    assert code_volume.attrs["Labels"] == {"lambda-dap.cache": "1", "lambda-dap": "1"}
    for volume in remote_engine.client.volumes.list():
        if volume.name.startswith("lambda-dap-cache-"):
            assert (volume.attrs.get("Labels") or {}).get("lambda-dap.cache") == "1", volume.attrs


def test_remote_mode_forced_on_the_local_engine(invoke_cli, docker_client):  # noqa: F811
    """LAMBDA_DAP_ENGINE_MODE=remote (a VM's engine that is reached locally, say): copies, and the agent, work on
    an engine that could have had bind mounts."""
    from lambda_dap.container.volumes import volume_for

    event = json.dumps({"action": "write", "writes": WRITES}).encode()
    run = invoke_cli("Kitchen", "-e", "-", stdin=event, env={"LAMBDA_DAP_ENGINE_MODE": "remote"})
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout) == "written"
    lines = run.stderr.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("END RequestId: "))
    assert lines[end - 1] == "done" and "first line" in lines and "warning" in lines, run.stderr
    code_volume = volume_for(KITCHEN / "src", "/var/task").name
    assert docker_client.volumes.get(code_volume).attrs["Labels"]["lambda-dap.cache"] == "1"


def test_the_dap_server_debugs_on_the_remote_engine(remote_engine, remote_images):
    """`lambda-dap --stdio` (the editor's F5) the same way: a breakpoint, the local path, continue, exit 0."""
    import os
    import sys

    from tests.dap.client import DapClient
    from tests.dap.test_dap_containers import ECHO_LINE, KITCHEN_APP, REPO, flat, run_to_breakpoint

    env = {**os.environ, "DOCKER_HOST": DOCKER_HOST}
    env.pop("LAMBDA_DAP_ENGINE_MODE", None)
    argv = [sys.executable, "-m", "lambda_dap", "--stdio"]
    with DapClient.spawn(argv, env=env, cwd=REPO, name="lambda-dap --stdio", default_timeout=60) as dap:
        stopped = run_to_breakpoint(dap, "launch", flat(remote_images["python"]))
        assert stopped["body"]["reason"] == "breakpoint"
        frame = dap.stopped_frame(stopped)
        assert frame["line"] == ECHO_LINE and frame["source"]["path"] == str(KITCHEN_APP)
        assert dap.variables(frame["id"])["action"] == "'echo'"
        dap.request("continue", {"threadId": stopped["body"]["threadId"]})
        assert dap.wait_event("exited")["body"]["exitCode"] == 0
        dap.wait_event("terminated")
        assert "REPORT RequestId" in dap.output("console")
        dap.request("disconnect")
        assert dap.close() == 0


def test_a_killed_lambda_dap_leaves_nothing_on_the_remote_engine(remote_engine, remote_images, tmp_path):
    """SIGKILL gives lambda-dap no chance to clean up: the container's stdin ends with it, its agent ends the
    launcher and itself, and the engine removes the container."""
    from tests.conftest import SESSION_LABEL

    session = DebuggedInvoke(
        ["-t", str(HELLO / "template.yaml")], remote_images["python"], tmp_path, env={"DOCKER_HOST": DOCKER_HOST}
    )
    session.attach_configuration()  # the container runs, its debugger waits for a client
    mine = {"label": ["lambda-dap", SESSION_LABEL]}
    (running,) = remote_engine.client.api.containers(filters=mine)
    # the link's traffic (events, results, environment) is not kept in a log on the engine's disk
    assert remote_engine.client.api.inspect_container(running["Id"])["HostConfig"]["LogConfig"]["Type"] == "none"
    session.process.kill()
    session.finish()
    deadline = time.monotonic() + 20
    while remote_engine.client.api.containers(all=True, filters=mine):
        assert time.monotonic() < deadline, remote_engine.client.api.containers(all=True, filters=mine)
        time.sleep(0.1)


def test_mounted_symlinks_work_on_the_remote_engine(remote_cli, tmp_path):
    """A top-level symlink of the code pointing outside it (--mount-symlinks) is there, with its target's content."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "helper.py").write_text("WORD = 'from outside the code directory'\n")
    code = tmp_path / "src"
    code.mkdir()
    (code / "app.py").write_text("import helper\n\ndef handler(event, context):\n    return helper.WORD\n")
    (code / "helper.py").symlink_to(tmp_path / "shared" / "helper.py")
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.11\n"
    )
    code_, stdout, stderr = remote_cli("-t", str(template), "--mount-symlinks")
    assert code_ == 0, stderr
    assert json.loads(stdout) == "from outside the code directory"


def test_a_breakpoint_over_the_engines_tls_endpoint(remote_engine, remote_images, tmp_path):
    """The same engine over mutual TLS: the attached stream that carries the agent's frames is a TLS connection."""
    from tests.remote.dockerd import CERT_DIR, TLS_DOCKER_HOST

    tls = {"DOCKER_HOST": TLS_DOCKER_HOST, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(CERT_DIR)}
    session = DebuggedInvoke(["-t", str(HELLO / "template.yaml")], remote_images["python"], tmp_path, env=tls)
    line = line_of(HELLO_APP, "a good line for a breakpoint")
    client, stopped = attach_and_break(session, HELLO_APP, line)
    client.request("continue", {"threadId": stopped["threadId"]})
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 0, stderr
    assert json.loads(stdout)["statusCode"] == 200
    assert "greeting world from HelloWorldFunction" in stderr


SERVER_APP = """import socket, threading

def handler(event, context):
    server = socket.create_server(("0.0.0.0", event["port"]))
    served = threading.Event()

    def serve():
        connection, _ = server.accept()
        connection.sendall(b"hello from the container")
        connection.close()
        served.set()

    threading.Thread(target=serve, daemon=True).start()
    return "served" if served.wait(60) else "nobody came"
"""


def test_a_second_debug_port_reaches_the_container(remote_engine, remote_images, tmp_path, monkeypatch):
    """`-d A -d B`: B, too, listens on this machine and reaches the same port inside the container."""
    import tests.debug.test_python
    from tests.debug.test_python import free_port

    code = tmp_path / "src"
    code.mkdir()
    (code / "app.py").write_text(SERVER_APP)
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.11\n"
    )
    first, second = free_port(), free_port()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"port": second}))
    monkeypatch.setattr(tests.debug.test_python, "free_port", lambda: second)  # DebuggedInvoke's -d comes last
    session = DebuggedInvoke(
        ["-t", str(template), "-e", str(event), "-d", str(first)],
        remote_images["python"],
        tmp_path,
        env={"DOCKER_HOST": DOCKER_HOST},
    )
    import socket

    from tests.debug.dap_client import DapClient

    configuration = session.attach_configuration()  # on the first port
    assert configuration["connect"]["port"] == first
    client = DapClient.connect("127.0.0.1", first)
    client.request("initialize", {"clientID": "tests", "adapterID": "debugpy", "pathFormat": "path"})
    attach = client.send_request("attach", {"justMyCode": False})
    client.event("initialized")
    client.request("configurationDone")
    assert client.response(attach)["success"]
    greeting = b""
    deadline = time.monotonic() + 30
    while not greeting and time.monotonic() < deadline:  # until the handler's server listens
        with socket.create_connection(("127.0.0.1", second), timeout=10) as connection:
            greeting = connection.recv(100)
    assert greeting == b"hello from the container"
    code_, stdout, stderr = session.finish()
    client.close()
    assert code_ == 0, stderr
    assert json.loads(stdout) == "served"
    assert port_is_free(first) and port_is_free(second)


def test_an_engine_whose_bridge_gateway_is_not_here_gets_remote_mode(monkeypatch, lambda_images, docker_client):
    """Docker Desktop's VM (or any engine reached locally whose network is not this machine's): the bridge gateway
    is no address here, so remote mode is chosen by itself."""
    import lambda_dap.invoke.session as session_module
    from lambda_dap.container.engine import network_gateway
    from lambda_dap.invoke import InvokeRequest, invoke
    from tests.conftest import SESSION_LABEL

    monkeypatch.delenv("LAMBDA_DAP_ENGINE_MODE", raising=False)
    gateway = network_gateway("bridge")
    monkeypatch.setattr(session_module, "is_this_machine", lambda host: host != gateway)
    request = InvokeRequest(
        template=KITCHEN / "template.yaml",
        function_id="Kitchen",
        invoke_images={None: lambda_images["python"]},
        skip_pull_image=True,
    )
    since = time.time() - 1
    result = invoke(request, json.dumps({"action": "echo", "n": 1}).encode())
    assert result.ok, result.payload
    assert json.loads(result.payload)["event"] == {"action": "echo", "n": 1}
    key, _, value = SESSION_LABEL.partition("=")
    attached = [
        event
        for event in docker_client.events(since=int(since), until=int(time.time()) + 1, decode=True)
        if event.get("Type") == "container"
        and event.get("Action") == "attach"
        and (event.get("Actor") or {}).get("Attributes", {}).get(key) == value
    ]
    assert attached  # lambda-dap attached to its container: the agent's link, remote mode
