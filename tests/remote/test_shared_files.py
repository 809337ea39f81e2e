"""`lambda-dap invoke` in shared-files mode, against an engine like Docker Desktop's (dockerd.SHARED_FILES): it sees
the client's files but none of its network. The function's code, lambda-dap's container files and debugpy are
bind-mounted from where they are (nothing copied, an edit seen by the next invoke), the agent carries the
connections; a path the engine does not share is copied into a volume instead, with a notice."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path

import pytest

from lambda_dap.container.volumes import volume_for
from tests.conftest import LEAK_GRACE_SECONDS
from tests.debug.test_go import built_template, go_images
from tests.debug.test_python import HELLO, DebuggedInvoke, attach_and_break, line_of, port_is_free
from tests.extensions.conftest import invoke_ext  # noqa: F401 (a fixture)
from tests.extensions.test_extensions import assert_platform_and_function_records, ok
from tests.invoke.conftest import KITCHEN, clean_environment
from tests.invoke.test_logs import WRITES
from tests.remote.conftest import CONTAINER_LABELS
from tests.remote.desktop_front import DesktopFront
from tests.remote.test_invoke import fill_activity

pytestmark = pytest.mark.docker

_ = (built_template, go_images)  # fixtures

MODE = {"LAMBDA_DAP_ENGINE_MODE": "shared-files"}


@pytest.fixture
def shared_cli(shared_engine, lambda_images, tmp_path):
    """`lambda-dap invoke ARGS` with DOCKER_HOST at the shared-files engine: (exit code, stdout, stderr)."""
    import subprocess
    import sys

    home = tmp_path / "home"
    home.mkdir(exist_ok=True)

    def run(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None, cwd: Path = KITCHEN):
        command = [sys.executable, "-m", "lambda_dap", "invoke", *args]
        command += ["--invoke-image", lambda_images["python"], "--skip-pull-image"]
        environment = clean_environment(home, **{"DOCKER_HOST": shared_engine.docker_host, **(env or {})})
        done = subprocess.run(command, input=stdin, capture_output=True, env=environment, timeout=120, cwd=cwd)
        return done.returncode, done.stdout, done.stderr.decode(errors="replace")

    return run


@pytest.fixture
def desktop(shared_engine, tmp_path_factory):
    """A Docker Desktop look-alike in front of the shared-files engine (desktop_front.py)."""
    layout = shared_engine.layout
    front = DesktopFront(layout.socket, tmp_path_factory.mktemp("desktop"), hidden=layout.hidden)
    yield front
    front.close()


@pytest.fixture(params=["create", "start"], ids=["refused-at-create", "refused-at-start"])
def refusing_desktop(request, shared_engine, tmp_path_factory):
    """The look-alike refusing an unshared path at the container's create, or at its start."""
    layout = shared_engine.layout
    front = DesktopFront(
        layout.socket, tmp_path_factory.mktemp("desktop"), hidden=layout.hidden, refuse_at=request.param
    )
    yield front
    front.close()


def hello_copy(root: Path) -> tuple[Path, Path]:
    """A copy of the hello example under `root` whose code no volume holds: (its template, its handler)."""
    app = root / "app"
    shutil.copytree(HELLO, app)
    (app / "hello_world" / "unique.txt").write_text(uuid.uuid4().hex)
    return app / "template.yaml", app / "hello_world" / "app.py"


def next_second() -> float:
    """The start of the next whole second, once it has come: the engine's events from then on are this test's
    (its events API counts in whole seconds)."""
    start = int(time.time()) + 1
    time.sleep(max(0.0, start - time.time()))
    return start


def volume_names(shared_engine) -> set[str]:
    return {volume.name for volume in shared_engine.client.volumes.list()}


def test_result_and_exact_logs(shared_cli):
    event = json.dumps({"action": "write", "writes": WRITES}).encode()
    code, stdout, stderr = shared_cli("Kitchen", "-e", "-", stdin=event, env=MODE)
    assert code == 0, stderr
    assert json.loads(stdout) == "written"
    lines = stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("START RequestId: "))
    end = next(i for i, line in enumerate(lines) if line.startswith("END RequestId: "))
    assert lines[end + 1].startswith("REPORT RequestId: ")
    between = lines[start + 1 : end]
    assert [line for line in between if line in ("first line", "second part", "done")] == [
        "first line",
        "second part",
        "done",
    ], stderr
    assert "warning" in between and "Traceback" not in stderr


def test_a_function_error_exits_3_with_the_error_document(shared_cli):
    code, stdout, stderr = shared_cli("Kitchen", "-e", "-", stdin=b'{"action": "raise", "message": "boom"}', env=MODE)
    assert code == 3, stderr
    document = json.loads(stdout)
    assert document["errorType"] and document["errorMessage"] == "boom", document
    assert "END RequestId: " in stderr and "REPORT RequestId: " in stderr


