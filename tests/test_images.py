"""The test images are what the other integration tests assume: the python image runs a handler
through awslambdaric against a Runtime API served from the host, like public.ecr.aws/lambda/python."""

from __future__ import annotations

import fcntl
import json
import queue
import socket
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytestmark = pytest.mark.docker

API = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:image-test"
RESULT_TIMEOUT = 30.0

APP = """
import os
import sys


def handler(event, context):
    print("handler ran", flush=True)
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "arn": context.invoked_function_arn,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "task_root": os.environ.get("LAMBDA_TASK_ROOT"),
        "sys_path0": sys.path[0],
        "wrapped": os.environ.get("WRAPPED"),
    }


def fail(event, context):
    raise ValueError("boom")
"""

WRAPPER = """#!/bin/sh
echo "wrapper got: $*" >&2
export WRAPPED=yes
exec "$@"
"""


class RuntimeApi:
    """A minimal Lambda Runtime API: hands out queued events, records what the runtime posts back."""

    def __init__(self, host: str):
        self.events: queue.Queue = queue.Queue()
        self.posts: queue.Queue = queue.Queue()  # (kind, request_id, headers, body)
        self._stopping = threading.Event()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: bytes = b"", headers: dict | None = None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != f"{API}/invocation/next":
                    return self._reply(404)
                while not api._stopping.is_set():
                    try:
                        request_id, event = api.events.get(timeout=0.1)
                    except queue.Empty:
                        continue
                    deadline_ms = int((time.time() + 30) * 1000)
                    return self._reply(
                        200,
                        json.dumps(event).encode(),
                        {
                            "Content-Type": "application/json",
                            "Lambda-Runtime-Aws-Request-Id": request_id,
                            "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                            "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                            "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
                        },
                    )
                self.close_connection = True
                return self._reply(503)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path[len(API) :].strip("/").split("/")
                if parts == ["init", "error"]:
                    api.posts.put(("init/error", None, dict(self.headers), body))
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    api.posts.put((parts[2], parts[1], dict(self.headers), body))
                else:
                    return self._reply(404)
                return self._reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.address = f"{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def invoke(self, event) -> str:
        request_id = str(uuid.uuid4())
        self.events.put((request_id, event))
        return request_id

    def stop(self):
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()


def _interface_ipv4(name: str) -> str | None:
    """The IPv4 address of a host network interface (SIOCGIFADDR), None when it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            packed = fcntl.ioctl(sock.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))
        except OSError:
            return None
    return socket.inet_ntoa(packed[20:24])


@pytest.fixture(scope="module")
def bridge_gateway(docker_client) -> str:
    """The host's address on the default bridge network, where a container reaches a host server."""
    details = docker_client.networks.get("bridge").attrs
    configs = details.get("IPAM", {}).get("Config") or []
    for config in configs:
        if config.get("Gateway") and ":" not in config["Gateway"]:
            return config["Gateway"]
    # The default bridge often lists only its Subnet (Docker 20.10 does): ask its interface instead.
    interface = (details.get("Options") or {}).get("com.docker.network.bridge.name", "docker0")
    address = _interface_ipv4(interface)
    assert address, f"no IPv4 gateway on the docker bridge network: {configs}, interface {interface}"
    return address


@pytest.fixture
def runtime_api(bridge_gateway):
    api = RuntimeApi(bridge_gateway)  # only where the container can reach it, never 0.0.0.0
    yield api
    api.stop()


