"""`--container-host`: lambda-dap reaches the debugger through the port Docker publishes, at that host."""

from __future__ import annotations

import json

import pytest

from lambda_dap.invoke import InvokeRequest, InvokeSession, events
from lambda_dap.invoke.build import free_port
from lambda_dap.invoke.request import DebugOptions
from tests.conftest import SESSION_LABEL
from tests.debug.dap_client import DapClient
from tests.debug.test_python import HELLO, HELLO_APP, DebuggedInvoke, attach_and_break, line_of, port_is_free
from tests.invoke.conftest import KITCHEN, Recorder

pytestmark = pytest.mark.docker


def published_ports(docker_client, function: str) -> dict[str, list[dict]]:
    mine = {"label": [f"lambda-dap.function={function}", SESSION_LABEL]}
    (container,) = docker_client.api.containers(filters=mine)
    return docker_client.api.inspect_container(container["Id"])["HostConfig"]["PortBindings"]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_debug_invoke_attaches_through_the_published_port_at_the_container_host(
    tmp_path, lambda_images, docker_client, host
):
    event = tmp_path / "event.json"
    event.write_text('{"name": "host"}')
    args = ["-t", str(HELLO / "template.yaml"), "-e", str(event), "--container-host", host]
    session = DebuggedInvoke(args, lambda_images["python"], tmp_path)
    # the client connects as soon as the configuration is printed: debugpy may not listen yet behind Docker's proxy
    client, stopped = attach_and_break(session, HELLO_APP, line_of(HELLO_APP, "a good line for a breakpoint"))
    bindings = published_ports(docker_client, "HelloWorldFunction")
    (upstream,) = bindings[f"{session.port}/tcp"]  # the debugger's port, published for the relay to reach it
    assert upstream["HostIp"] == "127.0.0.1" and int(upstream["HostPort"]) != session.port
    client.request("continue", {"threadId": stopped["threadId"]})
    code, stdout, stderr = session.finish()
    client.close()
    assert code == 0, stderr
    assert json.loads(json.loads(stdout)["body"])["message"] == "Hello, host!"
    assert port_is_free(session.port)


def test_a_caller_that_owns_the_debugger_connects_at_the_container_host(lambda_images, docker_client):
    """As the DAP server drives it (no relay): the endpoint names the container host, the port is Docker's."""
    port = free_port("127.0.0.1")
    debug = DebugOptions(ports=(port,), relay=False, keep_timeout=True, container_host="localhost")
    request = InvokeRequest(
        template=KITCHEN / "template.yaml",
        function_id="Kitchen",
        invoke_images={None: lambda_images["python"]},
        skip_pull_image=True,
        debug=debug,
        event=b'{"action": "echo", "via": "container host"}',
    )
    recorder = Recorder()
    with InvokeSession(request, on_event=recorder) as session:
        session.start()
        (listening,) = recorder.of(events.DebuggerListening)
        assert listening.endpoint.host == "localhost"
        assert listening.endpoint.attach["connect"] == {"host": "localhost", "port": port}
        assert published_ports(docker_client, "Kitchen")[f"{port}/tcp"] == [
            {"HostIp": "127.0.0.1", "HostPort": str(port)}
        ]
        client = DapClient(session.connect_debugger(30))
        try:
            client.request("initialize", {"adapterID": "lambda-dap-test", "pathFormat": "path"})
            attach = client.send_request("attach", {"justMyCode": False})
            client.event("initialized")
            client.request("configurationDone")
            client.response(attach)
            result = session.invoke()
        finally:
            client.close()
    assert result.ok, result.payload
    assert json.loads(result.payload)["event"]["via"] == "container host"


def test_a_published_port_counts_only_once_something_listens_behind_docker_s_proxy(lambda_images, docker_client):
    import time

    from lambda_dap.debug.tcp import connect_past_proxy

    port = free_port("127.0.0.1")
    server = "import socket,sys;s=socket.socket();s.bind(('0.0.0.0',5000));s.listen();sys.stdin.read()"
    container = docker_client.containers.create(
        lambda_images["debian"],
        ["sh", "-c", f'read go; python3 -c "{server}"'],  # listens once told to on stdin
        ports={"5000/tcp": ("127.0.0.1", port)},
        stdin_open=True,
        labels={SESSION_LABEL.split("=")[0]: SESSION_LABEL.split("=")[1]},
    )
    try:
        container.start()
        with pytest.raises(ConnectionRefusedError, match="nothing listens behind it yet"):
            connect_past_proxy(("127.0.0.1", port), timeout=5).close()  # the proxy accepted, then hung up
        stdin = container.attach_socket(params={"stdin": 1, "stream": 1})
        stdin._sock.sendall(b"go\n")
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = connect_past_proxy(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server in the container never listened"
                time.sleep(0.05)
        connection.close()
        stdin.close()
    finally:
        container.remove(force=True)
