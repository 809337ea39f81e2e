"""Shared fixtures: the Docker engine, the test images, and a container leak check.

Tests that need Docker are marked ``@pytest.mark.docker``. Without a reachable engine they are skipped
on a developer machine and fail in CI (CI=true): CI must never pass by skipping them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

pytest_plugins = ["tests.aws_endpoint"]  # the `moto` fixture: a local AWS endpoint

# Every container lambda-dap starts during this test session carries this label (subprocesses inherit the
# variable), so the leak check below looks at this session's containers only, not a parallel session's.
SESSION_LABEL = f"lambda-dap.test-session={uuid.uuid4().hex[:12]}"
os.environ["LAMBDA_DAP_CONTAINER_LABELS"] = SESSION_LABEL

IMAGES_DIR = Path(__file__).resolve().parent / "images"
CONTAINER_LABEL = "lambda-dap"  # every container lambda-dap (and these tests) start carries it
LEAK_GRACE_SECONDS = 3.0  # auto-removed containers disappear asynchronously after they exit


def _in_ci() -> bool:
    return os.environ.get("CI") == "true"


def unavailable(reason: str, tests: str) -> NoReturn:
    """Skip on a developer machine that lacks what `tests` need; fail when CI=true: CI never passes by skipping."""
    message = f"{reason}; run scripts/setup"
    if _in_ci():
        pytest.fail(f"{message} (CI=true: {tests} must run, not skip)", pytrace=False)
    pytest.skip(message)


def _load_image_builder():
    """tests/images/build.py, imported by path (tests/images is not a package)."""
    name = "lambda_dap_test_images"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, IMAGES_DIR / "build.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file executes
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return sys.modules[name]


@pytest.fixture(scope="session")
def docker_client():
    import docker

    try:
        client = docker.from_env()
        client.ping()
    except Exception as error:
        unavailable(f"Docker engine unreachable: {error}", "Docker tests")
    yield client
    client.close()


@pytest.fixture(scope="session")
def lambda_images(docker_client) -> dict[str, str]:
    """Build (or find cached) the test images; {"python": tag, "plain": tag, "debian": tag}."""
    builder = _load_image_builder()
    return builder.ensure_images(client=docker_client)


def _labelled_containers(client) -> dict[str, str]:
    """One listing call (no per-container inspect, which races with the engine removing stopped containers)."""
    return {
        c["Id"]: f"{(c.get('Names') or ['?'])[0].lstrip('/')} ({c.get('Status')}, image {c.get('Image', '?')})"
        for c in client.api.containers(all=True, filters={"label": [CONTAINER_LABEL, SESSION_LABEL]})
    }


@pytest.fixture(autouse=True)
def _no_leaked_containers(request):
    """A docker-marked test must remove every container labelled lambda-dap that it started."""
    if request.node.get_closest_marker("docker") is None:
        yield
        return
    yield from fail_on_leaked_containers(request.getfixturevalue("docker_client"))


def fail_on_leaked_containers(client, where: str = "") -> Iterator[None]:
    """Around one test (a fixture's `yield from`): fail it when a labelled container it started on `client`'s
    engine is still there once the engine had a moment to delete it; remove the leftovers either way."""
    before = set(_labelled_containers(client))
    yield
    deadline = time.monotonic() + LEAK_GRACE_SECONDS
    while True:
        leaked = {cid: info for cid, info in _labelled_containers(client).items() if cid not in before}
        if not leaked or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    if not leaked:
        return
    for cid in leaked:  # clean up so that one leak does not fail the tests after it
        with contextlib.suppress(Exception):
            client.containers.get(cid).remove(force=True)
    listing = "\n".join(f"  {cid[:12]} {info}" for cid, info in leaked.items())
    pytest.fail(f"test left {len(leaked)} container(s) labelled {CONTAINER_LABEL}{where}:\n{listing}", pytrace=False)
