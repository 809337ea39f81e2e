"""The library API: `invoke()` once, or keep an `InvokeSession` warm and invoke it again and again.

    with InvokeSession(InvokeRequest(template=Path("template.yaml"), function_id="Hello")) as session:
        result = session.invoke(b'{"name": "world"}')

A session owns one Runtime API server on the host and at most one container at a time. The container starts on
the first invocation (or `start()`), stays warm between invocations, and is replaced after a timeout or a crash,
as Lambda resets a sandbox. `close()` removes everything, on every path.
"""

from __future__ import annotations

import logging
import math
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from lambda_dap.container.engine import ensure_network, network_gateway
from lambda_dap.container.images import ensure_image
from lambda_dap.container.reaper import reap
from lambda_dap.container.run import Container
from lambda_dap.containers import container_files, container_spec
from lambda_dap.errors import DebuggerError, LambdaDapError
from lambda_dap.plan import FunctionPlan, plan_function
from lambda_dap.request import DebugOptions, InvocationResult, InvokeRequest
from lambda_dap.runtime import report
from lambda_dap.runtime.deadline import seconds_from_env
from lambda_dap.runtime.invocation import Invocation, Outcome
from lambda_dap.runtime.listen import address_of, reserve
from lambda_dap.runtime.output import LineAssembler
from lambda_dap.runtime.rundir import RunDirectory

if TYPE_CHECKING:
    import socket

    from lambda_dap.debug.relay import DebugRelay
    from lambda_dap.runtime.api import RuntimeApi, RuntimeApiServer
    from lambda_dap.runtime.extensions import Failure
    from lambda_dap.runtime.sandbox import Sandbox

__all__ = ["DebugOptions", "InvocationResult", "InvokeRequest", "InvokeSession", "invoke"]

log = logging.getLogger(__name__)

LogSink = Callable[[str], None]
ResultSink = Callable[[InvocationResult], None]
OUTPUT_QUIET_S = 0.01  # output idle this long after the runtime is back in `next`: the invocation's logs are in
OUTPUT_SETTLE_MAX_S = 0.5
ATTACH_TIMEOUT_ENV = "LAMBDA_DAP_DEBUGGER_TIMEOUT"  # seconds a debugged function may wait for its debugger
DEFAULT_ATTACH_TIMEOUT_S = 600.0
DEBUGGER_FLUSH_S = 0.2
REAPER_WAIT_S = 0.5
DEBUG_STOP_GRACE_S = 2.0  # a debugged container ends on SIGTERM first, so the editor's session ends cleanly


