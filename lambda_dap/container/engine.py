"""The connection to the Docker engine, and the one place where the SDK's errors become lambda-dap's."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

from lambda_dap.errors import ContainerError, DockerNotAvailable, LambdaDapError

if TYPE_CHECKING:
    import docker

LABEL = "lambda-dap"  # every container lambda-dap starts carries it: `docker ps -a --filter label=lambda-dap`


@lru_cache(maxsize=1)
def docker_client() -> docker.DockerClient:
    """One client per process; the docker SDK is imported only when a container is really needed."""
    import docker

    try:
        return docker.from_env()
    except docker.errors.DockerException as e:
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise DockerNotAvailable(
            f"Cannot reach the Docker engine at {where}: is Docker running? ({_first_line(e)})"
        ) from e


@contextmanager
def translated_errors(action: str) -> Iterator[None]:
    """Turn docker SDK and connection errors met while doing `action` into a `LambdaDapError`."""
    import docker
    import requests

    try:
        yield
    except LambdaDapError:
        raise
    except requests.exceptions.ConnectionError as e:
        raise DockerNotAvailable(f"Lost the Docker engine while trying to {action}: {_first_line(e)}") from e
    except docker.errors.APIError as e:
        raise ContainerError(f"Docker failed to {action}: {api_error_text(e)}") from e
    except docker.errors.DockerException as e:
        raise ContainerError(f"Docker failed to {action}: {_first_line(e)}") from e


def api_error_text(error: Exception) -> str:
    explanation = getattr(error, "explanation", None)
    return _first_line(explanation if explanation else error)


def _first_line(value: object) -> str:
    text = str(value).strip()
    return text.splitlines()[0] if text else type(value).__name__


@lru_cache(maxsize=8)
def network_gateway(network: str = "bridge") -> str:
    """The host's address on a Docker network: where a container reaches a server on the host."""
    client = docker_client()
    with translated_errors(f"inspect the Docker network '{network}'"):
        details = client.api.inspect_network(network)
    for config in details.get("IPAM", {}).get("Config") or []:
        gateway = config.get("Gateway")
        if gateway and ":" not in gateway:
            return gateway
        subnet = config.get("Subnet", "")
        if subnet and ":" not in subnet:  # the default bridge may not say: Docker gives the gateway the first host
            import ipaddress

            return str(next(ipaddress.ip_network(subnet, strict=False).hosts()))
    raise ContainerError(f"The Docker network '{network}' has no IPv4 gateway to serve the Runtime API on")
