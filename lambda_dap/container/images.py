"""Making sure the image a function runs on is present: inspect, or pull with progress on stderr."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambda_dap.container.engine import api_error_text, docker_client, translated_errors
from lambda_dap.errors import ImageNotFound, ImagePullError


def inspect_image(name: str) -> dict[str, Any] | None:
    """The engine's description of a local image, or None when it is not present."""
    import docker

    client = docker_client()
    with translated_errors(f"inspect the image {name}"):
        try:
            return client.api.inspect_image(name)
        except docker.errors.ImageNotFound:
            return None


def ensure_image(name: str, *, skip_pull: bool, log: Callable[[str], None]) -> dict[str, Any]:
    """Return the local image `name`, pulling it when absent (never with `skip_pull`)."""
    details = inspect_image(name)
    if details is not None:
        return details
    if skip_pull:
        raise ImageNotFound(
            f"Image '{name}' is not present locally and --skip-pull-image was given: "
            "pull or build it first, or choose another with --invoke-image"
        )
    pull_image(name, log=log)
    details = inspect_image(name)
    if details is None:
        raise ImagePullError(f"Image '{name}' is still missing after pulling it")
    return details


def pull_image(name: str, *, log: Callable[[str], None]) -> None:
    """`docker pull`, reporting each layer's progress once per status change."""
    import docker

    repository, tag = split_image_name(name)
    client = docker_client()
    log(f"Pulling image {name} ...")
    last_status: dict[str, str] = {}
    with translated_errors(f"pull the image {name}"):
        try:
            for event in client.api.pull(repository, tag=tag, stream=True, decode=True):
                if "error" in event:
                    raise ImagePullError(f"Cannot pull image '{name}': {event['error']}")
                layer, status = event.get("id", ""), event.get("status", "")
                if status and last_status.get(layer) != status:
                    last_status[layer] = status
                    log(f"  {layer + ': ' if layer else ''}{status}")
        except docker.errors.APIError as e:
            raise ImagePullError(f"Cannot pull image '{name}': {api_error_text(e)}") from e


def split_image_name(name: str) -> tuple[str, str | None]:
    """'repo/name:tag' -> ('repo/name', 'tag'); digests stay in the repository part."""
    if "@" in name:
        return name, None
    head, _, last = name.rpartition("/")
    if ":" in last:
        last, tag = last.split(":", 1)
        return (f"{head}/{last}" if head else last), tag
    return name, "latest"