def test_an_edit_is_seen_by_the_next_invoke_and_nothing_is_copied(shared_cli, shared_engine, tmp_path):
    template, handler = hello_copy(tmp_path)
    before = volume_for(handler.parent, "/var/task").name
    since = next_second()
    code, stdout, stderr = shared_cli("-t", str(template), env=MODE, cwd=tmp_path)
    assert code == 0, stderr
    assert json.loads(json.loads(stdout)["body"])["message"] == "Hello, world!"
    handler.write_text(handler.read_text().replace("f\"{os.environ['GREETING']}, ", 'f"Changed, '))
    after = volume_for(handler.parent, "/var/task").name
    code, stdout, stderr = shared_cli("-t", str(template), env=MODE, cwd=tmp_path)
    assert code == 0, stderr
    assert json.loads(json.loads(stdout)["body"])["message"] == "Changed, world!"
    assert before != after and not {before, after} & volume_names(shared_engine)
    assert fill_activity(shared_engine, since) == ([], 0)
    assert "volume" not in stderr


def test_a_path_the_engine_does_not_share_is_copied_with_a_notice(shared_cli, shared_engine):
    hidden = shared_engine.layout.hidden / uuid.uuid4().hex  # the client's, but not the engine's
    hidden.mkdir()
    try:
        template, handler = hello_copy(hidden)
        code_volume = volume_for(handler.parent, "/var/task").name
        since = next_second()
        code, stdout, stderr = shared_cli("-t", str(template), "-e", "-", stdin=b'{"name": "hidden"}', env=MODE)
        assert code == 0, stderr
        assert json.loads(json.loads(stdout)["body"])["message"] == "Hello, hidden!"
        notices = [line for line in stderr.splitlines() if "does not share" in line]
        assert notices == [
            f"The Docker engine does not share {handler.parent} with its containers: copied into a Docker volume "
            "instead (again after each change); to bind-mount it, share it with the Docker engine"
        ], stderr
        filled, _ = fill_activity(shared_engine, since)
        assert filled == [code_volume]  # that one alone: lambda-dap's own files and the template's are shared
    finally:
        shutil.rmtree(hidden)


def test_a_breakpoint_is_hit_through_the_agent_on_shared_files(shared_engine, lambda_images, tmp_path):
    template, handler = hello_copy(tmp_path)
    event = tmp_path / "event.json"
    event.write_text('{"name": "shared"}')
    since = next_second()
    env = {"DOCKER_HOST": shared_engine.docker_host, **MODE}
    session = DebuggedInvoke(["-t", str(template), "-e", str(event)], lambda_images["python"], tmp_path, env=env)
    line = line_of(handler, "a good line for a breakpoint")
    client, stopped = attach_and_break(session, handler, line)
    frame = client.request("stackTrace", {"threadId": stopped["threadId"]})["stackFrames"][0]
    assert frame["source"]["path"] == str(handler) and frame["line"] == line
    client.request("continue", {"threadId": stopped["threadId"]})
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 0, stderr
    assert json.loads(json.loads(stdout)["body"])["message"] == "Hello, shared!"
    assert port_is_free(session.port)
    assert fill_activity(shared_engine, since) == ([], 0)  # debugpy too was bind-mounted


def test_telemetry_reaches_an_extension_listener_in_the_container(shared_engine, invoke_ext):  # noqa: F811
    """The extensions in /opt are bind-mounted; lambda-dap's pushes to the extension's listener go through the agent."""
    since = next_second()
    run = invoke_ext("Telemetry", env={"DOCKER_HOST": shared_engine.docker_host, **MODE})
    result = ok(run)
    assert "TELEMETRY\tName: telemetry-ext\tState: Subscribed\tTypes: [platform, function]" in run.lines
    assert_platform_and_function_records(run, result["requestId"])
    assert fill_activity(shared_engine, since) == ([], 0)


def test_without_the_setting_an_engine_that_is_no_docker_desktop_gets_remote_mode(shared_cli, shared_engine, tmp_path):
    """Its bridge gateway is no address here; its /info names no file-sharing product: the files are copied."""
    template, handler = hello_copy(tmp_path)
    since = next_second()
    code, stdout, stderr = shared_cli("-t", str(template), cwd=tmp_path)
    assert code == 0, stderr
    assert json.loads(stdout)["statusCode"] == 200
    filled, _ = fill_activity(shared_engine, since)
    assert volume_for(handler.parent, "/var/task").name in filled


def test_docker_desktop_is_told_from_its_info_and_its_files_are_bind_mounted(
    shared_cli, shared_engine, desktop, tmp_path
):
    """Nothing forced: a local socket, a bridge gateway that is no address here, and /info naming Docker Desktop."""
    template, handler = hello_copy(tmp_path)
    since = next_second()
    code, stdout, stderr = shared_cli("-t", str(template), env={"DOCKER_HOST": desktop.docker_host}, cwd=tmp_path)
    assert code == 0, stderr
    assert json.loads(json.loads(stdout)["body"])["message"] == "Hello, world!"
    assert "GET /info" in desktop.requests
    assert fill_activity(shared_engine, since) == ([], 0)
    assert volume_for(handler.parent, "/var/task").name not in volume_names(shared_engine)


