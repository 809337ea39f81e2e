"""The remote engine fixture (`remote_engine`, see dockerd.py) and its container leak check.

Without root or network namespaces the remote tests are skipped on a developer machine and fail in CI (CI=true),
as the Docker tests are.
"""

from __future__ import annotations

import pytest

from tests.conftest import CONTAINER_LABEL, SESSION_LABEL, fail_on_leaked_containers, unavailable

# The test images the remote engine gets (names of tests/images/build.py's recipes). The Go build image is left
# out: it is the largest by far and builds run on the client.
REMOTE_IMAGES = ("debian", "python", "plain", "nodejs", "provided")

_label_key, _, _label_value = SESSION_LABEL.partition("=")
CONTAINER_LABELS = {CONTAINER_LABEL: "", _label_key: _label_value}  # for containers the tests start themselves


@pytest.fixture(scope="session")
def remote_engine(docker_client, lambda_images):
    """A started RemoteEngine holding the test images `REMOTE_IMAGES`; shared by the whole session."""
    from tests.remote.dockerd import EngineUnsupported, RemoteEngine

    engine = RemoteEngine()
    try:
        engine.start()
    except EngineUnsupported as error:
        unavailable(f"remote engine unavailable: {error}", "the remote engine tests")
    try:
        engine.load_images(docker_client, [lambda_images[name] for name in REMOTE_IMAGES])
        yield engine
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def remote_images(remote_engine, lambda_images) -> dict[str, str]:
    """{name: tag} of the test images present on the remote engine."""
    return {name: lambda_images[name] for name in REMOTE_IMAGES}


@pytest.fixture(autouse=True)
def _no_leaked_remote_containers(request):
    """A test using the remote engine must remove every container labelled lambda-dap that it started there."""
    if "remote_engine" not in request.fixturenames:
        yield
        return
    yield from fail_on_leaked_containers(request.getfixturevalue("remote_engine").client, " on the remote engine")


# Run in the provided test image to make it like Lambda's provided.al2023: no python3 (no node, it never had one).
STRIP_INTERPRETERS = "rm -rf /usr/bin/python3* /usr/lib/python3* /usr/local/bin/python3* && ! command -v python3 node"


@pytest.fixture(scope="session")
def agentless_image(remote_engine, remote_images) -> str:
    """tests/images/provided without python3 (nor node), as Lambda's provided images are, on the remote engine: made
    there once from the provided image, under a tag naming that image's id (kept for the next sessions)."""
    import docker.errors

    client = remote_engine.client
    base = client.images.get(remote_images["provided"])
    repository, version = "lambda-dap-test/provided-agentless", base.id.partition(":")[2][:12]
    tag = f"{repository}:{version}"
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    container = client.containers.run(
        base.id, entrypoint=["/bin/sh", "-c", STRIP_INTERPRETERS], labels=CONTAINER_LABELS, detach=True
    )
    try:
        assert container.wait(timeout=60)["StatusCode"] == 0, container.logs()
        changes = ['ENTRYPOINT ["/lambda-entrypoint.sh"]', 'CMD ["bootstrap"]', "LABEL lambda-dap.test=1"]
        container.commit(repository, version, changes=changes)
    finally:
        container.remove(force=True)
    return tag
