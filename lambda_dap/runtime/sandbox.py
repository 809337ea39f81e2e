"""The extensions side of one container's life: init gating, INVOKE and SHUTDOWN, output, crashes, telemetry.

Lambda's lifecycle (reference/lambda-extensions.md): extensions start first and register; the runtime starts only
once every one of them waits in `event/next`; each invocation goes to the INVOKE subscribers too, and ends when they
are all back; at the end, SHUTDOWN subscribers get their event and up to 2,000 ms before the sandbox is gone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from lambda_dap.runtime.deadline import seconds_from_env
from lambda_dap.runtime.extensions import ExtensionsApi, Failure
from lambda_dap.runtime.invocation import Invocation
from lambda_dap.runtime.output import LineAssembler
from lambda_dap.runtime.rundir import RunDirectory
from lambda_dap.runtime.telemetry import Dial, TelemetryApi
from lambda_dap.threads import join_if_alive

INIT_TIMEOUT_ENV = "LAMBDA_DAP_EXTENSION_INIT_TIMEOUT"
DEFAULT_INIT_TIMEOUT_S = 10.0  # Lambda's limit for an on-demand init
SHUTDOWN_BUDGET_S = 2.0  # Lambda's shutdown phase with external extensions
POLL_S = 0.01  # how often the run directory is read for extension output and exits
QUICK_POLL_S = 0.002  # ... while lambda-dap waits on the extensions (init, SHUTDOWN)

LineSink = Callable[[str], None]
OutputSink = Callable[[str, bytes], None]  # (extension name, bytes it wrote)


def init_timeout_s() -> float:
    return seconds_from_env(INIT_TIMEOUT_ENV, DEFAULT_INIT_TIMEOUT_S)


class Sandbox:
    """Extensions and telemetry for one container, watched from a background thread."""

    def __init__(
        self,
        run_dir: RunDirectory,
        *,
        function_name: str,
        handler: str,
        account_id: str,
        platform_line: LineSink,
        extension_output: OutputSink,
        resolve_host: Callable[[str], str | None],
        dial: Dial | None = None,
    ) -> None:
        """`resolve_host` and `dial` reach the extensions' telemetry listeners (telemetry.py)."""
        self.run_dir = run_dir
        self.extensions = ExtensionsApi(
            function_name=function_name, function_version="$LATEST", handler=handler, account_id=account_id
        )
        self.extensions.names_source = self.run_dir.extension_names
        self.telemetry = TelemetryApi(resolve_host, dial)
        self._log_line = platform_line
        self._extension_output = extension_output
        self._lines: dict[str, LineAssembler] = {}  # per extension: its output as telemetry records
        self._stop = threading.Event()
        self._drain_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._names: list[str] | None = None
        self.init_finished = threading.Event()
        self.shutting_down = False
        self.shutdown_reason = "spindown"

    # --- watching the container ----------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="extensions", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        gate: threading.Thread | None = None
        while not self._stop.is_set():
            if self._names is None:
                self._names = self.run_dir.extension_names()
                if self._names:
                    gate = threading.Thread(target=self._gate_runtime, name="extensions-init", daemon=True)
                    gate.start()
                elif self.init_finished.is_set():
                    return  # no extensions, and the runtime is running: nothing to watch
            self.drain_output()
            for name, status in self.run_dir.new_exits():
                self._on_exit(name, status)
            waiting = self.shutting_down or not self.init_finished.is_set()
            time.sleep(QUICK_POLL_S if waiting else POLL_S)

    def _gate_runtime(self) -> None:
        """Let the runtime start once every extension registered and waits for its first event."""
        names = set(self._names or ())
        missing = self.extensions.wait_ready(names, init_timeout_s())
        if self.extensions.failure is not None:
            return
        if missing:
            listed = ", ".join(sorted(missing))
            self.extensions.fail(
                Failure(
                    sorted(missing)[0],
                    "Extension.LaunchError",
                    f"extension {listed} did not register and wait for events within {init_timeout_s():g} s",
                )
            )
            return
        self.drain_output()
        for extension in self.extensions.registered:
            events = ", ".join(extension.events)
            self._log_line(f"EXTENSION\tName: {extension.name}\tState: Ready\tEvents: [{events}]")
        self.run_dir.release_runtime()

    def _on_exit(self, name: str, status: int) -> None:
        if not self.shutting_down:  # the failure first: a waiter woken by the exit must see it
            self.extensions.fail(Failure(name, "Extension.Crash", f"extension '{name}' exited with status {status}"))
        self.extensions.mark_exited(name)

    def drain_output(self, final: bool = False) -> None:
        """Deliver what the extensions wrote since the last call (`final`: their partial lines end too)."""
        with self._drain_lock:
            for name, data in self.run_dir.new_output():
                self._extension_output(name, data)
                self._assembler(name).feed(data)
            if final:
                for assembler in self._lines.values():
                    assembler.flush()

    def _assembler(self, name: str) -> LineAssembler:
        if name not in self._lines:
            self._lines[name] = LineAssembler(lambda line: self.telemetry.record("extension", "extension", line))
        return self._lines[name]

    def on_subscribe(self, name: str, telemetry: TelemetryApi) -> None:
        types = next((s.types for s in telemetry.subscribers if s.extension == name), ())
        self._log_line(f"TELEMETRY\tName: {name}\tState: Subscribed\tTypes: [{', '.join(types)}]")

    # --- the lifecycle -------------------------------------------------------------------------------------------

    def init_done(self) -> None:
        """The runtime asked for its first event: registration and subscriptions close."""
        self.extensions.close_registration()
        self.telemetry.close_subscriptions()
        self.init_finished.set()

    @property
    def has_extensions(self) -> bool:
        return bool(self.extensions.registered)

    def invoke_started(self, invocation: Invocation) -> None:
        event = {
            "eventType": "INVOKE",
            "deadlineMs": invocation.deadline_epoch_ms,
            "requestId": invocation.request_id,
            "invokedFunctionArn": invocation.function_arn,
            "tracing": {"type": "X-Amzn-Trace-Id", "value": invocation.trace_id},
        }
        self.extensions.dispatch(event, "INVOKE")
        self.telemetry.record("platform", "platform.start", {"requestId": invocation.request_id, "version": "$LATEST"})

    def wait_invoke_done(self, invocation: Invocation, timeout_s: float | None) -> bool:
        """Every INVOKE subscriber is back in event/next (False on timeout or failure)."""
        if not self.has_extensions:
            return True
        back = self.extensions.wait_back(invocation.request_id, timeout_s)
        self.drain_output()  # what they printed before coming back belongs before END
        return back

    def shutdown(self) -> None:
        """SHUTDOWN to the external subscribers, and up to 2 s for them to finish, as Lambda allows."""
        self.shutting_down = True
        deadline_ms = int((time.time() + SHUTDOWN_BUDGET_S) * 1000)
        event = {"eventType": "SHUTDOWN", "shutdownReason": self.shutdown_reason, "deadlineMs": deadline_ms}
        receivers = self.extensions.dispatch(event, "SHUTDOWN", external_only=True)
        if receivers:
            self.extensions.wait_back(None, SHUTDOWN_BUDGET_S, names=receivers, stop_on_failure=False)
        self.telemetry.flush()
        self.drain_output(final=True)

    def close(self) -> None:
        self._stop.set()
        join_if_alive(self._thread, 2)
        self.extensions.close()
        self.telemetry.stop()
        self.run_dir.close()
