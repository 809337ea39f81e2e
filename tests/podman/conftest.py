"""The Podman fixture (`podman`, see service.py) and its container leak check.

Without root or Podman the Podman tests are skipped on a developer machine and fail in CI (CI=true), as the Docker
tests are.
"""

from __future__ import annotations

import pytest

from tests.conftest import fail_on_leaked_containers, unavailable
from tests.extensions.conftest import invoke_ext  # noqa: F401  (fixtures of other directories, used with Podman)
from tests.invoke.conftest import event_file, invoke_cli  # noqa: F401

# The test images Podman gets (names of tests/images/build.py's recipes): only what these tests run.
PODMAN_IMAGES = ("python",)


@pytest.fixture(scope="session")
def podman(docker_client, lambda_images):
    """A started PodmanService holding the test images `PODMAN_IMAGES`; shared by the whole session."""
    from tests.podman.service import PodmanService, PodmanUnsupported

    service = PodmanService()
    try:
        service.start()
    except PodmanUnsupported as error:
        unavailable(f"Podman unavailable: {error}", "the Podman tests")
    try:
        service.load_images(docker_client, [lambda_images[name] for name in PODMAN_IMAGES])
        yield service
    finally:
        service.stop()


@pytest.fixture(autouse=True)
def _no_leaked_podman_containers(request):
    """A test using Podman must remove every container labelled lambda-dap that it started there."""
    if "podman" not in request.fixturenames:
        yield
        return
    yield from fail_on_leaked_containers(request.getfixturevalue("podman").client, " on Podman")
