"""Podman's Docker-compatible API on this machine, for the tests: a rootful `podman system service` on a socket of
its own (/run/lambda-dap-podman/podman.sock), never /var/run/docker.sock nor Podman's usual /run/podman/podman.sock.

It keeps its own image store and state: images in /var/lib/lambda-dap-podman (kept between runs, so images loaded
once are there next time), run state, the socket and its log under /run/lambda-dap-podman, and its own
containers.conf, which sets what this kind of machine needs:

- `default_ulimits`: rootful Podman gives every container RLIMIT_NOFILE and RLIMIT_NPROC of 1048576, and runc must
  then raise them: without CAP_SYS_RESOURCE (a sandbox's root) that fails with "error setting rlimit type 7:
  operation not permitted". The file names limits this process may set: its own hard RLIMIT_NOFILE, and
  RLIMIT_NPROC no higher than the 32768 Podman lowers its own to at start.
- cgroupfs as the cgroup manager and a file for the events: no systemd here.
- netavark (with aardvark-dns: containers find each other by name on a network of their own), Podman's own choice
  when both it and the older CNI plugins are installed.

The service starts in a directory of its own: conmon 2.1.6 (Debian 12) writes its "oom" marker into its working
directory instead of the container's, which also means that Podman 4.3 there never reports OOMKilled.

Test sessions that run at the same time share it (each holds a shared lock while it runs); the last one to finish
stops it, unless it was started by hand. What a killed run left (the service, its containers) is cleaned up by the
next start.

By hand, as root, from the repository root:

    python3 -m tests.podman.service up        # start it, load the test images; prints the DOCKER_HOST to use
    DOCKER_HOST=unix:///run/lambda-dap-podman/podman.sock lambda-dap invoke ...
    python3 -m tests.podman.service status
    python3 -m tests.podman.service down      # stop it (its images stay in /var/lib/lambda-dap-podman)
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from lambda_dap.container.reaper import process_exists
from tests.harness import FileLock, SharedService, read_state, write_state

STATE_DIR = Path("/run/lambda-dap-podman")
SOCKET = STATE_DIR / "podman.sock"
DOCKER_HOST = f"unix://{SOCKET}"
STATE_FILE = STATE_DIR / "state.json"
LOG_FILE = STATE_DIR / "service.log"
CONF_FILE = STATE_DIR / "containers.conf"
RUN_ROOT = STATE_DIR / "storage"  # podman --runroot
TMP_DIR = STATE_DIR / "libpod"  # podman --tmpdir: exit codes, events, locks
WORK_DIR = STATE_DIR / "cwd"  # the service's working directory (conmon's "oom" markers land here)
DATA_ROOT = Path("/var/lib/lambda-dap-podman")  # podman --root: images and containers
NETWORK_DIR = DATA_ROOT / "networks"  # networks created on it (not /etc/cni/net.d)
API_VERSION = "1.41"  # the Docker API version Podman 4 speaks
PODMAN_NPROC = 32768  # Podman lowers its own RLIMIT_NPROC to this at start (seen with strace)
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
IMAGE_LABEL = "lambda-dap.recipe"  # tests/images/build.py's label: the recipe an image was built from


class PodmanError(RuntimeError):
    """The Podman service could not be started, reached or stopped."""


class PodmanUnsupported(PodmanError):
    """This machine cannot run it: no root, or Podman not installed."""


def _api_answers(timeout: float = 1.0) -> bool:
    """Whether the service answers GET /_ping on its socket."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(SOCKET))
        sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: podman\r\nConnection: close\r\n\r\n")
        return sock.recv(64).split(b" ", 2)[1:2] == [b"200"]
    except (OSError, IndexError):
        return False
    finally:
        sock.close()


def _read_state() -> dict:
    return read_state(STATE_FILE)


def _write_state(state: dict) -> None:
    write_state(STATE_FILE, state)


def _lock(name: str) -> FileLock:
    """An flock on a file under STATE_DIR."""
    return FileLock(STATE_DIR, name)


def containers_conf() -> str:
    """The service's containers.conf (see the module's docstring)."""
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    nofile = 1048576 if nofile == resource.RLIM_INFINITY else nofile
    nproc = PODMAN_NPROC if nproc == resource.RLIM_INFINITY else min(nproc, PODMAN_NPROC)
    return (
        "# Written by tests/podman/service.py for lambda-dap's tests.\n"
        "[containers]\n"
        f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]\n'
        "[engine]\n"
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n'
        "[network]\n"
        'network_backend = "netavark"\n'
    )


