"""The library API: `invoke()` once, or keep an `InvokeSession` warm and invoke it again and again.

    with InvokeSession(InvokeRequest(template=Path("template.yaml"), function_id="Hello")) as session:
        result = session.invoke(b'{"name": "world"}')

A session owns one Runtime API server on the host and at most one container at a time. `prepare()` resolves the
function and makes sure of its image, `start()` starts the container (on the first invocation if not called), which
stays warm between invocations and is replaced after a timeout or a crash, as Lambda resets a sandbox. Everything
the session does is reported as typed events (`lambda_dap.invoke.events`). `close()` removes everything, on every
path.
"""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from lambda_dap.container.engine import engine, ensure_network, network_gateway
from lambda_dap.container.images import PullStatus, ensure_image
from lambda_dap.container.locality import (
    SHARED_FILES,
    bridge_comes_with_containers,
    check_engine_is_here,
    check_gateway_is_here,
    engine_is_elsewhere,
    engine_shares_files,
    forced_mode,
    is_this_machine,
)
from lambda_dap.container.reaper import reap
from lambda_dap.container.run import Container
from lambda_dap.debug.tcp import connect_past_proxy
from lambda_dap.errors import ContainerError, DebuggerError, InvocationCancelled, LambdaDapError
from lambda_dap.invoke import events
from lambda_dap.invoke.plan import FunctionPlan, plan_function
from lambda_dap.invoke.request import DebugOptions, InvocationResult, InvokeRequest
from lambda_dap.invoke.spec import container_files, container_spec, relays_debug_port
from lambda_dap.runtime.deadline import seconds_from_env
from lambda_dap.runtime.invocation import Invocation
from lambda_dap.runtime.listen import address_of, reserve
from lambda_dap.runtime.outcome import Outcome
from lambda_dap.runtime.output import LineAssembler
from lambda_dap.runtime.pipes import STREAMS, OutputPipes
from lambda_dap.runtime.rundir import RunDirectory
from lambda_dap.threads import join_if_alive

if TYPE_CHECKING:
    from lambda_dap.container.spec import ContainerSpec
    from lambda_dap.debug.relay import DebugRelay
    from lambda_dap.deps.install import InstalledDependencies
    from lambda_dap.deps.manifest import Manifest
    from lambda_dap.invoke.remote import RemoteContainer, RemoteRunDirectory
    from lambda_dap.invoke.shared import SharedFiles
    from lambda_dap.runtime.api import RuntimeApi, RuntimeApiServer
    from lambda_dap.runtime.extensions import Failure
    from lambda_dap.runtime.sandbox import Sandbox

log = logging.getLogger(__name__)

NEXT_WAIT_S = 0.5  # a warm runtime is back in `next` within a millisecond; what it writes until then is included
ATTACH_TIMEOUT_ENV = "LAMBDA_DAP_DEBUGGER_TIMEOUT"  # seconds a debugged function may wait for its debugger
DEFAULT_ATTACH_TIMEOUT_S = 600.0
DEBUGGER_FLUSH_S = 0.2
REAPER_WAIT_S = 0.5
DEBUG_STOP_GRACE_S = 2.0  # a debugged container ends on SIGTERM first, so the editor's session ends cleanly
CONNECT_RETRY_S = 0.005  # the container's own address answers "refused" at once until the debugger listens
CONNECT_ATTEMPT_S = 0.05  # a SYN sent while the container's network comes up may be dropped: TCP resends after 1 s
INIT_LIMIT_S = 10.0  # Lambda's init phase; an init still running then is retried within the function's Timeout


def invoke(
    request: InvokeRequest, event: bytes | None = None, *, on_event: events.EventSink = events.ignore
) -> InvocationResult:
    """Invoke a function once in a fresh container and remove it."""
    with InvokeSession(request, on_event=on_event) as session:
        return session.invoke(event, last=True)


