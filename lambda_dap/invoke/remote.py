"""Remote mode: a function container on an engine that shares neither files nor network with this machine.

Before the container starts, its directories are made sure of in volumes (container/volumes.py) and lambda-dap
attaches to its stdin and stdout, where its agent speaks (container/link.py). From then on the rest of lambda-dap
works as with a local engine: what the runtime writes lands in this machine's run directory FIFOs (runtime/pipes.py
reads them), the launcher's files for the extensions in its run directory (runtime/rundir.py reads them), and the
Runtime API server, on 127.0.0.1 here, gets the runtime's connections through the agent.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lambda_dap.container.engine import engine
from lambda_dap.container.link import RUNTIME_STDERR, RUNTIME_STDOUT, AgentLink
from lambda_dap.container.spec import ContainerSpec
from lambda_dap.container.volumes import ensure_volumes, fill_missing
from lambda_dap.errors import NoAgentInterpreter
from lambda_dap.runtime.rundir import RunDirectory, deadline_line

if TYPE_CHECKING:
    from lambda_dap.debug.relay import DebugRelay

log = logging.getLogger(__name__)


class RemoteRunDirectory(RunDirectory):
    """The run directory's host side, fed by the agent: GO and the deadline go to the container over the link."""

    link: AgentLink | None = None

    def release_runtime(self) -> None:
        if self._released or self.link is None:
            return
        self._released = True
        self.link.release_runtime()

    def write_deadline(self, request_id: str, *, paused: bool, value_ms: int) -> None:
        if self.link is not None and not self._closed:
            self.link.write_deadline(deadline_line(request_id, paused=paused, value_ms=value_ms))

    def mirror(self, name: str, append: bool, data: bytes) -> None:
        """A file the launcher wrote in the container's run directory (only its own names are accepted)."""
        if self._closed or "/" in name or not (name == "extensions" or name.startswith("ext-")):
            return
        with contextlib.suppress(OSError):
            if append:
                with open(self.path / name, "ab") as handle:
                    handle.write(data)
                return
            staging = self.path / f".{name}.new"  # readers never see half a file
            staging.write_bytes(data)
            os.replace(staging, self.path / name)


class RemoteContainer:
    """This machine's side of one container in remote mode: volumes, the interpreter check, the link to its agent."""

    def __init__(
        self,
        spec: ContainerSpec,
        run_dir: RemoteRunDirectory,
        *,
        accept_to: tuple[str, int],
        label: str,
        notice: Callable[[str], None] = lambda text: None,
    ) -> None:
        """`accept_to`: the Runtime API server here; `label`: the function's runtime or image, for messages;
        `notice`: lambda-dap's messages to its user (a big first copy)."""
        self.spec = spec
        self._notice = notice
        self.run_dir = run_dir
        self._accept_to = accept_to
        self._label = label
        self.link: AgentLink | None = None
        self.volumes_filled = 0
        self._fifos = {stream: _open_writer(run_dir.path / name) for stream, name in _FIFOS.items()}
        self._relays: list[DebugRelay] = []

    def prepare(self) -> None:
        """Before the container is created: the volumes it mounts exist."""
        ensure_volumes(engine(), self.spec.volumes)

    def before_start(self, container_id: str, candidates: Sequence[tuple[str, str]]) -> None:
        """The container is created: an interpreter for the agent is there, its volumes are filled, and lambda-dap
        attached to it. `candidates`: (interpreter, path) in the order the entrypoint tries them."""
        docker = engine()
        if agent_interpreter(container_id, candidates) is None:
            raise NoAgentInterpreter(  # the session runs the agent in a sidecar instead (invoke/sidecar.py)
                f"{self._label}: a remote engine needs python3 or node in the image for lambda-dap's agent "
                f"(image {self.spec.image} has neither in /var/lang/bin or its PATH)"
            )
        with signals_allowed():  # a first copy can take long: Ctrl-C ends it (what it began is removed)
            self.volumes_filled = fill_missing(
                docker, container_id, self.spec.image, self.spec.volumes, self.spec.labels, self._notice
            )
        self.attach(container_id)

    def attach(self, container_id: str) -> None:
        """Attach to the created container `container_id`, where the agent speaks: the link, for the run directory
        too."""
        sock, received = engine().attach(container_id)
        self.link = AgentLink(
            sock, received, accept_to=self._accept_to, on_output=self._write_output, on_file=self.run_dir.mirror
        )
        self.run_dir.link = self.link

    def respec(self, spec: ContainerSpec) -> None:
        """Try again with `spec` (shared-files mode: a mount the engine refused is a volume now): its volumes made
        sure of, and the link to the refused container closed."""
        if self.link is not None:
            self.link.close()
            self.link = self.run_dir.link = None
        self.spec = spec
        self.prepare()

    def output_frames(self) -> Iterator[tuple[int, bytes]] | None:
        """The container's own output for the session, (1 stdout | 2 stderr, data) until it ends: the link's."""
        return self.link.frames() if self.link is not None else None

    def peak_memory(self) -> int | None:
        """The container's peak memory in bytes, as its cgroup counts it (None: unknown)."""
        return self.link.peak_memory() if self.link is not None else None

    def open_relays(self, host_ip: str, ports: Sequence[int]) -> None:
        """Take these debug ports on this machine now (a busy one fails before the container exists); each relays
        its clients to the same port inside the container, through the agent (the first debug port has a relay of
        its own, or its caller's connection)."""
        from lambda_dap.debug.relay import DebugRelay

        for port in ports:
            self._relays.append(DebugRelay(host_ip, port, debugger="tcp", dial=self.dial))

    def start_relays(self, running: Callable[[], bool]) -> None:
        for relay in self._relays:
            relay.start(lambda port=relay.port: ("127.0.0.1", port) if running() else None)

    def dial(self, address: tuple[str, int], timeout: float | None = None) -> socket.socket:
        """A connection to `address` inside the container."""
        if self.link is None:
            raise ConnectionRefusedError(111, "the container is not attached yet")
        return self.link.dial(address, timeout)

    def _write_output(self, stream: int, data: bytes) -> None:
        fd = self._fifos.get(stream)
        if fd is None:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(fd, view) :]
        except OSError as e:  # the session is closing the read side
            log.debug("runtime output dropped: %s", e)

    def close(self) -> None:
        relays, self._relays = self._relays, []
        for relay in relays:
            relay.close()
        if self.link is not None:
            self.link.close()
        fifos, self._fifos = self._fifos, {}
        for fd in fifos.values():
            with contextlib.suppress(OSError):
                os.close(fd)


def agent_interpreter(container_id: str, candidates: Sequence[tuple[str, str]]) -> str | None:
    """Which interpreter the created container has for lambda-dap's agent ("python3", "node"), None for neither:
    the first of `candidates` (interpreter, path) that exists in it, as the entrypoint picks."""
    docker = engine()
    return next((interpreter for interpreter, path in candidates if docker.path_exists(container_id, path)), None)


_FIFOS = {RUNTIME_STDOUT: "stdout", RUNTIME_STDERR: "stderr"}
_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


@contextlib.contextmanager
def signals_allowed() -> Iterator[None]:
    """Let SIGINT, SIGTERM and SIGHUP in meanwhile, though the container's start holds them back (the main thread
    only): the fill removes its throwaway container on the way out, the start the function's, and an incomplete
    volume has no marker (the next run fills it again)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _open_writer(path: Path) -> int:
    """A blocking write end of a FIFO whose reader is already there (runtime/pipes.py opened it)."""
    fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return fd
