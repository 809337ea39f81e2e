"""The real peak memory of a container, read from its cgroup (Lambda's `Max Memory Used`)."""

from __future__ import annotations

from pathlib import Path

_CGROUP_ROOT = Path("/sys/fs/cgroup")

# Docker's on cgroup v1 (cgroupfs and systemd drivers), then on cgroup v2 (systemd and cgroupfs drivers); then
# rootful Podman's, in the same order.
_PEAK_FILES = (
    "memory/docker/{id}/memory.max_usage_in_bytes",
    "memory/system.slice/docker-{id}.scope/memory.max_usage_in_bytes",
    "system.slice/docker-{id}.scope/memory.peak",
    "docker/{id}/memory.peak",
    "memory/libpod_parent/libpod-{id}/memory.max_usage_in_bytes",
    "memory/machine.slice/libpod-{id}.scope/memory.max_usage_in_bytes",
    "machine.slice/libpod-{id}.scope/memory.peak",
    "libpod_parent/libpod-{id}/memory.peak",
)


def peak_memory_from_cgroup(container_id: str, root: Path = _CGROUP_ROOT) -> int | None:
    """Peak bytes used by the container so far, when the engine runs on this host; else None."""
    for pattern in _PEAK_FILES:
        try:
            return int((root / pattern.format(id=container_id)).read_text().strip())
        except (OSError, ValueError):
            continue
    return None


def peak_memory_from_stats(stats: object) -> int | None:
    """Peak (cgroup v1) or current (cgroup v2) usage from the engine's one-shot stats answer (Podman's answer for
    a container that is no longer running is empty)."""
    if not isinstance(stats, dict):
        return None
    memory = stats.get("memory_stats") or {}
    value = memory.get("max_usage") or memory.get("usage")
    return int(value) if value else None
