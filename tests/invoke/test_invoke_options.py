"""The remaining `sam local invoke` options, each as a user would use it, on real containers."""

from __future__ import annotations

import json
import shutil
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.invoke.conftest import KITCHEN, containers_gone

pytestmark = pytest.mark.docker

TEMPLATE = ["-t", str(KITCHEN / "template.yaml")]


def write_template(directory, resources: str) -> str:
    path = directory / "template.yaml"
    path.write_text("Resources:\n" + resources)
    return str(path)


def test_docker_network_connects_the_function_to_a_peer(invoke_cli, event_file, docker_client, lambda_images):
    name = f"lambda-dap-test-{uuid.uuid4().hex[:8]}"
    network = docker_client.networks.create(name, labels={"lambda-dap-test": "1"})
    peer = docker_client.containers.run(
        lambda_images["debian"],
        ["python3", "-m", "http.server", "8000", "--directory", "/etc"],
        detach=True,
        network=name,
        name=f"{name}-peer",
        labels={"lambda-dap-test": "1"},
    )
    try:
        url = f"http://{name}-peer:8000/hostname"
        run = invoke_cli(
            "Kitchen", *TEMPLATE, "--docker-network", name, "-e", event_file({"action": "fetch", "url": url})
        )
        assert run.code == 0, run.stderr
        assert run.json.strip() == peer.attrs["Config"]["Hostname"]
    finally:
        peer.remove(force=True)
        # a one-shot invoke ends once its answer is in; the engine deletes the container a moment later
        containers_gone(docker_client, "lambda-dap.function=Kitchen")
        network.remove()


def test_unknown_docker_network_is_a_clear_error(invoke_cli):
    run = invoke_cli("Kitchen", *TEMPLATE, "--docker-network", "no-such-network-here")
    assert run.code == 1
    assert "Error: Docker network 'no-such-network-here'" in run.stderr
    assert "network no-such-network-here not found" in run.stderr  # the engine's (and SAM's) words, for scripts


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from the host"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_host_network_reaches_the_hosts_loopback(invoke_cli, event_file):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        run = invoke_cli(
            "Kitchen", *TEMPLATE, "--docker-network", "host", "-e", event_file({"action": "fetch", "url": url})
        )
        assert run.code == 0, run.stderr
        assert run.json == "hello from the host"
    finally:
        server.shutdown()
        server.server_close()


def test_docker_volume_basedir_resolves_code_uri(invoke_cli, event_file, tmp_path):
    base = tmp_path / "base"
    shutil.copytree(KITCHEN / "src", base / "src")
    elsewhere = tmp_path / "templates"
    elsewhere.mkdir()
    template = write_template(
        elsewhere,
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: src/\n      Handler: app.handler\n      Runtime: python3.11\n",
    )
    run = invoke_cli("-t", template, "-v", str(base), "-e", event_file({"action": "echo", "from": "basedir"}))
    assert run.code == 0, run.stderr
    assert run.json["event"]["from"] == "basedir"


