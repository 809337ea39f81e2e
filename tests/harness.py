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


class SharedService:
    """A service the test sessions of this machine share: the first session to start it launches it, the others
    join it; the last to leave stops it, unless it was started by hand (`manual=True`, the `up` command). What a
    killed session left is cleaned up by the next launch. Subclasses say where their state lives and how to launch,
    check, clean up and close their client."""

    state_dir: Path
    state_file: Path

    def __init__(self, *, manual: bool = False) -> None:
        self.manual = manual
        self.started = False  # True when this object launched the service (False: it joined a running one)
        self._users: FileLock | None = None
        self._client = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self):
        """Launch the service, or join the one another session runs; wait until it answers."""
        self._require_tools()
        mutex, users = FileLock(self.state_dir, "start.lock"), FileLock(self.state_dir, "users.lock")
        try:
            mutex.take(fcntl.LOCK_EX)
            state = read_state(self.state_file)
            alone = users.take(fcntl.LOCK_EX, wait=False)
            if alone and not (state.get("manual") and self._healthy(state)):
                self._clean_stale()
                try:
                    self._launch()
                except BaseException:
                    self._clean_stale()  # nothing half-started stays
                    raise
                self.started = True
            elif not self._healthy(state):
                raise self._unanswering()
            else:
                self._joined(state)
            if self.manual:
                write_state(self.state_file, {**read_state(self.state_file), "manual": True})
            users.take(fcntl.LOCK_SH)
        except BaseException:
            users.close()
            raise
        finally:
            mutex.close()
        self._users = users
        return self

    def stop(self) -> None:
        """Leave the service: stop it when no other session uses it and it was not started by hand."""
        if self._users is None:
            return
        if self._client is not None:
            self._client.close()
            self._client = None
        mutex = FileLock(self.state_dir, "start.lock")
        try:
            mutex.take(fcntl.LOCK_EX)
            if self._users.take(fcntl.LOCK_EX, wait=False) and not read_state(self.state_file).get("manual"):
                self._clean_stale()
        finally:
            self._users.close()
            self._users = None
            mutex.close()

    # --- what each service says for itself ---

    def _require_tools(self) -> None:
        raise NotImplementedError

    def _healthy(self, state: dict) -> bool:
        raise NotImplementedError

    def _launch(self) -> None:
        raise NotImplementedError

    def _clean_stale(self) -> None:
        raise NotImplementedError

    def _unanswering(self) -> Exception:
        """The error for a service another session runs that does not answer."""
        raise NotImplementedError

    def _joined(self, state: dict) -> None:
        """Joining a running service that answers (nothing to do, by default)."""