@pytest.fixture
def function_dir(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    wrapper = tmp_path / "wrapper.sh"
    wrapper.write_text(WRAPPER)
    wrapper.chmod(0o755)
    return tmp_path


def _invoke(docker_client, image, runtime_api, function_dir, event, command=None, environment=None):
    """Start a container on ``image``, send one event; return (kind, request_id, headers, body, logs)."""
    request_id = runtime_api.invoke(event)
    container = docker_client.containers.run(
        image,
        command=command,
        detach=True,
        environment={"AWS_LAMBDA_RUNTIME_API": runtime_api.address, "_HANDLER": "app.handler", **(environment or {})},
        volumes={str(function_dir): {"bind": "/var/task", "mode": "ro"}},
        labels={"lambda-dap": "test"},
    )
    try:
        try:
            kind, posted_id, headers, body = runtime_api.posts.get(timeout=RESULT_TIMEOUT)
        except queue.Empty:
            container.reload()
            logs = container.logs().decode(errors="replace")
            pytest.fail(f"no result within {RESULT_TIMEOUT} s (container {container.status}):\n{logs}")
        assert posted_id in (request_id, None)
        logs = container.logs().decode(errors="replace")
        return kind, posted_id, headers, json.loads(body), logs
    finally:
        container.remove(force=True)


def test_python_image_runs_a_handler_through_awslambdaric(docker_client, lambda_images, runtime_api, function_dir):
    event = {"hello": "world", "n": [1, 2, 3]}
    kind, request_id, _, result, logs = _invoke(
        docker_client, lambda_images["python"], runtime_api, function_dir, event
    )

    assert kind == "response", (result, logs)
    assert result["event"] == event
    assert result["request_id"] == request_id
    assert result["arn"] == FUNCTION_ARN
    assert 0 < result["remaining_ms"] <= 30_000
    assert result["task_root"] == "/var/task"
    assert result["sys_path0"] == "/var/task"
    assert result["wrapped"] is None


def test_python_image_reports_handler_errors(docker_client, lambda_images, runtime_api, function_dir):
    # The command's first argument is the handler and wins over _HANDLER, as in the official image.
    kind, _, headers, result, logs = _invoke(
        docker_client, lambda_images["python"], runtime_api, function_dir, {}, command=["app.fail"]
    )

    assert kind == "error", (result, logs)
    assert result["errorType"] == "ValueError"
    assert result["errorMessage"] == "boom"
    # awslambdaric's C client sends no Lambda-Runtime-Function-Error-Type on invocation errors.
    cause = json.loads({k.lower(): v for k, v in headers.items()}["lambda-runtime-function-xray-error-cause"])
    assert cause["exceptions"][0]["type"] == "ValueError"


def test_python_image_reports_init_errors(docker_client, lambda_images, runtime_api, function_dir):
    kind, _, _, result, _ = _invoke(
        docker_client, lambda_images["python"], runtime_api, function_dir, {}, command=["nomodule.handler"]
    )

    assert kind == "init/error"
    assert result["errorType"] == "Runtime.ImportModuleError"


def test_python_image_honours_the_exec_wrapper(docker_client, lambda_images, runtime_api, function_dir):
    kind, _, _, result, logs = _invoke(
        docker_client,
        lambda_images["python"],
        runtime_api,
        function_dir,
        {"x": 1},
        environment={"AWS_LAMBDA_EXEC_WRAPPER": "/var/task/wrapper.sh"},
    )

    assert kind == "response", (result, logs)
    assert result["wrapped"] == "yes"
    assert "wrapper got: /var/lang/bin/python3 /var/runtime/bootstrap.py app.handler" in logs


def _run_to_exit(docker_client, image, **options) -> tuple[int, str]:
    container = docker_client.containers.run(image, detach=True, labels={"lambda-dap": "test"}, **options)
    try:
        status = container.wait(timeout=60)["StatusCode"]
        return status, container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


def test_python_image_without_a_runtime_api_says_so(docker_client, lambda_images):
    status, logs = _run_to_exit(docker_client, lambda_images["python"])

    assert status == 1
    assert "needs a Lambda Runtime API" in logs
    assert len(logs.strip().splitlines()) == 1


def test_plain_image_is_python_without_lambda(docker_client, lambda_images):
    status, logs = _run_to_exit(
        docker_client,
        lambda_images["plain"],
        command=[
            "python",
            "-c",
            "import os, sys; print(sys.version_info[:2], os.getcwd(), "
            "os.path.exists('/var/runtime'), os.path.exists('/lambda-entrypoint.sh'))",
        ],
    )

    assert status == 0, logs
    assert logs.strip() == "(3, 11) / False False"