class PodmanService(SharedService):
    """The service, started on enter (or reused when another session runs it) and stopped on exit when no other
    session uses it. `manual=True` (the `up` command) marks it as started by hand: sessions then leave it running."""

    state_dir = STATE_DIR
    state_file = STATE_FILE

    def __init__(self, *, manual: bool = False, start_timeout: float = START_TIMEOUT) -> None:
        super().__init__(manual=manual)
        self.start_timeout = start_timeout

    def _require_tools(self) -> None:
        _require_tools()

    def _healthy(self, state: dict) -> bool:
        return _healthy(state)

    def _clean_stale(self) -> None:
        clean_stale()

    def _unanswering(self) -> Exception:
        return PodmanError(
            f"the Podman service another session uses does not answer (log: {LOG_FILE}); "
            "stop it with: python3 -m tests.podman.service down"
        )

    def _launch(self) -> None:
        for directory in (RUN_ROOT, TMP_DIR, WORK_DIR, DATA_ROOT, NETWORK_DIR):
            directory.mkdir(parents=True, exist_ok=True)
        CONF_FILE.write_text(containers_conf())
        SOCKET.unlink(missing_ok=True)
        command = [
            shutil.which("podman") or "podman",
            f"--root={DATA_ROOT}",
            f"--runroot={RUN_ROOT}",
            f"--tmpdir={TMP_DIR}",
            f"--network-config-dir={NETWORK_DIR}",
            "system",
            "service",
            "--time=0",  # no idle exit: it runs until stopped
            DOCKER_HOST,
        ]
        environment = {**os.environ, "CONTAINERS_CONF": str(CONF_FILE)}
        environment.pop("CONTAINERS_STORAGE_CONF", None)
        with contextlib.suppress(FileNotFoundError):
            LOG_FILE.replace(LOG_FILE.with_suffix(".log.1"))  # the previous run's, for a post-mortem
        with open(LOG_FILE, "wb") as log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=WORK_DIR,
                env=environment,
                start_new_session=True,
            )
        _write_state({"pid": process.pid})
        deadline = time.monotonic() + self.start_timeout
        while not _api_answers(timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                reason = f"exited with {process.returncode}" if process.poll() is not None else "did not answer"
                raise PodmanError(f"podman system service {reason}; its log: {LOG_FILE}\n{_log_tail()}")
            time.sleep(0.05)
        _remove_containers()  # what a killed run left: its containers outlive a service that died with it

    # -- use --------------------------------------------------------------------------------------------------

    @property
    def client(self):
        """A docker SDK client for the service."""
        if self._client is None:
            import docker

            self._client = docker.DockerClient(base_url=DOCKER_HOST, version=API_VERSION, timeout=120)
        return self._client

    def environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """`base` (default: os.environ) with DOCKER_HOST naming the service and no other Docker setting left."""
        environment = dict(os.environ if base is None else base)
        for name in ("DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH", "LAMBDA_DAP_ENGINE_MODE"):
            environment.pop(name, None)
        environment["DOCKER_HOST"] = DOCKER_HOST
        return environment

    def load_images(self, local_client, tags: Iterable[str]) -> list[str]:
        """Copy the images `tags` from `local_client`'s engine to Podman's store, those it lacks or holds from
        another recipe (label lambda-dap.recipe; else the image id), in one `docker save` stream; return the tags
        copied. Podman stores them as localhost/NAME:TAG, which the short NAME:TAG finds."""
        wanted = {tag: _identity(local_client, tag) for tag in tags}
        lock = _lock("images.lock")  # sessions starting together load once
        try:
            lock.take(fcntl.LOCK_EX)
            missing = [tag for tag, identity in wanted.items() if _identity(self.client, tag) != identity]
            if not missing:
                return []
            api = local_client.api
            with api.get(f"{api.base_url}/images/get", params={"names": missing}, stream=True) as exported:
                exported.raise_for_status()
                for _ in self.client.api.load_image(exported.iter_content(chunk_size=1 << 20)):
                    pass
            with contextlib.suppress(Exception):  # the images those tags named before: nothing uses them now
                self.client.api.prune_images(filters={"dangling": True})
        finally:
            lock.close()
        still = [tag for tag in missing if _identity(self.client, tag) != wanted[tag]]
        if still:
            raise PodmanError(f"images not loaded into Podman: {', '.join(still)}")
        return missing


def _identity(client, tag: str) -> str | None:
    """What makes two copies of an image the same: its recipe label, else its id (None: no such image)."""
    import docker.errors

    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None
    return (image.labels or {}).get(IMAGE_LABEL) or image.id


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie, killed and not yet reaped by whoever adopted it, does not)."""
    try:
        return process_exists(pid) and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _healthy(state: dict) -> bool:
    pid = state.get("pid")
    return bool(pid) and _alive(pid) and _api_answers()


def _require_tools() -> None:
    if os.geteuid() != 0:
        raise PodmanUnsupported("the Podman service runs as root (rootful Podman)")
    if not shutil.which("podman"):
        raise PodmanUnsupported("podman is not installed (scripts/setup installs it)")


def _remove_containers() -> None:
    """Every container in the service's store: what a killed session left (the service is ours alone)."""
    import docker

    client = docker.DockerClient(base_url=DOCKER_HOST, version=API_VERSION, timeout=30)
    try:
        for container in client.api.containers(all=True):
            with contextlib.suppress(Exception):
                client.api.remove_container(container["Id"], force=True)
    finally:
        client.close()


