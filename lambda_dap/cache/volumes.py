"""The engine's content volumes (remote mode's copies of code, layers, dependencies and lambda-dap's own files,
container/volumes.py): listing them and removing those no container uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from lambda_dap.container.volumes import CACHE_LABEL
from lambda_dap.errors import DockerNotAvailable, EngineError

if TYPE_CHECKING:
    from lambda_dap.container.engine import Engine

SIZES_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ContentVolume:
    name: str
    created: datetime | None
    size: int | None  # bytes, when the engine tells


def content_volumes(engine: Engine) -> list[ContentVolume]:
    """Every content volume on the engine, oldest first."""
    sizes = _sizes(engine)
    volumes = [
        ContentVolume(volume["Name"], _parse_time(volume.get("CreatedAt")), sizes.get(volume["Name"]))
        for volume in engine.volumes(f"{CACHE_LABEL}=1")
    ]
    return sorted(volumes, key=lambda volume: (volume.created is None, volume.created or datetime.min, volume.name))


def remove_volume(engine: Engine, name: str) -> bool:
    """Remove the volume unless a container (running or not) uses it: the engine itself refuses then (409),
    which makes the check and the removal one step. False when kept or gone already."""
    try:
        engine.remove_volume(name)
    except EngineError as error:
        if error.status in (404, 409):
            return False
        raise
    return True


def _sizes(engine: Engine) -> dict[str, int]:
    """The volumes' sizes from the engine's disk usage (volumes only, where the API allows); none when it fails."""
    try:
        answer = engine.call("GET", "/system/df", query={"type": "volume"}, timeout=SIZES_TIMEOUT_S) or {}
    except (EngineError, DockerNotAvailable, OSError):
        return {}
    sizes = {}
    for volume in answer.get("Volumes") or []:
        size = (volume.get("UsageData") or {}).get("Size")
        if isinstance(size, int) and size >= 0:
            sizes[volume.get("Name")] = size
    return sizes


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
