"""The remote engine fixture (`remote_engine`, see dockerd.py), the engine that shares the client's files but not
its network (`shared_engine`), and their container leak check.

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
def shared_engine(docker_client, lambda_images):
    """A started engine like Docker Desktop's (dockerd.SHARED_FILES: the client's files but one directory, none of
    its network) holding the test image `python`; shared by the whole session."""
    from tests.remote.dockerd import SHARED_FILES, EngineUnsupported, RemoteEngine

    engine = RemoteEngine(layout=SHARED_FILES)
    try:
        engine.start()
    except EngineUnsupported as error:
        unavailable(f"shared-files engine unavailable: {error}", "the shared-files engine tests")
    try:
        engine.load_images(docker_client, [lambda_images["python"]])
        yield engine
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def remote_images(remote_engine, lambda_images) -> dict[str, str]:
    """{name: tag} of the test images present on the remote engine."""
    return {name: lambda_images[name] for name in REMOTE_IMAGES}


@pytest.fixture(autouse=True)
def _no_leaked_remote_containers(request):
    """A test using the remote (or shared-files) engine must remove every container labelled lambda-dap that it
    started there."""
    name = next((name for name in ("remote_engine", "shared_engine") if name in request.fixturenames), None)
    if name is None:
        yield
        return
    where = " on the remote engine" if name == "remote_engine" else " on the shared-files engine"
    yield from fail_on_leaked_containers(request.getfixturevalue(name).client, where)


@pytest.fixture(scope="session")
def agentless_image(remote_engine, remote_images) -> str:
    """The provided test image without python3 (nor node), as Lambda's provided images are (tests/remote/images.py)."""
    from tests.remote.images import agentless_image

    return agentless_image(remote_engine.client, remote_images["provided"], CONTAINER_LABELS)
