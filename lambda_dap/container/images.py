"""Making sure the image a function runs on is present: inspect, or pull with progress on stderr."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambda_dap.container.engine import EngineError, engine
from lambda_dap.errors import ImageNotFound, ImagePullError


def ensure_image(name: str, *, skip_pull: bool, log: Callable[[str], None]) -> dict[str, Any]:
    """Return the local image `name`, pulling it when absent (never with `skip_pull`)."""
    details = engine().inspect_image(name)
    if details is not None:
        return details
    if skip_pull:
        raise ImageNotFound(
            f"Image '{name}' is not present locally and --skip-pull-image was given: "
            "pull or build it first, or choose another with --invoke-image"
        )
    pull_image(name, log=log)
    details = engine().inspect_image(name)
    if details is None:
        raise ImagePullError(f"Image '{name}' is still missing after pulling it")
    return details


def pull_image(name: str, *, log: Callable[[str], None]) -> None:
    """`docker pull`, reporting each layer's progress once per status change."""
    repository, tag = split_image_name(name)
    log(f"Pulling image {name} ...")
    last_status: dict[str, str] = {}
    try:
        for event in engine().pull(repository, tag):
            if "error" in event:
                raise ImagePullError(f"Cannot pull image '{name}': {event['error']}")
            layer, status = event.get("id", ""), event.get("status", "")
            if status and last_status.get(layer) != status:
                last_status[layer] = status
                log(f"  {layer + ': ' if layer else ''}{status}")
    except EngineError as e:
        raise ImagePullError(f"Cannot pull image '{name}': {e.message}") from e


def split_image_name(name: str) -> tuple[str, str | None]:
    """'repo/name:tag' -> ('repo/name', 'tag'); digests stay in the repository part."""
    if "@" in name:
        return name, None
    head, _, last = name.rpartition("/")
    if ":" in last:
        last, tag = last.split(":", 1)
        return (f"{head}/{last}" if head else last), tag
    return name, "latest"
