"""Making sure the image a function runs on is present: inspect, or pull with progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lambda_dap.container.engine import engine
from lambda_dap.errors import EngineError, ImageNotFound, ImagePullError

PullProgress = Callable[["PullStatus"], None]


@dataclass(frozen=True)
class PullStatus:
    """One step of a pull: the pull as a whole (`layer` empty) or one layer's status and bytes."""

    layer: str
    status: str
    current_bytes: int | None = None
    total_bytes: int | None = None
    done: bool = False


def ensure_image(name: str, *, skip_pull: bool, progress: PullProgress) -> dict[str, Any]:
    """Return the local image `name`, pulling it when absent (never with `skip_pull`)."""
    details = engine().inspect_image(name)
    if details is not None:
        return details
    if skip_pull:
        raise ImageNotFound(
            f"Image '{name}' is not present locally and --skip-pull-image was given: "
            "pull or build it first, or choose another with --invoke-image"
        )
    pull_image(name, progress=progress)
    details = engine().inspect_image(name)
    if details is None:
        raise ImagePullError(f"Image '{name}' is still missing after pulling it")
    return details


def pull_image(name: str, *, progress: PullProgress) -> None:
    """`docker pull`, reporting each layer's status changes and byte counts."""
    repository, tag = split_image_name(name)
    progress(PullStatus("", "Pulling"))
    try:
        for event in engine().pull(repository, tag):
            if "error" in event:
                raise ImagePullError(f"Cannot pull image '{name}': {event['error']}")
            layer, status = event.get("id", ""), event.get("status", "")
            detail = event.get("progressDetail") or {}
            if status:
                progress(PullStatus(layer, status, detail.get("current"), detail.get("total")))
    except EngineError as e:
        raise ImagePullError(f"Cannot pull image '{name}': {e.message}") from e
    progress(PullStatus("", "Pulled", done=True))


def split_image_name(name: str) -> tuple[str, str | None]:
    """'repo/name:tag' -> ('repo/name', 'tag'); digests stay in the repository part."""
    if "@" in name:
        return name, None
    head, _, last = name.rpartition("/")
    if ":" in last:
        last, tag = last.split(":", 1)
        return (f"{head}/{last}" if head else last), tag
    return name, "latest"