def clean_stale() -> None:
    """Remove every container the service holds and stop the service (or what is left of one).

    Only call it holding the users lock exclusively: the service then belongs to no live session."""
    state = _read_state()
    pid = state.get("pid")
    if pid and _alive(pid) and _api_answers():
        with contextlib.suppress(Exception):
            _remove_containers()  # containers outlive the service (conmon runs them): remove them first
    if pid and _alive(pid):
        with contextlib.suppress(OSError):
            os.killpg(pid, signal.SIGTERM)  # the service and what it started in its session
        deadline = time.monotonic() + STOP_TIMEOUT
        while _alive(pid) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # our own child when this process started it
            time.sleep(0.05)
        if _alive(pid):
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped, when it is our child
    if not pid or not _alive(pid):
        SOCKET.unlink(missing_ok=True)
        STATE_FILE.unlink(missing_ok=True)


def _log_tail(lines: int = 30) -> str:
    try:
        return "\n".join(LOG_FILE.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _status() -> str:
    state = _read_state()
    if not state:
        return "podman service: not running"
    health = "answering" if _api_answers() else "NOT answering"
    return (
        f"podman service: {health} at {DOCKER_HOST} (pid {state.get('pid')}, started "
        f"{'by hand' if state.get('manual') else 'by a test session'}; log: {LOG_FILE})"
    )


def images_for_tests(local_client) -> list[str]:
    """The tags of the test images the Podman tests use, built on the local engine when missing there."""
    from tests.conftest import _load_image_builder
    from tests.podman.conftest import PODMAN_IMAGES

    tags = _load_image_builder().ensure_images(list(PODMAN_IMAGES), client=local_client)
    return [tags[name] for name in PODMAN_IMAGES]  # not their base images: the layers come along


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tests.podman.service", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the service (until `down`) and load the test images")
    up.add_argument("--no-images", action="store_true", help="do not load the test images")
    commands.add_parser("down", help="remove its containers and stop it")
    commands.add_parser("status", help="whether it runs")
    options = parser.parse_args(argv)
    try:
        if options.command == "up":
            started = time.monotonic()
            service = PodmanService(manual=True).start()
            if not options.no_images:
                import docker

                local = docker.from_env()
                try:
                    loaded = service.load_images(local, images_for_tests(local))
                finally:
                    local.close()
                print(f"images loaded: {', '.join(loaded) or 'none (all present)'}", file=sys.stderr)
            print(f"ready in {time.monotonic() - started:.1f} s", file=sys.stderr)
            print(f"DOCKER_HOST={DOCKER_HOST}")
            return 0
        if options.command == "down":
            mutex, users = _lock("start.lock"), _lock("users.lock")
            try:
                mutex.take(fcntl.LOCK_EX)
                if not users.take(fcntl.LOCK_EX, wait=False):
                    print("a test session uses the Podman service; try again when it is done", file=sys.stderr)
                    return 1
                clean_stale()
            finally:
                users.close()
                mutex.close()
            print("podman service stopped", file=sys.stderr)
            return 0
        print(_status())
        return 0
    except PodmanError as error:
        print(f"podman service: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
