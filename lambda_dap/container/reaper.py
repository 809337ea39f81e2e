"""Removing what a lambda-dap that is gone left behind (killed with SIGKILL, or an editor killed with its adapter).

Every container (and a sidecar's run directory volume) carries `lambda-dap.owner=HOST:PID`, every temporary
directory is named lambda-dap-KIND-PID-...; a later lambda-dap on the same host removes the ones whose owner process
no longer exists. A reused PID only makes it keep something, never remove what a live process uses.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import tempfile
from pathlib import Path

from lambda_dap.container.engine import engine
from lambda_dap.errors import ContainerError, EngineError

log = logging.getLogger(__name__)

OWNER_LABEL = "lambda-dap.owner"
RUN_VOLUME_LABEL = "lambda-dap.run"  # a volume that lives as long as one container (invoke/sidecar.py)
_TEMP_DIR = re.compile(r"^lambda-dap-(run|code)-(?P<pid>\d+)-")


def owner() -> str:
    """This process, as the owner label names it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_exists(pid: int) -> bool:
    """Whether a process with this id runs on this machine (under any user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def orphans(containers: list[dict], host: str) -> list[str]:
    """The ids of the containers owned by a process of `host` that no longer runs."""
    return [container["Id"] for container in containers if _owner_gone(container.get("Labels") or {}, host)]


def _owner_gone(labels: dict[str, str], host: str) -> bool:
    owner_host, _, pid = labels.get(OWNER_LABEL, "").rpartition(":")
    return owner_host == host and pid.isdigit() and not process_exists(int(pid))


def reap_temp_dirs(root: Path | None = None) -> list[Path]:
    """Delete lambda-dap's temporary directories whose process is gone; the ones deleted."""
    removed = []
    for entry in Path(root or tempfile.gettempdir()).glob("lambda-dap-*"):
        match = _TEMP_DIR.match(entry.name)
        if match and entry.is_dir() and not process_exists(int(match["pid"])):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def reap() -> None:
    """Everything a gone lambda-dap left: temporary directories, containers, then the volumes they used."""
    reap_temp_dirs()
    reap_orphans()
    reap_run_volumes()


def reap_orphans() -> list[str]:
    """Remove this host's containers whose lambda-dap process is gone; their ids."""
    try:
        containers = engine().list_containers(OWNER_LABEL)
    except ContainerError as e:
        log.debug("could not list containers to reap: %s", e.message)
        return []
    removed = []
    for container_id in orphans(containers, socket.gethostname()):
        try:
            engine().remove(container_id)
            removed.append(container_id)
            log.debug("removed container %s: its lambda-dap is gone", container_id[:12])
        except EngineError as e:
            if e.status not in (404, 409):
                log.debug("could not remove orphan %s: %s", container_id[:12], e.message)
    return removed


def reap_run_volumes() -> list[str]:
    """Remove this host's run directory volumes whose lambda-dap process is gone (one still in use stays); their
    names."""
    try:
        volumes = engine().volumes(RUN_VOLUME_LABEL)
    except ContainerError as e:
        log.debug("could not list volumes to reap: %s", e.message)
        return []
    removed = []
    for volume in volumes:
        if not _owner_gone(volume.get("Labels") or {}, socket.gethostname()):
            continue
        try:
            engine().remove_volume(volume["Name"])
            removed.append(volume["Name"])
        except EngineError as e:
            log.debug("could not remove orphan volume %s: %s", volume["Name"], e.message)
    return removed