def stderr_sink(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def invoke(request: InvokeRequest, event: bytes, *, log_line: LogSink = stderr_sink) -> InvocationResult:
    """Invoke a function once in a fresh container and remove it."""
    with InvokeSession(request, log_line=log_line) as session:
        return session.invoke(event, last=True)


class InvokeSession:
    """One function, its Runtime API server and its (warm) container."""

    def __init__(self, request: InvokeRequest, *, log_line: LogSink = stderr_sink) -> None:
        self.request = request
        self._log_line = log_line
        self._lock = threading.RLock()
        self._plan: FunctionPlan | None = None
        self._api: RuntimeApi | None = None
        self._server: RuntimeApiServer | None = None
        self._container: Container | None = None
        self._container_started_at = 0.0
        self._init_reported = False
        self._output = LineAssembler(self._emit_output)
        self._last_output_at = 0.0
        self._removing = False
        self._closed = False
        self._relay: DebugRelay | None = None
        self._sandbox: Sandbox | None = None
        self._current: Invocation | None = None
        self._reaper: threading.Thread | None = None

    # --- context management --------------------------------------------------------------------------------------

    def __enter__(self) -> InvokeSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def plan(self) -> FunctionPlan:
        """The resolved function (template, env, image, mounts); resolving it raises on bad input."""
        if self._plan is None:
            self._plan = plan_function(self.request, log_line=self._log_line)
        return self._plan

    @property
    def debug(self) -> DebugOptions | None:
        return self.request.debug

    # --- lifecycle -----------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Resolve the function and start its container, if not already running (a cold start)."""
        with self._lock:
            if self._closed:
                raise LambdaDapError("The invoke session is closed")
            if self._container is not None and not self._container.exited.is_set():
                return
            self._remove_container()
            plan = self.plan
            image_details = ensure_image(plan.image, skip_pull=self.request.skip_pull_image, log=self._log_line)
            self._warn_on_architecture(plan, image_details)
            if self._server is not None:
                self._server.close()
                self._server = None
            network = self.request.docker_network
            if network and network != "host":
                ensure_network(network)
            host = "127.0.0.1" if network == "host" else network_gateway("bridge")
            listener = reserve(host)
            run_dir = RunDirectory(container_files())
            relay = None
            try:
                spec = container_spec(self.request, plan, image_details, run_dir=run_dir.path,
                                      runtime_api=address_of(listener))
                relay = self._open_relay(plan)
                self._container_started_at = time.monotonic()
                self._init_reported = False
                container = Container(spec)
                self._container = container.start()
            except BaseException:
                listener.close()
                run_dir.close()
                if relay is not None:
                    relay.close()
                raise
            # While the container boots, bring up the server on the reserved address (the runtime waits in the
            # listen backlog meanwhile) and the watch over its extensions; clear away what a killed run left.
            self._sandbox = sandbox = self._new_sandbox(plan, run_dir)
            self._start_server(sandbox, listener)
            self._removing = False
            container.stream_output(self._on_output, self._on_container_exit)
            sandbox.start()
            if self._reaper is None:
                self._reaper = threading.Thread(target=reap, name="reaper", daemon=True)
                self._reaper.start()
            if relay is not None:
                self._relay = relay.start(lambda: self._debugger_address(container))
            if plan.debug is not None and self.debug is not None:
                from lambda_dap.debug.attach import waiting_line

                self._log_line(waiting_line(plan.debug, plan.runtime_family, self.debug, plan.function,
                                            plan.code.path))

    def _warn_on_architecture(self, plan: FunctionPlan, image_details: dict) -> None:
        """Say so when the function's Architectures and the image's differ: it runs only under emulation."""
        wanted = {"x86_64": "amd64", "arm64": "arm64"}.get(plan.function.architecture, plan.function.architecture)
        actual = image_details.get("Architecture")
        if actual and actual != wanted:
            self._log_line(f"Warning: {plan.function.full_path} is {plan.function.architecture} but image "
                           f"{plan.image} is {actual}; it runs as the image is built (emulated if the engine can)")

    def _open_relay(self, plan: FunctionPlan) -> DebugRelay | None:
        """Take the debug port on the host before the container starts (a busy port fails early)."""
        if plan.debug is None or self.debug is None or not plan.debug.port_is_protocol:
            return None
        if self.request.docker_network == "host":
            return None  # the debugger listens on the host interface itself
        from lambda_dap.debug.relay import DebugRelay

        return DebugRelay(self.debug.host_ip, self.debug.port, speaks_dap=plan.debug.debugger == "debugpy")

    def _debugger_address(self, container: Container) -> tuple[str, int] | None:
        """The debugger's address inside the container, once it has one; None when the container is gone."""
        if container.exited.is_set() or self.debug is None:
            return None
        address = container.ip_address()
        return (address, self.debug.port) if address else None

    def _new_sandbox(self, plan: FunctionPlan, run_dir: RunDirectory) -> Sandbox:
        from lambda_dap.runtime.sandbox import Sandbox

        return Sandbox(run_dir, function_name=plan.function.function_name or plan.function.logical_id,
                       handler=plan.function.handler or "", account_id=plan.function_arn.split(":")[4],
                       log_line=self._log_line, resolve_host=self._sandbox_address)

    def _sandbox_address(self, host: str) -> str | None:
        """Where the host reaches a server that an extension runs in the container (telemetry destinations)."""
        if self.request.docker_network == "host":
            return "127.0.0.1"
        container = self._container
        return container.ip_address() if container is not None else None

    def _start_server(self, sandbox: Sandbox, listener: socket.socket) -> None:
        from lambda_dap.runtime.api import RuntimeApi, RuntimeApiServer

        def on_start(invocation: Invocation) -> None:
            self._log_line(report.start_line(invocation.request_id))
            sandbox.invoke_started(invocation)

        self._api = api = RuntimeApi(on_start=on_start, on_init_done=sandbox.init_done)
        self._server = RuntimeApiServer(api, listener=listener, extensions=sandbox.extensions,
                                        telemetry=sandbox.telemetry, on_subscribe=sandbox.on_subscribe).start()

    def close(self) -> None:
        """Remove the container, stop the server and delete temporary files. Safe to call more than once."""
        with self._lock:
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
                    self._reaper.join(REAPER_WAIT_S)  # done long before, as a rule

    def _remove_container(self, graceful: bool = False) -> None:
        """Remove the container after the extensions' SHUTDOWN; `graceful` first lets its processes end on
        SIGTERM (a debugger says goodbye)."""
        relay, self._relay = self._relay, None
        sandbox, self._sandbox = self._sandbox, None
        container, self._container = self._container, None
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
                    container.discard(self._quiet_since(time.monotonic()))
                self._output.flush()
            if sandbox is not None:
                sandbox.drain_output(final=True)
                sandbox.close()

    # --- invocations ---------------------------------------------------------------------------------------------

    def invoke(self, event: bytes, *, last: bool = False, on_result: ResultSink | None = None) -> InvocationResult:
        """Send one event and wait for the function's answer (or its timeout).

        `on_result` gets the answer as soon as the runtime posts it, before extensions finish their INVOKE.
        `last=True` removes the container as soon as everything is in, the quickest way to collect every line of
        output before END and REPORT.
        """
        self.start()
        plan = self.plan
        api, sandbox = self._api, self._sandbox
        assert api is not None and self._container is not None and sandbox is not None
        timeout_s = None if self.debug else float(plan.timeout_s)
        invocation = Invocation(event=event, timeout_s=timeout_s, deadline_header_s=float(plan.timeout_s),
                                function_arn=plan.function_arn)
        self._current = invocation
        api.submit(invocation)
        self._wait(invocation)
        extension_failure = sandbox.extensions.failure
        if on_result is not None:
            on_result(self._result(invocation, None, None))
        if invocation.outcome is Outcome.TIMEOUT:
            self._log_line(report.timeout_line(invocation.request_id, plan.timeout_s))
        elif invocation.handed_out and not sandbox.wait_invoke_done(invocation, self._remaining_s(invocation)):
            extension_failure = sandbox.extensions.failure
            if extension_failure is None:  # the extensions outran the function's timeout
                invocation.outcome = Outcome.TIMEOUT
                self._log_line(report.timeout_line(invocation.request_id, plan.timeout_s))
        self._record_runtime_done(sandbox, invocation)
        peak = self._container.peak_memory_bytes() if self._container else None
        init_ms = self._init_duration_ms(api)
        reset = last or extension_failure is not None or invocation.outcome in (
            Outcome.TIMEOUT, Outcome.RUNTIME_EXITED, Outcome.INIT_ERROR)
        if reset:
            sandbox.shutdown_reason = ("timeout" if invocation.outcome is Outcome.TIMEOUT else
                                       "failure" if invocation.outcome is not Outcome.SUCCESS else "spindown")
        if self.debug and invocation.outcome in (Outcome.SUCCESS, Outcome.FUNCTION_ERROR):
            # The debugger answers `continue` after resuming the handler: let that answer out before any stop.
            api.waiting_in_next.wait(OUTPUT_SETTLE_MAX_S)
            time.sleep(DEBUGGER_FLUSH_S)
        # Without extensions, removing the container is the quickest way to collect all its output before REPORT;
        # with them, REPORT comes first (subscribers receive platform.report), then SHUTDOWN and the removal.
        remove_first = reset and not sandbox.has_extensions
        if remove_first:
            self._remove_container(graceful=bool(self.debug))
        else:
            self._settle_output(api)
        used_mb = math.ceil(peak / 1048576) if peak else None
        if extension_failure is not None:
            self._log_line(f"[ERROR] {extension_failure.error_type}: {extension_failure.message}")
        if invocation.handed_out:
            self._log_line(report.end_line(invocation.request_id))
            self._log_line(report.report_line(invocation.request_id, duration_ms=invocation.duration_ms,
                                              memory_size_mb=plan.memory_mb, max_memory_used_mb=used_mb,
                                              init_duration_ms=init_ms))
            self._record_report(sandbox, invocation, used_mb, init_ms)
        if reset and not remove_first:
            self._remove_container(graceful=bool(self.debug))
        return self._result(invocation, init_ms, used_mb, extension_failure)

    def _result(self, invocation: Invocation, init_ms: float | None, used_mb: int | None,
                extension_failure: Failure | None = None) -> InvocationResult:
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
            extension_error=(f"{extension_failure.error_type}: {extension_failure.message}"
                             if extension_failure else None),
        )

    def _remaining_s(self, invocation: Invocation) -> float | None:
        return invocation.deadline.remaining_s() if invocation.deadline is not None else None

    def _record_report(self, sandbox: Sandbox, invocation: Invocation, used_mb: int | None,
                       init_ms: float | None) -> None:
        status = telemetry_status(invocation.outcome)
        metrics = {"durationMs": round(invocation.duration_ms, 3),
                   "billedDurationMs": math.ceil(invocation.duration_ms),
                   "memorySizeMB": self.plan.memory_mb, "maxMemoryUsedMB": used_mb or 0}
        if init_ms is not None:
            metrics["initDurationMs"] = round(init_ms, 3)
        sandbox.telemetry.record("platform", "platform.report",
                                 {"requestId": invocation.request_id, "status": status, "metrics": metrics})
        sandbox.telemetry.flush()

    def _record_runtime_done(self, sandbox: Sandbox, invocation: Invocation) -> None:
        status = telemetry_status(invocation.outcome)
        sandbox.telemetry.record("platform", "platform.runtimeDone", {
            "requestId": invocation.request_id, "status": status,
            "metrics": {"durationMs": round(invocation.duration_ms, 3), "producedBytes": len(invocation.payload)},
        })

    def _wait(self, invocation: Invocation) -> None:
        """Wait for the answer; the deadline starts when the runtime takes the event and pauses with the caller."""
        attach_timeout = attach_timeout_s()
        attach_deadline = time.monotonic() + attach_timeout if self.debug else None
        sandbox = self._sandbox
        while not invocation.done:
            failure = sandbox.extensions.failure if sandbox is not None else None
            if failure is not None:
                invocation.finish_with_error(Outcome.FUNCTION_ERROR, failure.error_type,
                                             f"RequestId: {invocation.request_id} Error: {failure.message}")
                break
            if not invocation.handed_out or invocation.deadline is None:
                invocation.wait(0.05)
                if attach_deadline is not None and not self._debugger_attached(invocation) \
                        and time.monotonic() > attach_deadline:
                    assert self.debug is not None
                    raise DebuggerError(
                        f"No debugger attached to {self.debug.host_ip}:{self.debug.port} within "
                        f"{attach_timeout:.0f} s (set {ATTACH_TIMEOUT_ENV} to wait longer); "
                        "the function container was removed"
                    )
                continue
            remaining = invocation.deadline.remaining_s()
            if remaining is None or invocation.deadline.paused:
                invocation.wait(0.25)
            elif remaining > 0:
                invocation.wait(remaining)
            else:
                timed_out = report.timeout_message(invocation.timeout_s or 0)
                message = f"RequestId: {invocation.request_id} Error: {timed_out}"
                invocation.finish_with_error(Outcome.TIMEOUT, "Sandbox.Timedout", message)

    def _debugger_attached(self, invocation: Invocation) -> bool:
        relay = self._relay
        return relay.attached.is_set() if relay is not None else invocation.handed_out

    def pause_deadline(self) -> None:
        """Stop the current invocation's clock (a debugger stopped at a breakpoint)."""
        current = self._current
        if current is not None and current.deadline is not None:
            current.deadline.pause()

    def resume_deadline(self) -> None:
        current = self._current
        if current is not None and current.deadline is not None:
            current.deadline.resume()

    def _init_duration_ms(self, api: RuntimeApi) -> float | None:
        if self._init_reported or api.first_next_at is None:
            return None
        self._init_reported = True
        return (api.first_next_at - self._container_started_at) * 1000.0

    def _quiet_since(self, moment: float) -> Callable[[], bool]:
        """Whether nothing more came out for a moment since `moment`: then the output is in (the engine passes a
        line on within a millisecond; a container's teardown takes fifty)."""
        return lambda: time.monotonic() - max(moment, self._last_output_at) >= OUTPUT_QUIET_S

    def _settle_output(self, api: RuntimeApi) -> None:
        """Before END and REPORT, let the runtime get back to `next` and the container's output go quiet."""
        started = time.monotonic()
        api.waiting_in_next.wait(OUTPUT_SETTLE_MAX_S)
        while time.monotonic() - started < OUTPUT_SETTLE_MAX_S:
            if time.monotonic() - self._last_output_at >= OUTPUT_QUIET_S:
                break
            time.sleep(OUTPUT_QUIET_S / 3)
        self._output.flush()

    # --- container output and exit -------------------------------------------------------------------------------

    def _on_output(self, chunk: bytes) -> None:
        self._last_output_at = time.monotonic()
        self._output.feed(chunk)

    def _emit_output(self, line: str) -> None:
        self._log_line(line)
        sandbox = self._sandbox
        if sandbox is not None:
            sandbox.telemetry.record("function", "function", line)

    def _on_container_exit(self) -> None:
        self._output.flush()
        if self._removing:
            return
        current = self._current
        if current is None or current.done:
            return
        container = self._container
        status = container.exit_status if container is not None else None
        if container is not None and (container.oom_killed or (status == 137 and self.request.memory_limit)):
            current.finish_with_error(
                Outcome.RUNTIME_EXITED, "Runtime.OutOfMemory",
                f"RequestId: {current.request_id} Error: Runtime exited with error: signal: killed "
                f"(out of memory: MemorySize is {self.plan.memory_mb} MB)",
            )
            return
        current.finish_with_error(
            Outcome.RUNTIME_EXITED, "Runtime.ExitError",
            f"RequestId: {current.request_id} Error: Runtime exited with error: exit status {status}",
        )


def telemetry_status(outcome: Outcome | None) -> str:
    """An invocation's status as platform.runtimeDone and platform.report give it."""
    return {Outcome.SUCCESS: "success", Outcome.TIMEOUT: "timeout"}.get(outcome, "error")


def attach_timeout_s() -> float:
    """How long a debugged function waits for its debugger before lambda-dap gives up and cleans up."""
    return seconds_from_env(ATTACH_TIMEOUT_ENV, DEFAULT_ATTACH_TIMEOUT_S)
