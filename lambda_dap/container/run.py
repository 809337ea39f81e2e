"""One function container: create, start, stream its output, measure it, and remove it on every path."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from lambda_dap.container.engine import LABEL, api_error_text, docker_client, translated_errors
from lambda_dap.container.memory import peak_memory_from_cgroup, peak_memory_from_stats
from lambda_dap.container.spec import ContainerSpec
from lambda_dap.errors import ContainerError, NetworkNotFound, PortInUse

log = logging.getLogger(__name__)

OutputSink = Callable[[bytes], None]


class Container:
    """A started container; `remove()` is safe to call any number of times, from any thread."""

    def __init__(self, spec: ContainerSpec) -> None:
        self.spec = spec
        self.id: str | None = None
        self._client = docker_client()
        self._removed = threading.Event()
        self._remove_lock = threading.Lock()
        self._output_thread: threading.Thread | None = None
        self.exited = threading.Event()

    # --- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> Container:
        api = self._client.api
        with translated_errors(f"create a container from {self.spec.image}"):
            self.id = api.create_container(**self._create_arguments())["Id"]
        try:
            for network in self.spec.networks:
                self._connect(network)
            with translated_errors(f"start the container from {self.spec.image}"):
                try:
                    api.start(self.id)
                except Exception as e:
                    self._raise_start_error(e)
        except BaseException:
            self.remove()
            raise
        return self

    def _create_arguments(self) -> dict[str, Any]:
        spec = self.spec
        api = self._client.api
        binds = {m.source: {"bind": m.target, "mode": "ro" if m.read_only else "rw"} for m in spec.mounts}
        port_bindings = {f"{p.container_port}/tcp": (p.host_ip, p.host_port) for p in spec.ports}
        memory = f"{spec.memory_mb}m" if spec.memory_mb else None
        host_config = api.create_host_config(
            binds=binds,
            port_bindings=port_bindings or None,
            mem_limit=memory,
            memswap_limit=memory,
            network_mode=spec.network_mode,
            extra_hosts=spec.extra_hosts or None,
            dns=spec.dns or None,
            security_opt=spec.security_opt or None,
            cap_add=spec.cap_add or None,
            init=False,
        )
        arguments: dict[str, Any] = {
            "image": spec.image,
            "entrypoint": spec.entrypoint,
            "command": spec.command,
            "environment": spec.environment,
            "working_dir": spec.working_dir,
            "labels": {LABEL: "1", **spec.labels},
            "ports": [p.container_port for p in spec.ports] or None,
            "host_config": host_config,
            "stdin_open": False,
            "tty": False,
        }
        if spec.platform:
            arguments["platform"] = spec.platform
        return arguments

    def _connect(self, network: str) -> None:
        import docker

        with translated_errors(f"connect the container to the network '{network}'"):
            try:
                self._client.api.connect_container_to_network(self.id, network)
            except docker.errors.NotFound as e:
                raise NetworkNotFound(f"Docker network '{network}' (--docker-network) does not exist") from e

    def _raise_start_error(self, error: Exception) -> None:
        text = api_error_text(error)
        if "port is already allocated" in text or "address already in use" in text:
            ports = ", ".join(str(p.host_port) for p in self.spec.ports)
            raise PortInUse(f"Debug port {ports} is already in use on this machine: {text}") from error
        raise error

    def remove(self) -> None:
        """Kill and delete the container (idempotent)."""
        with self._remove_lock:
            if self._removed.is_set() or self.id is None:
                return
            import docker

            try:
                self._client.api.remove_container(self.id, force=True, v=True)
            except docker.errors.NotFound:
                pass
            except Exception as e:  # the engine went away: nothing more we can do, say so
                log.warning("could not remove container %s: %s", self.id[:12], api_error_text(e))
            finally:
                self._removed.set()
        if self._output_thread is not None and self._output_thread is not threading.current_thread():
            self._output_thread.join(timeout=5)

    # --- output and state ----------------------------------------------------------------------------------------

    def stream_output(self, sink: OutputSink, on_exit: Callable[[], None]) -> None:
        """Feed everything the container writes (stdout and stderr) to `sink` from a background thread."""
        stream = self._client.api.logs(self.id, stdout=True, stderr=True, stream=True, follow=True)

        def pump() -> None:
            try:
                for chunk in stream:
                    sink(chunk)
            except Exception as e:  # the stream breaks when the container is removed under it
                log.debug("container output stream ended: %s", e)
            finally:
                self.exited.set()
                on_exit()

        self._output_thread = threading.Thread(target=pump, name="container-output", daemon=True)
        self._output_thread.start()

    def wait_output_drained(self, timeout: float) -> bool:
        if self._output_thread is None:
            return True
        self._output_thread.join(timeout)
        return not self._output_thread.is_alive()

    def state(self) -> dict[str, Any]:
        with translated_errors("inspect the function container"):
            return self._client.api.inspect_container(self.id).get("State", {})

    def exit_code(self) -> int | None:
        try:
            return self.state().get("ExitCode")
        except ContainerError:
            return None

    def peak_memory_bytes(self) -> int | None:
        value = peak_memory_from_cgroup(self.id)
        if value is not None:
            return value
        try:
            return peak_memory_from_stats(self._client.api.stats(self.id, stream=False, one_shot=True))
        except Exception as e:
            log.debug("no memory statistics: %s", e)
            return None
