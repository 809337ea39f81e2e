"""One function container: create, start, stream its output, measure it, and remove it on every path."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from lambda_dap.container.engine import HOST_GATEWAY, LABEL, engine, host_gateway
from lambda_dap.container.memory import peak_memory_from_cgroup, peak_memory_from_stats
from lambda_dap.container.spec import ContainerSpec, VolumeMount
from lambda_dap.errors import ContainerError, EngineError, NetworkNotFound, PortInUse
from lambda_dap.threads import join_if_alive

log = logging.getLogger(__name__)

OutputSink = Callable[[str, bytes], None]  # ("stdout" | "stderr", data)
DISCARD_WAIT_S = 3.0
LOG_STREAM_GRACE_S = 2.0  # how long the engine's log stream may outlive its container before it is ended
EXIT_STATUS_WAIT_S = 5.0  # how long the end of the output waits for the exit status (a lost one is looked up)
MEMORY_SAMPLE_S = 0.05
INSTANCE_LABEL = "lambda-dap.instance"
NO_COPY = {"VolumeOptions": {"NoCopy": True}}  # an empty volume stays empty: the image's files are not copied in


class Container:
    """A started container; `remove()` is safe to call any number of times, from any thread."""

    def __init__(self, spec: ContainerSpec, before_start: Callable[[str], None] | None = None) -> None:
        """`before_start(id)` runs once the container is created, before it starts (its removal follows a raise)."""
        self.spec = spec
        self._before_start = before_start
        self.id: str | None = None
        self._engine = engine()
        self._removed = threading.Event()
        self._remove_lock = threading.Lock()
        self._output_thread: threading.Thread | None = None
        self.exited = threading.Event()  # it stopped and its output has been read to the end
        self._ip_address: str | None = None
        self.exit_status: int | None = None
        self.oom_killed = False
        self._waiter: threading.Thread | None = None
        self.instance = os.urandom(8).hex()  # labelled on it: found even if the engine's answer to `create` never came
        self._peak_bytes: int | None = None
        self._created_at = 0.0  # when it was created (the events that tell its exit status come after)
        self._output_done = threading.Event()  # the output stream ended (before `exited`, which waits for the status)
        self._log_stream = None  # the engine's log stream (HttpResponse) while it is read
        self.peak_probe: Callable[[], int | None] | None = None  # asks inside, where this host has no cgroup of it

    # --- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> Container:
        self._created_at = time.time()
        try:
            self.id = self._engine.create_container(self._create_config(), platform=self.spec.platform)
        except EngineError as e:
            raise ContainerError(f"Cannot create a container from {self.spec.image}: {e.message}") from e
        except BaseException:  # interrupted while the engine was creating it: remove what it created
            self._remove_by_instance()
            raise
        try:
            for network in self.spec.networks:
                self._connect(network)
            if self._before_start is not None:
                self._before_start(self.id)
            try:
                self._engine.start(self.id)
            except EngineError as e:
                self._raise_start_error(e)
        except BaseException:
            self.remove()
            raise
        self._waiter = threading.Thread(target=self._await_exit, name="container-wait", daemon=True)
        self._waiter.start()
        threading.Thread(target=self._watch_memory, name="container-memory", daemon=True).start()
        return self

    def _remove_by_instance(self) -> None:
        try:
            found = self._engine.list_containers(f"{INSTANCE_LABEL}={self.instance}")
        except ContainerError as e:
            log.warning("could not look for a half-created container: %s", e.message)
            return
        for container in found:
            self.id = container["Id"]
            self.remove()

    def _watch_memory(self) -> None:
        """Sample the peak while it runs: the cgroup goes with the container, and a crash or an OOM kill is exactly
        when the figure matters."""
        while not self.exited.is_set() and not self._removed.is_set():
            value = peak_memory_from_cgroup(self.id) if self.id else None
            if value is not None:
                self._peak_bytes = max(value, self._peak_bytes or 0)
            self.exited.wait(MEMORY_SAMPLE_S)

    def _await_exit(self) -> None:
        """Learn the exit status (and whether the kernel's OOM killer struck) the moment it stops."""
        try:
            answer = self._engine.wait(self.id)
            status = answer.get("StatusCode")
            if (answer.get("Error") or {}).get("Message") or not isinstance(status, int) or status < 0:
                status = self._engine.exit_code_from_events(self.id, self._created_at)  # the engine lost it
            self.exit_status = status
            self.oom_killed = bool(self._engine.inspect_container(self.id).get("State", {}).get("OOMKilled"))
        except ContainerError as e:  # already removed: keep what we learnt
            log.debug("container %s gone before it could be inspected: %s", self.id[:12], e.message)
        stream = self._log_stream
        if stream is not None and not self._output_done.wait(LOG_STREAM_GRACE_S) and not self._removed.is_set():
            log.debug("the engine's log stream outlived container %s: ended", self.id[:12])
            stream.abort()  # Podman 4 may leave a follow open once an auto-removed container is gone

    def _create_config(self) -> dict[str, Any]:
        spec = self.spec
        memory = spec.memory_mb * 1024 * 1024 if spec.memory_mb else None
        binds = [f"{m.source}:{m.target}:{'ro' if m.read_only else 'rw'}" for m in spec.mounts]
        strict = [  # the engine refuses a source it cannot see (Binds would mount an empty directory it creates)
            {"Type": "bind", "Source": m.source, "Target": m.target, "ReadOnly": m.read_only} for m in spec.mounts
        ]
        host_config: dict[str, Any] = {
            "Binds": binds if not spec.binds_must_exist else [],
            "Mounts": (strict if spec.binds_must_exist else []) + [_volume_mount(v) for v in spec.volumes],
            "VolumesFrom": spec.volumes_from,
            "Tmpfs": spec.tmpfs,
            "LogConfig": {"Type": spec.log_driver} if spec.log_driver else None,
            "PortBindings": {
                f"{p.container_port}/tcp": [{"HostIp": p.host_ip, "HostPort": str(p.host_port)}] for p in spec.ports
            },
            "Memory": memory,
            "MemorySwap": memory,
            "NetworkMode": spec.network_mode or "default",
            "PidMode": spec.pid_mode,
            "ExtraHosts": [
                f"{host}:{host_gateway() if address == HOST_GATEWAY else address}"
                for host, address in spec.extra_hosts.items()
            ],
            "Dns": spec.dns,
            "SecurityOpt": spec.security_opt,
            "CapAdd": spec.cap_add,
            "Init": spec.init,
            "AutoRemove": True,  # the engine deletes it once it stops, even if lambda-dap is gone by then
        }
        return {
            "Image": spec.image,
            "Entrypoint": spec.entrypoint,
            "Cmd": spec.command,
            "Env": [f"{name}={value}" for name, value in spec.environment.items()],
            "WorkingDir": spec.working_dir or "",
            "Labels": {LABEL: "1", INSTANCE_LABEL: self.instance, **spec.labels},
            "ExposedPorts": {f"{p.container_port}/tcp": {} for p in spec.ports},
            "AttachStdin": spec.attach_stdio,
            "AttachStdout": spec.attach_stdio,
            "AttachStderr": spec.attach_stdio,
            "Tty": False,
            "OpenStdin": spec.attach_stdio,
            **({"StdinOnce": True} if spec.attach_stdio else {}),  # the client gone: stdin ends, so does the agent
            "HostConfig": {k: v for k, v in host_config.items() if v not in (None, [], {})},
        }

    def _connect(self, network: str) -> None:
        try:
            self._engine.connect_network(self.id, network)
        except EngineError as e:
            if e.status == 404:
                raise NetworkNotFound(
                    f"Docker network '{network}' (--docker-network) does not exist: network {network} not found"
                ) from e
            raise ContainerError(f"Cannot connect the container to network '{network}': {e.message}") from e

    def _raise_start_error(self, error: EngineError) -> None:
        text = error.message
        if "port is already allocated" in text or "address already in use" in text:
            ports = ", ".join(str(p.host_port) for p in self.spec.ports)
            raise PortInUse(f"Debug port {ports} is already in use on this machine: {text}") from error
        raise ContainerError(f"Cannot start the container from {self.spec.image}: {text}") from error

    def remove(self) -> None:
        """Kill and delete the container (idempotent)."""
        with self._remove_lock:
            if self._removed.is_set() or self.id is None:
                return
            try:
                self._engine.remove(self.id)
            except EngineError as e:
                if e.status not in (404, 409):  # gone already, or its removal is under way
                    log.warning("could not remove container %s: %s", self.id[:12], e.message)
            except ContainerError as e:  # the engine went away: nothing more we can do, say so
                log.warning("could not remove container %s: %s", self.id[:12], e.message)
            finally:
                self._removed.set()
        if self._output_thread is not None and self._output_thread is not threading.current_thread():
            join_if_alive(self._output_thread, 5)

    def discard(self, done_reading: Callable[[], bool] = lambda: False) -> None:
        """The quick end: SIGKILL, and the engine deletes it (AutoRemove). Returns once its output is all read, or
        earlier once `done_reading()` says the rest does not matter; if neither comes, removes it the slow way."""
        with self._remove_lock:
            if self._removed.is_set() or self.id is None:
                return
            self._removed.set()
            try:
                self._engine.kill_nowait(self.id)
            except ContainerError as e:
                log.debug("could not send the kill to container %s: %s", self.id[:12], e.message)
        if self._output_thread is None or self._output_thread is threading.current_thread():
            return
        deadline = time.monotonic() + DISCARD_WAIT_S
        while self._output_thread.is_alive() and not done_reading() and time.monotonic() < deadline:
            join_if_alive(self._output_thread, 0.005)
        if self._output_thread.is_alive() and not done_reading():
            self._removed.clear()
            self.remove()

    def stop(self, grace_s: float) -> None:
        """SIGTERM the container's processes, give them `grace_s` to exit, then discard the container."""
        if self.id is not None and not self._removed.is_set() and not self.exited.is_set():
            try:
                self._engine.kill(self.id, "TERM")
                self.exited.wait(grace_s)
            except ContainerError as e:
                log.debug("could not stop container %s: %s", self.id[:12], e.message)
        self.discard()

    # --- output and state ----------------------------------------------------------------------------------------

    def stream_output(
        self, sink: OutputSink, on_exit: Callable[[], None], frames: Iterator[tuple[int, bytes]] | None = None
    ) -> None:
        """Feed everything the container writes (stdout and stderr) to `sink` from a background thread; `frames`,
        (stream, data) until the container ends, replaces the engine's log stream."""
        if frames is None:
            frames = self._engine.logs(self.id, opened=lambda response: setattr(self, "_log_stream", response))

        def pump() -> None:
            try:
                for stream, chunk in frames:
                    sink("stderr" if stream == 2 else "stdout", chunk)
            except Exception as e:  # the stream breaks when the container is removed under it
                log.debug("container output stream ended: %s", e)
            finally:
                self._output_done.set()
                if self._waiter is not None and not self._removed.is_set():  # an unexpected end: why?
                    join_if_alive(self._waiter, EXIT_STATUS_WAIT_S)
                self.exited.set()
                on_exit()

        self._output_thread = threading.Thread(target=pump, name="container-output", daemon=True)
        self._output_thread.start()

    def ip_address(self) -> str | None:
        """The container's address on its first network (None with the host's network or once it is gone)."""
        if self._ip_address is None and self.id is not None:
            try:
                settings = self._engine.inspect_container(self.id).get("NetworkSettings") or {}
            except ContainerError:
                return None
            networks = (settings.get("Networks") or {}).values()
            addresses = [settings.get("IPAddress"), *(network.get("IPAddress") for network in networks)]
            self._ip_address = next((a for a in addresses if a), None)
        return self._ip_address

    def peak_memory_bytes(self) -> int | None:
        """The peak so far: read now while it runs, else the last sample (or the limit, after an OOM kill)."""
        value = peak_memory_from_cgroup(self.id) if self.id else None
        if value is None and self.peak_probe is not None and not self.exited.is_set():
            value = self.peak_probe()
        if value is not None:
            self._peak_bytes = max(value, self._peak_bytes or 0)
            return self._peak_bytes
        if self.oom_killed and self.spec.memory_mb:
            return self.spec.memory_mb * 1024 * 1024  # the kernel killed it at its limit
        if self._peak_bytes is not None:
            return self._peak_bytes
        try:
            return peak_memory_from_stats(self._engine.stats(self.id))
        except ContainerError as e:
            log.debug("no memory statistics: %s", e)
            return None


def _volume_mount(volume: VolumeMount) -> dict[str, Any]:
    """A named volume, or an anonymous one (no name: the engine creates it, and removes it with the container)."""
    mount: dict[str, Any] = {"Type": "volume", "Target": volume.target, "ReadOnly": volume.read_only, **NO_COPY}
    if volume.name:
        mount["Source"] = volume.name
    else:
        options = {
            "Labels": dict(volume.labels),
            "DriverConfig": {"Name": "local", "Options": dict(volume.driver_options)},
        }
        mount["VolumeOptions"] = {**mount["VolumeOptions"], **options}
    return mount
