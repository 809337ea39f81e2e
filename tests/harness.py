"""What the tests' own services (the simulated remote engines of tests/remote, the Podman service of tests/podman)
share: their state file and their cross-process locks."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path


def read_state(path: Path) -> dict:
    """The service's state (pids, namespace...), {} when there is none or it is unreadable."""
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def write_state(path: Path, state: dict) -> None:
    path.write_text(json.dumps(state))


class FileLock:
    """An flock on a file in `directory`; released by the kernel when its holder dies, however it dies."""

    def __init__(self, directory: Path, name: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(directory / name, os.O_RDWR | os.O_CREAT, 0o600)

    def take(self, mode: int, *, wait: bool = True) -> bool:
        try:
            fcntl.flock(self._fd, mode | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True

    def close(self) -> None:
        os.close(self._fd)  # releases the lock