def test_runtime_option_overrides_the_template(invoke_cli, event_file, tmp_path):
    template = write_template(
        tmp_path,
        f"  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: {KITCHEN / 'src'}\n      Handler: app.handler\n"
        f"      Runtime: python3.13\n",
    )
    run = invoke_cli(
        "-t", template, "--runtime", "python3.11", "-e", event_file({"action": "env", "names": ["AWS_EXECUTION_ENV"]})
    )
    assert run.code == 0, run.stderr
    assert run.json == {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.11"}


def test_inline_code_runs(invoke_cli, tmp_path):
    template = write_template(
        tmp_path,
        "  Inline:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Handler: index.handler\n      Runtime: python3.11\n"
        "      InlineCode: |\n        def handler(event, context):\n"
        "            return {'inline': True}\n",
    )
    run = invoke_cli("-t", template)
    assert run.code == 0, run.stderr
    assert run.json == {"inline": True}


def test_zip_code_uri_is_unpacked_and_cleaned_up(invoke_cli, event_file, tmp_path):
    archive = shutil.make_archive(str(tmp_path / "code"), "zip", KITCHEN / "src")
    template = write_template(
        tmp_path,
        f"  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: {archive}\n      Handler: app.handler\n"
        f"      Runtime: python3.11\n",
    )
    run = invoke_cli("-t", template, "-e", event_file({"action": "echo"}), env={"TMPDIR": str(tmp_path)})
    assert run.code == 0, run.stderr
    assert not list(tmp_path.glob("lambda-dap-*")), "temporary directories left behind"


def test_nested_stack_function_by_path(invoke_cli, event_file, tmp_path):
    child = tmp_path / "child"
    child.mkdir()
    (child / "template.yaml").write_text(
        "Parameters:\n  Stage:\n    Type: String\nResources:\n  Worker:\n    Type: AWS::Serverless::Function\n"
        f"    Properties:\n      CodeUri: {KITCHEN / 'src'}\n      Handler: app.handler\n      Runtime: python3.11\n"
        "      Environment:\n        Variables:\n          STAGE: !Ref Stage\n"
    )
    template = write_template(
        tmp_path,
        "  Child:\n    Type: AWS::Serverless::Application\n    Properties:\n"
        "      Location: child/template.yaml\n"
        "      Parameters:\n        Stage: nested\n",
    )
    run = invoke_cli("Child/Worker", "-t", template, "-e", event_file({"action": "env", "names": ["STAGE"]}))
    assert run.code == 0, run.stderr
    assert run.json == {"STAGE": "nested"}


def test_container_env_vars_apply_without_a_debug_port(invoke_cli, event_file, tmp_path):
    container_env = tmp_path / "container.json"
    container_env.write_text(json.dumps({"EXTRA_SETTING": "on", "STAGE": "container-wins"}))
    run = invoke_cli(
        "Kitchen",
        *TEMPLATE,
        "--container-env-vars",
        str(container_env),
        "-e",
        event_file({"action": "env", "names": ["EXTRA_SETTING", "STAGE"]}),
    )
    assert run.code == 0, run.stderr
    assert run.json == {"EXTRA_SETTING": "on", "STAGE": "container-wins"}


def test_dotenv_env_vars_file(invoke_cli, event_file, tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("STAGE=from-dotenv\n")
    run = invoke_cli("Kitchen", *TEMPLATE, "-n", str(dotenv), "-e", event_file({"action": "env", "names": ["STAGE"]}))
    assert run.code == 0, run.stderr
    assert run.json == {"STAGE": "from-dotenv"}


def test_sam_template_file_environment_variable(invoke_cli, event_file):
    run = invoke_cli(
        "Kitchen",
        "-e",
        event_file({"action": "echo"}),
        env={"SAM_TEMPLATE_FILE": str(KITCHEN / "template.yaml")},
        cwd=KITCHEN.parent,
    )
    assert run.code == 0, run.stderr


def test_layer_arn_is_downloaded_into_the_cache_and_reused(invoke_cli, event_file, tmp_path, moto):
    arn = moto.publish(
        f"helpers-{uuid.uuid4().hex[:8]}",
        {"python/helper.py": ("def greet(name):\n    return f'published {name}'\n", 0o644)},
    )
    template = write_template(
        tmp_path,
        f"  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: {KITCHEN / 'src'}\n      Handler: app.handler\n"
        f"      Runtime: python3.11\n      Layers:\n        - {arn}\n",
    )
    cache = tmp_path / "layer-cache"
    aws = {"AWS_ENDPOINT_URL": moto.endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    event = event_file({"action": "layer"})
    run = invoke_cli("-t", template, "--layer-cache-basedir", str(cache), "-e", event, env=aws)
    assert run.code == 0, run.stderr
    assert run.json == "published layer"
    assert f"Downloading layer {arn}" in run.stderr
    assert len(list(cache.iterdir())) >= 1
    again = invoke_cli("-t", template, "--layer-cache-basedir", str(cache), "-e", event, env=aws)
    assert again.code == 0 and "Downloading layer" not in again.stderr
    forced = invoke_cli(
        "-t", template, "--layer-cache-basedir", str(cache), "--force-image-build", "-e", event, env=aws
    )
    assert forced.code == 0 and f"Downloading layer {arn}" in forced.stderr


def test_an_architecture_mismatch_is_a_warning_not_a_failure(invoke_cli, event_file, tmp_path):
    template = write_template(
        tmp_path,
        f"  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: {KITCHEN / 'src'}\n      Handler: app.handler\n"
        f"      Runtime: python3.11\n      Architectures: [arm64]\n",
    )
    run = invoke_cli("-t", template, "-e", event_file({"action": "echo"}))
    assert run.code == 0, run.stderr
    assert "Warning: Fn is arm64 but image lambda-dap-test/python:3.11 is amd64" in run.stderr
