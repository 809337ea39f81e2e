"""`lambda-dap invoke` pulling its image: from a registry of our own (tests/registry.py), as none other is reachable."""

from __future__ import annotations

import re
import uuid

import docker.errors
import pytest

from tests.invoke.conftest import KITCHEN
from tests.registry import remove_local_image, serve_images

pytestmark = pytest.mark.docker

TEMPLATE = ["-t", str(KITCHEN / "template.yaml")]
NAME = f"lambda-dap-test-pull-{uuid.uuid4().hex[:10]}/python:3.11"  # unique per run: nothing pulled before


@pytest.fixture(scope="module")
def registry(docker_client, lambda_images):
    """A registry on 127.0.0.1 serving the Lambda-like Python test image as NAME (exported once per module)."""
    with serve_images({NAME: lambda_images["python"]}, client=docker_client) as running:
        yield running
        remove_local_image(running.reference(NAME), docker_client)


@pytest.fixture
def registry_image(registry, docker_client):
    """'127.0.0.1:PORT/lambda-dap-test-pull-.../python:3.11', absent from the engine before and after the test."""
    reference = registry.reference(NAME)
    remove_local_image(reference, docker_client)
    yield reference
    remove_local_image(reference, docker_client)


def is_local(client, reference: str) -> bool:
    try:
        client.images.get(reference)
    except docker.errors.ImageNotFound:
        return False
    return True


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Error:")]


def test_an_absent_image_is_pulled_with_progress_and_only_once(
    registry, registry_image, invoke_cli, event_file, docker_client
):
    assert not is_local(docker_client, registry_image)
    event = event_file({"action": "echo", "pulled": True})
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event, "--invoke-image", registry_image, image="")
    assert run.code == 0, run.stderr
    assert run.json["event"] == {"action": "echo", "pulled": True}
    assert f"Pulling image {registry_image} ...\n" in run.stderr
    progress = re.findall(r"^  [0-9a-f]{12}: (Download complete|Pull complete)$", run.stderr, re.MULTILINE)
    assert "Pull complete" in progress, run.stderr
    assert run.stderr.index("Pulling image") < run.stderr.index("START RequestId")
    assert is_local(docker_client, registry_image)
    downloaded = {path for method, path in registry.requests if method == "GET" and "/blobs/" in path}
    assert len(downloaded) == len(registry.blobs)  # the config and every layer came from this registry

    asked = len(registry.requests)
    again = invoke_cli("Kitchen", *TEMPLATE, "-e", event, "--invoke-image", registry_image, image="")
    assert again.code == 0, again.stderr
    assert again.json["event"] == {"action": "echo", "pulled": True}
    assert "Pulling image" not in again.stderr
    assert len(registry.requests) == asked  # the registry is not even asked whether the image is fresh


def test_skip_pull_image_with_an_absent_image_is_an_error(registry, registry_image, invoke_cli, docker_client):
    asked = len(registry.requests)
    run = invoke_cli("Kitchen", *TEMPLATE, "--invoke-image", registry_image, "--skip-pull-image", image="")
    assert run.code == 1, run.stderr
    assert run.stdout == b""
    (error,) = error_lines(run.stderr)
    assert registry_image in error and "--skip-pull-image" in error
    assert "Pulling image" not in run.stderr and "Traceback" not in run.stderr
    assert len(registry.requests) == asked  # nothing was pulled
    assert not is_local(docker_client, registry_image)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(f"lambda-dap-test-missing-{uuid.uuid4().hex[:10]}/python:3.11", id="unknown-repository"),
        pytest.param(NAME.replace(":3.11", ":no-such-tag"), id="unknown-tag"),
    ],
)
def test_an_image_the_registry_does_not_have_is_one_error_line(registry, invoke_cli, docker_client, name):
    reference = registry.reference(name)
    run = invoke_cli("Kitchen", *TEMPLATE, "--invoke-image", reference, image="")
    assert run.code == 1, run.stderr
    assert run.stdout == b""
    (error,) = error_lines(run.stderr)
    assert reference in error, error
    assert "not found" in error or "unknown" in error, error
    assert "Traceback" not in run.stderr
    assert any(path.startswith(f"/v2/{name.split(':')[0]}/manifests/") for _, path in registry.requests)
    assert not is_local(docker_client, reference)