class InvokeSession:
    """One function, its Runtime API server and its (warm) container."""

    def __init__(self, request: InvokeRequest, *, on_event: events.EventSink = events.ignore) -> None:
        self.request = request
        self._on_event = on_event
        self._lock = threading.RLock()
        self._plan: FunctionPlan | None = None
        self._image_details: dict[str, Any] | None = None
        self._api: RuntimeApi | None = None
        self._server: RuntimeApiServer | None = None
        self._container: Container | None = None
        self._pipes: OutputPipes | None = None
        self._run_dir: RunDirectory | None = None
        self._container_started_at = 0.0
        self._init_reported = False
        self._removing = False
        self._closed = False
        self._aborting = False  # cancelled or interrupted: what the runtime says while it is torn down is noise
        self._relay: DebugRelay | None = None
        self._sandbox: Sandbox | None = None
        self._current: Invocation | None = None
        self._cancelled = threading.Event()
        self._closing = threading.Event()  # close() was called: a dependency install in prepare() ends
        self._reaper: threading.Thread | None = None
        self._lines = {stream: LineAssembler(self._record_function_line) for stream in STREAMS}
        self.debugger: events.DebuggerEndpoint | None = None
        self._remote_mode: bool | None = None  # the engine sees neither our files nor our network (invoke/remote.py)
        self._gateway_pending = False  # the bridge's gateway is bound before its bridge exists (Podman's netavark)
        self._remote: RemoteContainer | None = None
        self._shared_files: str | None = None  # remote mode, but the engine sees our files: its name (invoke/shared.py)
        self._sharing: SharedFiles | None = None

    # --- context management --------------------------------------------------------------------------------------

    def __enter__(self) -> InvokeSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def plan(self) -> FunctionPlan:
        """The resolved function (template, env, image, mounts); resolving it raises on bad input."""
        if self._plan is None:
            self._plan = plan_function(
                self.request,
                notice=lambda text: self._emit(events.Notice(text)),
                warn=lambda text: self._emit(events.Warning(text)),
            )
        return self._plan

    @property
    def debug(self) -> DebugOptions | None:
        return self.request.debug

    def _emit(self, event: events.Event) -> None:
        try:
            self._on_event(event)
        except Exception:  # a front door's rendering bug must not break the invocation
            log.exception("event handler failed on %r", event)

    # --- lifecycle -----------------------------------------------------------------------------------------------

    def prepare(self) -> FunctionPlan:
        """Resolve the function, install its dependencies (DependencyInstall events) and make sure its image is
        present (pulling it, with ImagePull events)."""
        with self._lock:
            self._check_open()
            plan = self.plan
            if plan.dependencies is not None and plan.installed_dependencies is None:
                plan.installed_dependencies = self._install_dependencies(plan.dependencies)
            if self._image_details is None:
                forced = forced_mode()
                self._remote_mode = forced in ("remote", SHARED_FILES) or (
                    forced is None and engine_is_elsewhere(engine().endpoint)
                )
                self._shared_files = "The Docker engine" if forced == SHARED_FILES else None
                if not self._remote_mode:
                    check_engine_is_here(engine().endpoint)  # LAMBDA_DAP_ENGINE_MODE=local: before any request
                self._image_details = ensure_image(
                    plan.image,
                    skip_pull=self.request.skip_pull_image,
                    progress=lambda status: self._on_pull(plan.image, status),
                )
                self._warn_on_architecture(plan, self._image_details)
            return plan

    def _install_dependencies(self, manifest: Manifest) -> InstalledDependencies:
        from lambda_dap.deps.install import install_dependencies
        from lambda_dap.template.paths import display_path

        def progress(done: bool, seconds: float | None = None) -> None:
            shown = display_path(manifest.path)
            arch = manifest.architecture
            self._emit(events.DependencyInstall(shown, manifest.installer, manifest.runtime, arch, done, seconds))

        return install_dependencies(
            manifest,
            force=self.request.force_image_build,
            on_start=lambda: progress(False),
            on_done=lambda seconds: progress(True, seconds),
            stop=self._closing,
        )

    def _check_open(self) -> None:
        if self._closed:
            raise LambdaDapError("The invoke session is closed")

    def _on_pull(self, image: str, status: PullStatus) -> None:
        self._emit(
            events.ImagePull(
                image=image,
                status=status.status,
                layer=status.layer,
                current_bytes=status.current_bytes,
                total_bytes=status.total_bytes,
                done=status.done,
            )
        )

    def start(self) -> None:
        """Start the function's container, if not already running (a cold start)."""
        with self._lock:
            plan = self.prepare()
            if self._container is not None and not self._container.exited.is_set():
                return
            self._remove_container()
            assert self._image_details is not None
            if self._server is not None:
                self._server.close()
                self._server = None
            network = self.request.docker_network
            if network and network != "host":
                ensure_network(network)
            host = self._runtime_api_host(network)
            try:  # each part is recorded as soon as it exists: whatever interrupts, _remove_container finds it
                with signals_held():  # and a signal waits until they are all recorded
                    self._acquire_or_sidecar(plan, host)
            except BaseException:
                self._aborting = True
                with signals_held():
                    self._remove_container()
                raise
            container, sandbox, relay = self._container, self._sandbox, self._relay
            assert container is not None and sandbox is not None
            self._removing = self._aborting = False
            frames = self._remote.output_frames() if self._remote is not None else None
            container.stream_output(self._on_container_output, self._on_container_exit, frames)
            sandbox.start()
            if self._reaper is None:
                self._reaper = threading.Thread(target=reap, name="reaper", daemon=True)
                self._reaper.start()
            if relay is not None:
                relay.start(lambda: self._debugger_address(container))
            if self._remote is not None:
                self._remote.start_relays(lambda: not container.exited.is_set())
            self._emit(
                events.ContainerStarted(
                    container_id=container.id or "", image=plan.image, function=plan.function.full_path
                )
            )
            if plan.debug is not None and self.debug is not None:
                self._announce_debugger(plan, container)

    def _runtime_api_host(self, network: str | None) -> str:
        """Where the container reaches lambda-dap's Runtime API: the bridge's gateway, an address of this machine
        (in remote mode: loopback, the agent carries the connections)."""
        if network == "host" and not self._remote_mode and forced_mode() is None:
            self._shared_files = engine_shares_files(engine())  # Docker Desktop's host network is its VM's
            self._remote_mode = self._shared_files is not None
        if network == "host" or self._remote_mode:
            return "127.0.0.1"
        gateway = network_gateway("bridge")
        here = is_this_machine(gateway)
        # Podman's bridge (netavark) exists only while a container uses it: then it comes with this one
        self._gateway_pending = not here and bridge_comes_with_containers(engine().endpoint, engine().info)
        if not here and not self._gateway_pending:
            if forced_mode() is None:  # a VM's engine: remote or shared-files mode
                self._remote_mode = True
                self._shared_files = engine_shares_files(engine())  # Docker Desktop, OrbStack: they see our files
                return "127.0.0.1"
            check_gateway_is_here(gateway, engine().endpoint)
        return gateway

    def _acquire(self, plan: FunctionPlan, host: str) -> None:
        """The container and everything around it, each recorded on the session the moment it exists."""
        assert self._image_details is not None
        listener = reserve(host, before_the_address=self._gateway_pending)
        try:
            self._run_dir = run_dir = RunDirectory(container_files()) if not self._remote_mode else _remote_run_dir()
            self._pipes = OutputPipes(run_dir.path, self._on_runtime_output)
            spec = container_spec(
                self.request,
                plan,
                self._image_details,
                run_dir=run_dir.path,
                runtime_api=address_of(listener),
                remote=bool(self._remote_mode),
            )
            before_start = self._go_remote(spec, run_dir, listener) if self._remote_mode else None
            spec = self._remote.spec if self._remote is not None else spec
            self._relay = self._open_relay(plan)
            self._container_started_at = time.monotonic()
            self._init_reported = False
            container = self._start_container(spec, before_start)
            if self._remote is not None:
                container.peak_probe = self._remote.peak_memory
            # While the container boots, bring up the server on the reserved address (the runtime waits in the
            # listen backlog meanwhile) and the watch over its extensions.
            self._sandbox = sandbox = self._new_sandbox(plan, run_dir)
            self._start_server(sandbox, listener)
        except BaseException:
            if self._server is None:
                listener.close()
            raise

    def _acquire_or_sidecar(self, plan: FunctionPlan, host: str) -> None:
        """_acquire; in remote mode, an image found to have no interpreter for the agent (by its first container,
        removed) gets the pair of containers of invoke/sidecar.py instead."""
        from lambda_dap.errors import NoAgentInterpreter

        try:
            self._acquire(plan, host)
        except NoAgentInterpreter:
            from lambda_dap.invoke.sidecar import remember_without_interpreter
            from lambda_dap.invoke.spec import agent_candidates

            assert self._image_details is not None
            self._remove_container()
            remember_without_interpreter(self._image_details, agent_candidates(self._image_details))
            self._acquire(plan, host)

    def _go_remote(self, spec: ContainerSpec, run_dir: RunDirectory, listener: socket.socket) -> Callable[[str], None]:
        """Remote mode for this container: its volumes made sure of; what to do between its creation and start."""
        from lambda_dap.invoke.remote import RemoteContainer, RemoteRunDirectory
        from lambda_dap.invoke.spec import agent_candidates, remote_container_spec

        assert self._image_details is not None
        remote_spec = self._shared_spec(spec) if self._shared_files else None
        remote_spec = remote_spec or remote_container_spec(
            spec, network_host=self.request.docker_network == "host", hand_mounted=self.request.docker_volume_basedir
        )
        label = self.plan.function.runtime or f"image {self.plan.image}"
        host, port = listener.getsockname()[:2]
        assert isinstance(run_dir, RemoteRunDirectory)
        options = dict(accept_to=(host, port), label=label, notice=lambda text: self._emit(events.Notice(text)))
        candidates = agent_candidates(self._image_details)
        self._remote = remote = self._sidecar_or_none(remote_spec, spec, run_dir, candidates, options) or (
            RemoteContainer(remote_spec, run_dir, **options)
        )
        if self.debug is not None and self.plan.debug is not None:
            remote.open_relays(self.debug.host_ip, self.debug.ports[1:])  # published on this machine, as locally
        remote.prepare()
        return lambda container_id: remote.before_start(container_id, candidates)

    def _shared_spec(self, spec: ContainerSpec) -> ContainerSpec:
        """Shared-files mode's container: remote mode's, with this machine's paths bind-mounted."""
        from lambda_dap.invoke.shared import SharedFiles

        assert self._shared_files is not None
        known = self._sharing.unshared if self._sharing is not None else []  # learnt by this session's last container
        self._sharing = SharedFiles(
            spec,
            network_host=self.request.docker_network == "host",
            hand_mounted=self.request.docker_volume_basedir,
            engine_name=self._shared_files,
            notice=lambda text: self._emit(events.Notice(text)),
            unshared=known,
        )
        return self._sharing.spec()

    def _start_container(self, spec: ContainerSpec, before_start: Callable[[str], None] | None) -> Container:
        """Create and start the container, recorded on the session first; in shared-files mode, the mounts the
        engine refuses become volumes and it is tried again."""
        while True:
            self._container = container = Container(spec, before_start)
            try:
                return container.start()
            except ContainerError as error:
                sharing, remote = self._sharing, self._remote
                retry = sharing.after_refusal(error, spec) if sharing is not None and remote is not None else None
                if retry is None or remote is None:
                    raise
                remote.respec(retry)
                spec = remote.spec  # with a sidecar, the function's container beside it

    def _sidecar_or_none(
        self,
        remote_spec: ContainerSpec,
        spec: ContainerSpec,
        run_dir: RemoteRunDirectory,
        candidates: list[tuple[str, str]],
        options: dict[str, Any],
    ) -> RemoteContainer | None:
        """The function's container and its agent's sidecar, for an image known to have no agent interpreter at
        `candidates`."""
        from lambda_dap.invoke.sidecar import SidecarContainer, needs_sidecar

        assert self._image_details is not None
        if not needs_sidecar(self._image_details, candidates):
            return None
        return SidecarContainer(remote_spec, run_dir, local_spec=spec, pull_progress=self._on_pull, **options)

    def _dial(self, address: tuple[str, int], timeout: float | None = None) -> socket.socket:
        """A connection to a server in the container (through its agent in remote mode; past Docker's proxy for a
        port published for --container-host)."""
        remote = self._remote
        if remote is not None:
            return remote.dial(address, timeout)
        if self._through_published_port():
            return connect_past_proxy(address, timeout=timeout)
        return socket.create_connection(address, timeout=timeout)

    def _announce_debugger(self, plan: FunctionPlan, container: Container) -> None:
        from lambda_dap.debug.attach import attach_configuration, waiting_line

        assert plan.debug is not None and self.debug is not None
        host = "127.0.0.1" if self.debug.host_ip == "0.0.0.0" else self.debug.host_ip
        if self._relay is None and self._through_published_port():
            host = self.debug.container_host or host  # the port Docker published, where --container-host reaches it
        mappings = plan.path_mappings
        code_dir = str(plan.code.path) if plan.code.path else None
        configuration = attach_configuration(plan.runtime_family, host, self.debug.port, mappings, code_dir)
        address = self._debugger_address(container)
        self.debugger = events.DebuggerEndpoint(
            debugger=plan.debug.debugger,
            family=plan.runtime_family,
            host=host,
            port=self.debug.port,
            container_address=address,
            attach=configuration,
            path_mappings=mappings,
            ports=self.debug.ports,
        )
        line = waiting_line(plan.debug, self.debug.host_ip, self.debug.ports, configuration)
        self._emit(events.DebuggerListening(self.debugger, announcement=line))

    def _warn_on_architecture(self, plan: FunctionPlan, image_details: dict) -> None:
        """Say so when the function's Architectures and the image's differ: it runs only under emulation."""
        wanted = {"x86_64": "amd64", "arm64": "arm64"}.get(plan.function.architecture, plan.function.architecture)
        actual = image_details.get("Architecture")
        if actual and actual != wanted:
            self._emit(
                events.Warning(
                    f"{plan.function.full_path} is {plan.function.architecture} but image {plan.image} is {actual}; "
                    "it runs as the image is built (emulated if the engine can)"
                )
            )

    def _open_relay(self, plan: FunctionPlan) -> DebugRelay | None:
        """Take the debug port on the host before the container starts (a busy port fails early)."""
        if self.debug is None or not relays_debug_port(self.request, plan, remote=bool(self._remote_mode)):
            return None
        from lambda_dap.debug.relay import DebugRelay

        assert plan.debug is not None
        dial = self._dial if self._remote_mode else None
        return DebugRelay(
            self.debug.host_ip,
            self.debug.port,
            debugger=plan.debug.debugger,
            through_proxy=self._through_published_port(),
            dial=dial,
        )

    def _through_published_port(self) -> bool:
        """Whether lambda-dap reaches the debugger at `--container-host` through a port Docker publishes (instead of
        the container's own address; remote mode dials it through the agent)."""
        return (
            self.debug is not None
            and bool(self.debug.container_host)
            and self.request.docker_network != "host"
            and not self._remote_mode
        )

    def _debugger_address(self, container: Container) -> tuple[str, int] | None:
        """The debugger's address as the host reaches it directly; None when the container is gone."""
        if container.exited.is_set() or self.debug is None:
            return None
        if self._remote_mode:
            return ("127.0.0.1", self.debug.port)  # dialled inside the container by its agent
        if self.request.docker_network == "host":
            return (self.debug.host_ip if self.debug.host_ip != "0.0.0.0" else "127.0.0.1", self.debug.port)
        if self._through_published_port():
            assert self.debug.container_host is not None
            relayed = self._relay is not None
            return (self.debug.container_host, self.debug.upstream_port if relayed else self.debug.port)
        address = container.ip_address()
        return (address, self.debug.port) if address else None

    def connect_debugger(self, timeout_s: float) -> socket.socket:
        """A connection to the debugger in the container, as soon as it listens (for a caller that owns the debug
        stream: `DebugOptions(relay=False)`). Raises DebuggerError when the container ends first or on timeout."""
        container = self._container
        if container is None or self.debug is None:
            raise DebuggerError("No debugger: the session was not started with a debug port")
        deadline = time.monotonic() + timeout_s
        last_error = "it did not listen"
        while time.monotonic() < deadline:
            if container.exited.is_set() or self._closed:
                raise DebuggerError(f"The function's container ended before its debugger listened ({last_error})")
            address = self._debugger_address(container)
            if address is not None:
                try:
                    connection = self._dial(address, timeout=CONNECT_ATTEMPT_S)
                except OSError as e:  # refused at once while nothing listens; a lost SYN: try again, don't wait 1 s
                    last_error = e.strerror or str(e)
                else:
                    connection.settimeout(None)
                    return connection
            time.sleep(CONNECT_RETRY_S)
        raise DebuggerError(
            f"The debugger did not listen on port {self.debug.port} within {timeout_s:g} s ({last_error})"
        )

    def _new_sandbox(self, plan: FunctionPlan, run_dir: RunDirectory) -> Sandbox:
        from lambda_dap.runtime.sandbox import Sandbox

        return Sandbox(
            run_dir,
            function_name=plan.function.function_name or plan.function.logical_id,
            handler=plan.function.handler or "",
            account_id=plan.function_arn.split(":")[4],
            platform_line=lambda line: self._emit(events.PlatformLog(line)),
            extension_output=lambda name, data: self._emit(events.FunctionOutput("stdout", data, name)),
            resolve_host=self._sandbox_address,
            dial=self._dial if self._remote_mode else None,
        )

    def _sandbox_address(self, host: str) -> str | None:
        """Where the host reaches a server that an extension runs in the container (telemetry destinations)."""
        if self.request.docker_network == "host" or self._remote_mode:
            return "127.0.0.1"
        container = self._container
        return container.ip_address() if container is not None else None

    def _start_server(self, sandbox: Sandbox, listener: socket.socket) -> None:
        from lambda_dap.runtime.api import RuntimeApi, RuntimeApiServer

        pipes = self._pipes

        def on_start(invocation: Invocation) -> None:
            self._write_deadline(invocation)
            self._emit(events.InvocationStarted(invocation.request_id))
            sandbox.invoke_started(invocation)

        self._api = api = RuntimeApi(
            on_start=on_start, on_init_done=sandbox.init_done, before_answer=pipes.drain if pipes is not None else None
        )
        self._server = RuntimeApiServer(
            api,
            listener=listener,
            extensions=sandbox.extensions,
            telemetry=sandbox.telemetry,
            on_subscribe=sandbox.on_subscribe,
        ).start()

    def close(self) -> None:
        """Remove the container, stop the server and delete temporary files. Safe to call more than once."""
        self._closing.set()  # first: a prepare() installing dependencies holds the lock until its installer ends
        current = self._current
        if current is not None and not current.done:
            self._aborting = True
            self.cancel()
        with self._lock, signals_held():
            self._closed = True
            try:
                self._remove_container()
            finally:
                if self._server is not None:
                    self._server.close()
                    self._server = None
                if self._plan is not None:
                    self._plan.close()
                if self._reaper is not None:
                    join_if_alive(self._reaper, REAPER_WAIT_S)  # done long before, as a rule

    def _remove_container(self, graceful: bool = False) -> None:
        """Remove the container after the extensions' SHUTDOWN; `graceful` first lets its processes end on
        SIGTERM (a debugger says goodbye)."""
        relay, self._relay = self._relay, None
        sandbox, self._sandbox = self._sandbox, None
        container, self._container = self._container, None
        pipes, self._pipes = self._pipes, None
        run_dir, self._run_dir = self._run_dir, None
        remote, self._remote = self._remote, None
        self.debugger = None
        try:
            if sandbox is not None and container is not None and not container.exited.is_set():
                sandbox.shutdown()  # before the relay goes: a debugger leaving may end the runtime, and the sandbox
        finally:
            if relay is not None:
                relay.close()
            if container is not None:
                self._removing = True
                if graceful:
                    container.stop(DEBUG_STOP_GRACE_S)
                else:
                    container.discard(lambda: True)  # the output that matters came through the pipes
            if remote is not None:
                remote.close()
            if pipes is not None:
                pipes.close()
            if sandbox is not None:
                sandbox.drain_output(final=True)
                sandbox.close()
            elif run_dir is not None:
                run_dir.close()

    # --- invocations ---------------------------------------------------------------------------------------------

    def invoke(self, event: bytes | None = None, *, last: bool = False) -> InvocationResult:
        """Send one event (None: the request's) and wait for the function's answer (or its timeout).

        Every byte the function wrote before it answered is delivered (FunctionOutput) before InvocationEnded.
        `last=True` removes the container as soon as everything is in. Raises InvocationCancelled when `cancel()`
        is called meanwhile.
        """
        self.start()
        plan = self.plan
        api, sandbox = self._api, self._sandbox
        assert api is not None and self._container is not None and sandbox is not None
        enforce = self.debug is None or self.debug.keep_timeout
        invocation = Invocation(
            event=self.request.event if event is None else event,
            timeout_s=float(plan.timeout_s),
            function_arn=plan.function_arn,
            enforce_timeout=enforce,
            tenant_id=self.request.tenant_id,
        )
        self._cancelled.clear()
        self._current = invocation
        try:
            api.submit(invocation)
            self._wait(invocation)
            if self._cancelled.is_set():
                raise InvocationCancelled("The invocation was cancelled; its container was removed")
        except BaseException:
            self._aborting = True
            self._current = None
            with self._lock, signals_held():
                self._remove_container()
            raise
        return self._finish(plan, api, sandbox, invocation, last)

    def _finish(
        self, plan: FunctionPlan, api: RuntimeApi, sandbox: Sandbox, invocation: Invocation, last: bool
    ) -> InvocationResult:
        extension_failure = sandbox.extensions.failure
        self._emit(events.ResultPosted(self._result(invocation, None, None)))
        if invocation.outcome is Outcome.TIMEOUT and invocation.handed_out:  # (an init's timeout: after START, below)
            self._emit(events.TimedOut(invocation.request_id, plan.timeout_s))
        elif invocation.handed_out and not sandbox.wait_invoke_done(invocation, self._remaining_s(invocation)):
            extension_failure = sandbox.extensions.failure
            if extension_failure is None:  # the extensions outran the function's timeout
                invocation.outcome = Outcome.TIMEOUT
                self._emit(events.TimedOut(invocation.request_id, plan.timeout_s))
        reset = (
            last
            or extension_failure is not None
            or invocation.outcome in (Outcome.TIMEOUT, Outcome.RUNTIME_EXITED, Outcome.INIT_ERROR)
        )
        if not reset and api.waiting_in_next.wait(NEXT_WAIT_S) and self._pipes is not None:
            self._pipes.drain()  # what it wrote on its way back to `next` still belongs to this invocation
        for assembler in self._lines.values():
            assembler.flush()
        self._record_runtime_done(sandbox, invocation)
        peak = self._container.peak_memory_bytes() if self._container else None
        init_ms = self._init_duration_ms(api, invocation)
        if reset:
            sandbox.shutdown_reason = (
                "timeout"
                if invocation.outcome is Outcome.TIMEOUT
                else "failure"
                if invocation.outcome is not Outcome.SUCCESS
                else "spindown"
            )
        used_mb = math.ceil(peak / 1048576) if peak else None
        if extension_failure is not None:
            self._emit(events.PlatformLog(f"[ERROR] {extension_failure.error_type}: {extension_failure.message}"))
        if invocation.outcome is Outcome.RUNTIME_EXITED and invocation.handed_out:
            self._log_runtime_exit(invocation)
        if not invocation.handed_out:
            # The init failed (/init/error, the runtime or an extension gone before `next`): Lambda still logs the
            # invocation it could not run, after what the init wrote, with the init's duration.
            self._emit(events.InvocationStarted(invocation.request_id))
            if invocation.outcome is Outcome.TIMEOUT:
                self._emit(events.TimedOut(invocation.request_id, plan.timeout_s))
        self._emit(events.InvocationEnded(invocation.request_id))
        self._emit(
            events.Reported(
                invocation.request_id,
                duration_ms=invocation.duration_ms,
                memory_size_mb=plan.memory_mb,
                max_memory_used_mb=used_mb,
                init_duration_ms=init_ms,
            )
        )
        self._record_report(sandbox, invocation, used_mb, init_ms)
        self._current = None
        if reset:
            if self.debug and invocation.outcome in (Outcome.SUCCESS, Outcome.FUNCTION_ERROR):
                # The debugger answers `continue` after resuming the handler: let that answer out before the stop.
                api.waiting_in_next.wait(NEXT_WAIT_S)
                time.sleep(DEBUGGER_FLUSH_S)
            with self._lock, signals_held():
                self._remove_container(graceful=bool(self.debug))
            if not last:
                self._emit(events.Notice(_reset_notice(invocation.outcome, extension_failure is not None)))
        return self._result(invocation, init_ms, used_mb, extension_failure)

    def _log_runtime_exit(self, invocation: Invocation) -> None:
        """Lambda's two log lines for a runtime that exited during the invocation: the message, then the type."""
        import json

        try:
            message = json.loads(invocation.payload).get("errorMessage")
        except (ValueError, AttributeError):
            message = None
        if message:
            self._emit(events.PlatformLog(message))
        self._emit(events.PlatformLog(invocation.error_type or "Runtime.ExitError"))

    def invoke_all(self, payloads: Sequence[bytes]) -> Iterator[InvocationResult]:
        """Send the events one after another to the one warm container (a script of test cases), yielding each
        result as it comes; a timeout or a crash resets the sandbox and the next event starts cold, as in Lambda.
        The container goes with the last event."""
        for number, payload in enumerate(payloads, start=1):
            yield self.invoke(payload, last=number == len(payloads))

    def cancel(self) -> None:
        """End the running `invoke()` from another thread: it raises InvocationCancelled, the sandbox is reset."""
        current = self._current
        self._cancelled.set()
        if current is not None:
            current.finish_with_error(
                Outcome.RUNTIME_EXITED, "Invocation.Cancelled", f"RequestId: {current.request_id} Error: cancelled"
            )

    def _result(
        self,
        invocation: Invocation,
        init_ms: float | None,
        used_mb: int | None,
        extension_failure: Failure | None = None,
    ) -> InvocationResult:
        return InvocationResult(
            request_id=invocation.request_id,
            outcome=invocation.outcome or Outcome.RUNTIME_EXITED,
            payload=invocation.payload,
            content_type=invocation.content_type,
            error_type=invocation.error_type,
            duration_ms=invocation.duration_ms,
            init_duration_ms=init_ms,
            memory_size_mb=self.plan.memory_mb,
            max_memory_used_mb=used_mb,
            extension_error=(
                f"{extension_failure.error_type}: {extension_failure.message}" if extension_failure else None
            ),
        )

    def _remaining_s(self, invocation: Invocation) -> float | None:
        deadline = invocation.deadline
        return deadline.remaining_s() if deadline is not None and deadline.enforced else None

    def _record_report(
        self, sandbox: Sandbox, invocation: Invocation, used_mb: int | None, init_ms: float | None
    ) -> None:
        status = (invocation.outcome or Outcome.RUNTIME_EXITED).telemetry_status
        metrics = {
            "durationMs": round(invocation.duration_ms, 3),
            "billedDurationMs": math.ceil(invocation.duration_ms),
            "memorySizeMB": self.plan.memory_mb,
            "maxMemoryUsedMB": used_mb or 0,
        }
        if init_ms is not None:
            metrics["initDurationMs"] = round(init_ms, 3)
        sandbox.telemetry.record(
            "platform", "platform.report", {"requestId": invocation.request_id, "status": status, "metrics": metrics}
        )
        sandbox.telemetry.flush()

    def _record_runtime_done(self, sandbox: Sandbox, invocation: Invocation) -> None:
        status = (invocation.outcome or Outcome.RUNTIME_EXITED).telemetry_status
        sandbox.telemetry.record(
            "platform",
            "platform.runtimeDone",
            {
                "requestId": invocation.request_id,
                "status": status,
                "metrics": {"durationMs": round(invocation.duration_ms, 3), "producedBytes": len(invocation.payload)},
            },
        )

    def _wait(self, invocation: Invocation) -> None:
        """Wait for the answer; the deadline starts when the runtime takes the event and pauses with the caller."""
        attach_timeout = attach_timeout_s()
        attach_deadline = time.monotonic() + attach_timeout if self.debug else None
        # An init that never asks for the event times out as on Lambda: its 10 s, then the retry's Timeout.
        enforced = self.debug is None or self.debug.keep_timeout
        init_deadline = time.monotonic() + INIT_LIMIT_S + invocation.timeout_s if enforced else None
        sandbox = self._sandbox
        while not invocation.done:
            failure = sandbox.extensions.failure if sandbox is not None else None
            if failure is not None:
                invocation.finish_with_error(
                    Outcome.FUNCTION_ERROR,
                    failure.error_type,
                    f"RequestId: {invocation.request_id} Error: {failure.message}",
                )
                break
            deadline = invocation.deadline
            if deadline is None:
                invocation.wait(0.05)
                if init_deadline is not None and time.monotonic() > init_deadline and invocation.deadline is None:
                    invocation.init_retry_at = init_deadline - invocation.timeout_s
                    self._time_out(invocation)
                    break
                if attach_deadline is not None and not self._debugger_attached() and time.monotonic() > attach_deadline:
                    assert self.debug is not None
                    raise DebuggerError(
                        f"No debugger attached to {self.debug.host_ip}:{self.debug.port} within "
                        f"{attach_timeout:.0f} s (set {ATTACH_TIMEOUT_ENV} to wait longer); "
                        "the function container was removed"
                    )
                continue
            remaining = deadline.remaining_s()
            if not deadline.enforced or deadline.paused:
                invocation.wait(0.25)
            elif remaining > 0:
                invocation.wait(remaining)
            else:
                self._time_out(invocation)

    @staticmethod
    def _time_out(invocation: Invocation) -> None:
        from lambda_dap.runtime.report import timeout_message

        message = f"RequestId: {invocation.request_id} Error: {timeout_message(invocation.timeout_s)}"
        invocation.finish_with_error(Outcome.TIMEOUT, "Sandbox.Timedout", message)

    def _debugger_attached(self) -> bool:
        relay = self._relay
        return relay.attached.is_set() if relay is not None else self.debugger is not None

    # --- the deadline --------------------------------------------------------------------------------------------

    def pause_deadline(self) -> None:
        """Stop the current invocation's clock (a debugger stopped at a breakpoint): no timeout fires meanwhile and
        a Python handler's `context.get_remaining_time_in_millis()` stands still."""
        current = self._current
        if current is not None and current.deadline is not None and current.deadline.pause():
            self._write_deadline(current)

    def resume_deadline(self) -> None:
        """Start the clock again where it stopped."""
        current = self._current
        if current is not None and current.deadline is not None and current.deadline.resume():
            self._write_deadline(current)

    def _write_deadline(self, invocation: Invocation) -> None:
        run_dir, deadline = self._run_dir, invocation.deadline
        if run_dir is None or deadline is None:
            return
        remaining_ms = int(deadline.remaining_s() * 1000)
        if deadline.paused:
            run_dir.write_deadline(invocation.request_id, paused=True, value_ms=remaining_ms)
        else:
            run_dir.write_deadline(invocation.request_id, paused=False, value_ms=int(time.time() * 1000) + remaining_ms)

    def _init_duration_ms(self, api: RuntimeApi, invocation: Invocation) -> float | None:
        """The cold start, reported once per container: until the runtime's first `next`, or until its init failed
        (it posted /init/error, or it or an extension ended before `next`)."""
        ended = api.first_next_at or api.init_error_at
        if ended is None and not invocation.handed_out:
            ended = invocation.responded_at
        if self._init_reported or ended is None:
            return None
        self._init_reported = True
        return (ended - self._container_started_at) * 1000.0

    # --- container output and exit -------------------------------------------------------------------------------

    def _on_runtime_output(self, stream: str, data: bytes) -> None:
        """Bytes from the runtime's pipes, in order (the pipes' own lock serialises the calls)."""
        if self._aborting:
            return
        self._emit(events.FunctionOutput("stderr" if stream == "stderr" else "stdout", data))
        self._lines[stream].feed(data)

    def _on_container_output(self, stream: str, data: bytes) -> None:
        """What the container writes to its own streams (the launcher before it points the runtime at the pipes)."""
        if not self._removing:
            self._on_runtime_output(stream, data)

    def _record_function_line(self, line: str) -> None:
        sandbox = self._sandbox
        if sandbox is not None:
            sandbox.telemetry.record("function", "function", line)

    def _on_container_exit(self) -> None:
        pipes = self._pipes
        if pipes is not None:
            with contextlib.suppress(OSError):
                pipes.drain()  # its writers are gone: everything it wrote is in the pipes
        if self._removing:
            return
        current = self._current
        if current is None or current.done:
            return
        container = self._container
        status = container.exit_status if container is not None else None
        if container is not None and (container.oom_killed or (status == 137 and self.request.memory_limit)):
            current.finish_with_error(
                Outcome.RUNTIME_EXITED,
                "Runtime.OutOfMemory",
                f"RequestId: {current.request_id} Error: Runtime exited with error: signal: killed "
                f"(out of memory: MemorySize is {self.plan.memory_mb} MB)",
            )
            return
        current.finish_with_error(
            Outcome.RUNTIME_EXITED,
            "Runtime.ExitError",
            f"RequestId: {current.request_id} Error: Runtime exited with error: exit status {status}",
        )


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back while a clean-up runs (in the main thread, where Python handles them):
    they arrive once it is complete, never halfway through removing a container."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _remote_run_dir() -> RunDirectory:
    from lambda_dap.invoke.remote import RemoteRunDirectory

    return RemoteRunDirectory()  # its container files are in a volume


_RESET_REASONS = {
    Outcome.TIMEOUT: "The invocation timed out",
    Outcome.RUNTIME_EXITED: "The runtime exited",
    Outcome.INIT_ERROR: "The function's init failed",
}


def _reset_notice(outcome: Outcome | None, extension_failed: bool) -> str:
    why = _RESET_REASONS.get(outcome) if outcome is not None else None
    why = why or ("An extension failed" if extension_failed else "The sandbox ended")
    return f"{why}: the sandbox is reset, as Lambda does; the next invocation starts cold in a new container"


def attach_timeout_s() -> float:
    """How long a debugged function waits for its debugger before lambda-dap gives up and cleans up."""
    return seconds_from_env(ATTACH_TIMEOUT_ENV, DEFAULT_ATTACH_TIMEOUT_S)
