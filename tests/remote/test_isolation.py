"""The remote engine is what it claims: a different engine the client reaches over its own link, whose containers
reach nothing of the client, neither its network nor its files, and whose published ports the client reaches."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import unavailable
from tests.remote.conftest import CONTAINER_LABELS
from tests.remote.dockerd import (
    API_PORT,
    CERT_DIR,
    CLIENT_ADDRESS,
    DATA_ROOT,
    DOCKER_HOST,
    ENGINE_ADDRESS,
    TLS_PORT,
    RemoteEngine,
)

pytestmark = pytest.mark.docker

# Run in a remote container: connect to each (host, port) with a short timeout, print {"host:port": outcome}.
PROBE = """
import json, socket, sys
outcomes = {}
for target in sys.argv[1:]:
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        outcomes[target] = "connected"
    except OSError as error:
        outcomes[target] = type(error).__name__ + ": " + str(error)
print(json.dumps(outcomes))
"""


def run_remote(remote_engine, image: str, command: list[str], **options) -> str:
    """Run `command` in a container on the remote engine; its output, the container removed."""
    container = remote_engine.client.containers.create(image, command, labels=CONTAINER_LABELS, **options)
    try:
        container.start()
        status = container.wait(timeout=60)
        output = container.logs().decode()
        assert status["StatusCode"] == 0, output
        return output
    finally:
        container.remove(force=True)


@contextlib.contextmanager
def listener(host: str):
    """A TCP listener on the client at `host` (an ephemeral port) that no one should reach."""
    with socket.create_server((host, 0)) as server:
        server.setblocking(False)
        yield server


def connections_accepted(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            server.accept()[0].close()
        except BlockingIOError:
            return count
        count += 1


def test_client_reaches_the_remote_engine_api(remote_engine, docker_client):
    assert remote_engine.docker_host == DOCKER_HOST == f"tcp://{ENGINE_ADDRESS}:{API_PORT}"
    assert remote_engine.client_address == CLIENT_ADDRESS
    assert remote_engine.client.ping()
    info = remote_engine.client.info()
    assert info["DockerRootDir"] == str(DATA_ROOT)
    assert info["ID"] != docker_client.info()["ID"]  # another engine than the local one


@pytest.mark.parametrize("tls", [False, True], ids=["tcp", "tls"])
def test_the_docker_cli_reaches_the_remote_engine_with_its_environment(remote_engine, tls):
    docker_cli = shutil.which("docker")
    if docker_cli is None:
        unavailable("no docker CLI on PATH", "the remote engine tests")
    environment = remote_engine.environment({"PATH": os.environ["PATH"], "DOCKER_CONTEXT": "elsewhere"}, tls=tls)
    done = subprocess.run(
        [docker_cli, "info", "--format", "{{.ID}} {{.DockerRootDir}}"], env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [remote_engine.client.info()["ID"], str(DATA_ROOT)]


def test_the_tls_endpoint_asks_for_a_client_certificate(remote_engine):
    with contextlib.closing(remote_engine.tls_client()) as client:
        assert client.ping()
    context = ssl.create_default_context(cafile=str(CERT_DIR / "ca.pem"))  # the server is trusted; no client cert
    try:
        with (
            socket.create_connection((ENGINE_ADDRESS, TLS_PORT), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname=ENGINE_ADDRESS) as connection,
        ):
            connection.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
            answer = connection.recv(100)
    except (ssl.SSLError, OSError):
        answer = b""
    assert not answer.startswith(b"HTTP"), answer


def test_the_engine_namespace_has_its_link_and_no_route_out(remote_engine):
    addresses = remote_engine.run(["ip", "-4", "-o", "address"], check=True).stdout
    assert f"inet {ENGINE_ADDRESS}/30" in addresses
    assert f"inet {CLIENT_ADDRESS}/" not in addresses
    routes = remote_engine.run(["ip", "-4", "route"], check=True).stdout
    assert routes.strip() and "default" not in routes, routes


def test_a_second_session_joins_the_engine_and_leaves_it_running(remote_engine):
    other = RemoteEngine().start()
    try:
        assert not other.started
        assert other.pid == remote_engine.pid
    finally:
        other.stop()
    assert remote_engine.client.ping()  # this session still uses it


def test_the_images_are_on_the_remote_engine(remote_engine, remote_images, docker_client):
    for tag in remote_images.values():
        assert remote_engine.client.images.get(tag).id == docker_client.images.get(tag).id, tag


def test_a_remote_container_reaches_nothing_of_the_client(remote_engine, remote_images, docker_client):
    gateway = docker_client.networks.get("bridge").attrs["IPAM"]["Config"][0]["Gateway"]  # 172.17.0.1 here
    with listener(CLIENT_ADDRESS) as link, listener(gateway) as bridge, listener("127.0.0.1") as loopback:
        targets = {
            "link": f"{CLIENT_ADDRESS}:{link.getsockname()[1]}",
            "bridge": f"{gateway}:{bridge.getsockname()[1]}",
            "loopback": f"127.0.0.1:{loopback.getsockname()[1]}",
            "engine": f"{ENGINE_ADDRESS}:{API_PORT}",
        }
        # The client reaches its own listeners at these addresses: the failures below are the remote's.
        servers = (link, bridge, loopback)
        for server in servers:
            socket.create_connection(server.getsockname()[:2], timeout=5).close()
        assert [connections_accepted(server) for server in servers] == [1, 1, 1]
        output = run_remote(remote_engine, remote_images["plain"], ["python3", "-c", PROBE, *targets.values()])
        outcomes = json.loads(output.strip().splitlines()[-1])
        assert outcomes[targets["engine"]] == "connected", outcomes  # the probe does connect where it can
        for name in ("link", "bridge", "loopback"):
            assert outcomes[targets[name]] != "connected", (name, outcomes)
        assert "unreachable" in outcomes[targets["bridge"]], outcomes  # no route out of the namespace at all
        assert "refused" in outcomes[targets["loopback"]], outcomes  # the container's own loopback
        # Nor does the engine's namespace itself open a connection to the client.
        done = remote_engine.run(
            ["timeout", "2", "bash", "-c", f"exec 3<>/dev/tcp/{targets['link'].replace(':', '/')}"]
        )
        assert done.returncode != 0, done
        assert [connections_accepted(server) for server in servers] == [0, 0, 0]


def test_a_bind_mount_of_a_client_path_shows_nothing_of_it(remote_engine, remote_images, tmp_path):
    import debugpy

    (tmp_path / "marker").write_text("client data\n")
    repository = Path(__file__).resolve().parents[2]
    # What lambda-dap mounts: the function's code, its own files, the client's debugpy; and the client's home.
    sources = [tmp_path, repository, Path(debugpy.__file__).parent, Path.home(), Path("/usr/local/bin")]
    for source in sources:
        assert any(source.iterdir()), source  # the client has files there
    binds = [f"{source}:/client/{index}:{'rw' if index == 0 else 'ro'}" for index, source in enumerate(sources)]
    # The engine creates a bind mount's missing source as an empty directory; no file of the client's shows, and
    # what the container writes there stays on the remote.
    script = "find /client -maxdepth 3 ! -type d; test ! -e /client/0/marker && echo no marker; touch /client/0/out"
    output = run_remote(remote_engine, remote_images["debian"], ["bash", "-c", script], volumes=binds)
    assert output == "no marker\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["marker"]


def test_a_port_published_on_the_engine_address_reaches_the_client(remote_engine, remote_images):
    server = (
        "import socket\n"
        "s = socket.create_server(('0.0.0.0', 8000))\n"  # inside the container: its own interface
        "while True:\n"
        "    c, _ = s.accept(); c.sendall(b'hello from ' + socket.gethostname().encode()); c.close()\n"
    )
    container = remote_engine.client.containers.run(
        remote_images["plain"],
        ["python3", "-c", server],
        labels=CONTAINER_LABELS,
        ports={"8000/tcp": (ENGINE_ADDRESS, None)},
        detach=True,
    )
    try:
        container.reload()
        binding = container.ports["8000/tcp"][0]
        assert binding["HostIp"] == ENGINE_ADDRESS
        deadline = time.monotonic() + 30
        while True:  # until the server in the container listens
            try:
                with socket.create_connection((ENGINE_ADDRESS, int(binding["HostPort"])), timeout=5) as connection:
                    greeting = connection.recv(100)
                if greeting:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, remote_engine.client.containers.get(container.id).logs()
            time.sleep(0.1)
        assert greeting == b"hello from " + container.id[:12].encode()
    finally:
        container.remove(force=True)


def test_a_shared_files_container_reaches_nothing_of_the_client(shared_engine, lambda_images, docker_client):
    """The engine like Docker Desktop's: none of the client's network either (its own namespace)."""
    client_address = shared_engine.client_address
    gateway = docker_client.networks.get("bridge").attrs["IPAM"]["Config"][0]["Gateway"]
    with listener(client_address) as link, listener(gateway) as bridge:
        targets = {
            "link": f"{client_address}:{link.getsockname()[1]}",
            "bridge": f"{gateway}:{bridge.getsockname()[1]}",
        }
        for server in (link, bridge):
            socket.create_connection(server.getsockname()[:2], timeout=5).close()
        assert [connections_accepted(server) for server in (link, bridge)] == [1, 1]
        output = run_remote(
            shared_engine, lambda_images["python"], ["python3", "-c", PROBE, *targets.values()], entrypoint=[]
        )
        outcomes = json.loads(output.strip().splitlines()[-1])
        assert "connected" not in outcomes.values(), outcomes
        assert [connections_accepted(server) for server in (link, bridge)] == [0, 0]
    assert shared_engine.client.info()["DockerRootDir"] == str(shared_engine.layout.data_root)


def test_a_shared_files_engine_sees_the_clients_files_but_one_directory(shared_engine, lambda_images, tmp_path):
    import docker.errors

    (tmp_path / "marker").write_text("client data\n")
    hidden = shared_engine.layout.hidden / f"test-{os.getpid()}"
    hidden.mkdir()
    try:
        (hidden / "marker").write_text("client data\n")
        mount = docker.types.Mount("/client", str(tmp_path), type="bind", read_only=True)
        output = run_remote(
            shared_engine, lambda_images["python"], ["cat", "/client/marker"], entrypoint=[], mounts=[mount]
        )
        assert output == "client data\n"
        hidden_mount = docker.types.Mount("/client", str(hidden), type="bind", read_only=True)
        with pytest.raises(docker.errors.APIError, match="bind source path does not exist"):
            run_remote(shared_engine, lambda_images["python"], ["true"], entrypoint=[], mounts=[hidden_mount])
    finally:
        shutil.rmtree(hidden)