def test_docker_desktops_host_network_is_its_vms(shared_cli, shared_engine, desktop, tmp_path):
    """--docker-network host on Docker Desktop: the container shares the VM's network, not this machine's."""
    template, _ = hello_copy(tmp_path)
    env = {"DOCKER_HOST": desktop.docker_host}
    code, stdout, stderr = shared_cli("-t", str(template), "--docker-network", "host", env=env, cwd=tmp_path)
    assert code == 0, stderr
    assert json.loads(json.loads(stdout)["body"])["message"] == "Hello, world!"


def test_a_path_docker_desktop_does_not_share_is_copied_with_its_hint(shared_cli, shared_engine, refusing_desktop):
    desktop = refusing_desktop
    hidden = shared_engine.layout.hidden / uuid.uuid4().hex
    hidden.mkdir()
    try:
        template, handler = hello_copy(hidden)
        code, stdout, stderr = shared_cli("-t", str(template), env={"DOCKER_HOST": desktop.docker_host})
        assert code == 0, stderr
        assert json.loads(json.loads(stdout)["body"])["message"] == "Hello, world!"
        assert [line for line in stderr.splitlines() if "does not share" in line] == [
            f"Docker Desktop does not share {handler.parent} with its containers: copied into a Docker volume "
            "instead (again after each change); to bind-mount it, add it (or a folder above) in Docker "
            "Desktop's Settings > Resources > File sharing"
        ], stderr
        assert desktop.refusals == [str(handler.parent)]  # at its create or its start; then run with a volume
    finally:
        shutil.rmtree(hidden)


@pytest.fixture(scope="session")
def shared_agentless(shared_engine, docker_client, lambda_images) -> str:
    """The provided test image without python3 (tests/remote/images.py), on the shared-files engine."""
    from tests.remote.images import agentless_image

    shared_engine.load_images(docker_client, [lambda_images["provided"]])
    return agentless_image(shared_engine.client, lambda_images["provided"], CONTAINER_LABELS)


@pytest.mark.parametrize("where", ["shared", "hidden"])
def test_a_go_function_with_its_agent_in_a_sidecar(
    shared_engine,
    shared_agentless,
    built_template,
    lambda_images,
    tmp_path,
    where,
):
    """An image without python3: the agent in a sidecar (its files in a volume of their own), the function's
    container beside it with the code bind-mounted, or copied when the engine does not see it."""
    import subprocess
    import sys

    root = tmp_path if where == "shared" else shared_engine.layout.hidden / uuid.uuid4().hex
    build = root / "build"
    shutil.copytree(built_template.parent, build)
    (build / "Hello" / "unique.txt").write_text(uuid.uuid4().hex)  # code no volume holds yet
    (home := tmp_path / "home").mkdir()
    environment = clean_environment(
        home, DOCKER_HOST=shared_engine.docker_host, LAMBDA_DAP_AGENT_IMAGE=lambda_images["python"], **MODE
    )
    command = [sys.executable, "-m", "lambda_dap", "invoke", "-t", str(build / "template.yaml"), "-e", "-"]
    command += ["--invoke-image", shared_agentless, "--skip-pull-image"]
    since = next_second()
    try:
        done = subprocess.run(command, input=b'{"name": "gopher"}', capture_output=True, env=environment, timeout=120)
        stderr = done.stderr.decode(errors="replace")
        assert done.returncode == 0, stderr
        assert json.loads(done.stdout)["message"] == "Hello, gopher!"
        filled, _ = fill_activity(shared_engine, since)
        notices = [line for line in stderr.splitlines() if "does not share" in line]
        if where == "shared":
            assert notices == [] and not [name for name in filled if name != volume_agent_files()], (filled, stderr)
        else:
            assert len(notices) == 1 and str(build) in notices[0], stderr
            code_volume = volume_for(build / "Hello", "/var/task").name
            assert [name for name in filled if name != volume_agent_files()] == [code_volume], filled  # copied
    finally:
        if where == "hidden":
            shutil.rmtree(root)
    deadline = time.monotonic() + LEAK_GRACE_SECONDS  # the engine removes the sidecar, and its run volume with it
    while (left := run_volumes(shared_engine)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"run directory volumes left on the shared-files engine: {left}"


def run_volumes(shared_engine) -> list[str]:
    from tests.conftest import SESSION_LABEL

    found = shared_engine.client.volumes.list(filters={"label": ["lambda-dap.run", SESSION_LABEL]})
    return [volume.name for volume in found]


def volume_agent_files() -> str:
    from lambda_dap.invoke.spec import agent_files_volume

    return agent_files_volume().name
