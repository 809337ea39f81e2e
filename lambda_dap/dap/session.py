"""One editor connection: answers `initialize`, turns `launch`/`attach`/`direct-invoke` into an `InvokeSession`,
and splices the editor's DAP session onto the debugger in the container.

Threads: `run()` reads the editor (and never blocks on the engine); a launch thread prepares and starts the
container and does the upstream handshake; the upstream reader relays the debugger's messages; an invocation
thread runs `InvokeSession.invoke()`. Seqs toward the editor come from one `MessageWriter`, toward the debugger
from the `Upstream`'s; `request_seq` is rewritten both ways, reverse requests included.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_dap.dap import messages
from lambda_dap.dap.capabilities import changed_capabilities, initial_capabilities
from lambda_dap.dap.children import child_configuration
from lambda_dap.dap.debuggers import DEBUGPY, DapDebugger, dap_debugger
from lambda_dap.dap.messages import Message, arguments_of
from lambda_dap.dap.output import EventMapper
from lambda_dap.dap.protocol import MessageReader, MessageWriter, incoming
from lambda_dap.dap.upstream import Upstream
from lambda_dap.errors import (
    DebuggerError,
    DebuggingNotSupported,
    EventError,
    LambdaDapError,
    RequestRefused,
)

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0  # the debugger in the container listens (the image is present: well under a second)
HANDSHAKE_TIMEOUT_S = 10.0  # the debugger answers `initialize`
DISCONNECT_TIMEOUT_S = 1.0  # the debugger answers `disconnect` before the container goes anyway
LEAVE_TIMEOUT_S = 0.5  # each of the requests that let a halted debuggee go (delve answers in milliseconds)
FINISH_WAIT_S = 1.0  # a function let go by a leaving editor finishes before its container is removed anyway
JOIN_TIMEOUT_S = 0.5
RESUMING = frozenset({"continue", "next", "stepIn", "stepOut", "stepBack", "reverseContinue", "goto"})
LOCAL_CONFIGURATION = frozenset(
    {
        "setBreakpoints",
        "setFunctionBreakpoints",
        "setExceptionBreakpoints",
        "setInstructionBreakpoints",
        "setDataBreakpoints",
        "configurationDone",
        "threads",
    }
)
REVERSE_CAPABILITY = {
    "runInTerminal": "supportsRunInTerminalRequest",
    "startDebugging": "supportsStartDebuggingRequest",
}
UNCHANGEABLE = frozenset({"supportsTerminateRequest", "supportsConfigurationDoneRequest"})  # handled here


@dataclass(frozen=True)
class Engine:
    """What the session needs from the engine (`lambda_dap.invoke`), injectable for tests."""

    build_request: Callable[..., Any]
    new_session: Callable[[Any, Callable[[object], None]], Any]


def default_engine() -> Engine:
    from lambda_dap import invoke

    return Engine(
        build_request=invoke.build_request,
        new_session=lambda request, on_event: invoke.InvokeSession(request, on_event=on_event),
    )


def default_parser() -> Callable[..., Any]:
    from lambda_dap.dap.launch import parse_launch_arguments

    return parse_launch_arguments


class DapSession:
    """The adapter's side of one editor connection."""

    def __init__(
        self,
        reader: MessageReader,
        writer: MessageWriter,
        *,
        cwd: Path | None = None,
        name: str = "dap",
        engine: Engine | None = None,
        parse_launch: Callable[..., Any] | None = None,
    ) -> None:
        self.name = name
        self._reader = reader
        self._writer = writer
        self._cwd = cwd or Path.cwd()
        self._engine = engine
        self._parse_launch = parse_launch
        self._lock = threading.RLock()
        self._client: dict[str, Any] | None = None  # the editor's initialize arguments
        self._advertised = initial_capabilities()
        self._mapper: EventMapper | None = None
        self._launch: Message | None = None
        self._config: Any = None
        self._owns_invocation = False
        self._invoke_session: Any = None
        self._function_name: str | None = None
        self._mode: str | None = None  # "proxy": relay to a DAP debugger; "local": no DAP debugger; "failed"
        self._upstream: Upstream | None = None
        self._debugger: DapDebugger | None = None
        self._ready = False  # the debugger's `initialized` has been relayed
        self._queue: list[Message] = []
        self._reverse: dict[int, tuple[int | None, Callable[[Message], None] | None]] = {}
        self._launched = False  # the launch response has been sent
        self._configured = False  # the editor's configurationDone has been answered
        self._attached = False  # the debugger has answered `attach`
        self._first_started = False
        self._debugger_gone = False
        self._child_session = False  # the editor's own debugger attached to the published port (Node.js, Java)
        self._breakpoint_sources: dict[str, dict[str, Any]] = {}  # sources the editor set breakpoints in
        self._function_breakpoints = False
        self._stopped_thread: int | None = None  # the thread of the last `stopped`, until the debuggee resumes
        self._invocation: threading.Thread | None = None
        self._terminated = False
        self._ending = False
        self._released = threading.Event()
        # One release at a time, whole: a disconnect arriving while the launch thread still removes the container
        # of a failed launch waits for it (else its answer went out, the editor left and the adapter exited first).
        self._release_lock = threading.RLock()
        self._stop = threading.Event()
        self._handlers: dict[str, Callable[[Message], None]] = {
            "initialize": self._on_initialize,
            "launch": self._on_launch,
            "attach": self._on_launch,
            "direct-invoke": self._on_launch,
            "disconnect": self._on_disconnect,
            "terminate": self._on_terminate,
            "invoke": self._on_invoke,
            "restart": self._on_restart,
            "cancel": self._on_cancel,
        }

    # --- the editor side -------------------------------------------------------------------------------------

    def run(self) -> None:
        """Serve the editor until it disconnects or its stream ends; everything is released on the way out."""
        try:
            for message in incoming(self._reader, self.name):
                self.handle(message)
                if self._stop.is_set():
                    break
        finally:
            self.close()

    def handle(self, message: Message) -> None:
        """Act on one message from the editor."""
        problem = messages.problem(message)
        if problem is not None:
            log.warning("%s: bad message from the editor: %s", self.name, problem)
            if message.get("type") == "request" and isinstance(message.get("seq"), int):
                self._send(messages.error_response(message, f"bad request: {problem}"))
            return
        if message["type"] == "response":
            self._on_client_response(message)
            return
        if message["type"] == "event":
            return
        handler = self._handlers.get(message["command"], self._relay)
        try:
            handler(message)
        except LambdaDapError as error:
            self._send(messages.error_response_for(message, error))
        except Exception as error:  # a bug here must not end the editor's session
            log.exception("%s: %s failed", self.name, message["command"])
            self._send(messages.error_response(message, f"internal error: {type(error).__name__}: {error}"))

    def _send(self, message: Message) -> int | None:
        try:
            return self._writer.send(message)
        except (OSError, ValueError) as error:
            log.debug("%s: cannot write to the editor: %s", self.name, error)
            self._stop.set()
            return None

    def _on_initialize(self, request: Message) -> None:
        with self._lock:
            if self._client is not None:
                raise RequestRefused("initialize was already sent")
            self._client = arguments_of(request)
            self._mapper = EventMapper(self._send, progress=bool(self._client.get("supportsProgressReporting")))
        self._send(messages.response(request, self._advertised))

    def _on_launch(self, request: Message) -> None:
        with self._lock:
            if self._client is None:
                raise RequestRefused(f"{request['command']}: send initialize first")
            if self._launch is not None:
                raise RequestRefused(f"{request['command']}: this session has already been launched")
            if self._ending:
                raise RequestRefused(f"{request['command']}: the session is ending")
            self._launch = request
        threading.Thread(target=self._launch_thread, args=(request,), name=f"{self.name}-launch", daemon=True).start()

    def _relay(self, request: Message) -> None:
        """A request for the debugger: relayed, queued until the debugger is initialized, or refused."""
        with self._lock:
            if self._ending:
                raise RequestRefused(f"{request['command']}: the session is ending")
            if self._mode == "proxy" and self._ready:
                if self._upstream is None or self._upstream.closed:
                    raise RequestRefused(f"{request['command']}: the debugger has ended")
                self._forward(request)
                return
            if self._mode == "local":
                self._local_request(request)
                return
            if self._mode == "failed":
                raise RequestRefused(f"{request['command']}: the launch failed")
            if self._launch is None:
                raise RequestRefused(f"{request['command']}: nothing is running yet: send launch or attach first")
            self._queue.append(request)

    def _forward(self, request: Message) -> None:
        command = request["command"]
        if command in RESUMING:
            self._deadline("resume_deadline")
        elif command == "setBreakpoints":
            self._remember_breakpoints(arguments_of(request))
        elif command == "setFunctionBreakpoints":
            self._function_breakpoints = bool(arguments_of(request).get("breakpoints"))
        assert self._upstream is not None
        self._upstream.forward(request)

    def _remember_breakpoints(self, arguments: dict[str, Any]) -> None:
        """Where the editor has breakpoints, to clear them if it leaves a debugger that keeps them (delve)."""
        source = arguments.get("source")
        if not isinstance(source, dict):
            return
        key = str(source.get("path") or source.get("sourceReference") or "")
        if not key:
            return
        if arguments.get("breakpoints") or arguments.get("lines"):
            self._breakpoint_sources[key] = source
        else:
            self._breakpoint_sources.pop(key, None)

    def _on_client_response(self, message: Message) -> None:
        """The editor answers a reverse request: relay it to the debugger, or hand it to the session's callback."""
        with self._lock:
            entry = self._reverse.pop(message["request_seq"], None)
        if entry is None:
            log.warning("%s: response to unknown reverse request %s dropped", self.name, message["request_seq"])
            return
        upstream_seq, callback = entry
        if callback is not None:
            callback(message)
        elif self._upstream is not None:
            relayed = {key: value for key, value in message.items() if key != "seq"}
            relayed["request_seq"] = upstream_seq
            self._upstream.send(relayed)

    def _send_reverse(
        self, message: Message, *, upstream_seq: int | None = None, callback: Callable[[Message], None] | None = None
    ) -> None:
        with self._lock:  # the editor's answer may come before send() returns: register under the lock
            seq = self._send(message)
            if seq is not None:
                self._reverse[seq] = (upstream_seq, callback)

    def _on_cancel(self, request: Message) -> None:
        self._send(messages.response(request))  # a hint only; the cancelled request still gets its answer

    def _on_disconnect(self, request: Message) -> None:
        self.release(arguments_of(request))
        self._send(messages.response(request))
        self._stop.set()

    def _on_terminate(self, request: Message) -> None:
        self.release({"terminateDebuggee": True})
        self._send(messages.response(request))
        self._send_terminated()

    # --- launching -------------------------------------------------------------------------------------------

    def _launch_thread(self, request: Message) -> None:
        try:
            parse = self._parse_launch or default_parser()
            config = parse(arguments_of(request), command=request["command"], cwd=self._cwd)
            with self._lock:
                self._config = config
            for warning in getattr(config, "warnings", None) or ():
                self._send(messages.output(f"Warning: {warning}\n"))
            if config.kind == "attach":
                self._start_attach(config)
            else:
                self._start_launch(config)
        except DebuggingNotSupported as error:
            self._launch_failed(request, _in_configuration_terms(error, self._config))
        except LambdaDapError as error:
            self._launch_failed(request, error)
        except Exception as error:
            log.exception("%s: launch failed", self.name)
            self._launch_failed(request, LambdaDapError(f"internal error: {type(error).__name__}: {error}"))

    def _workspace(self) -> Path:
        """The configuration's own `cwd` (the launch parser resolved it), else the adapter's."""
        return Path(getattr(self._config, "cwd", None) or self._cwd)

    def _invoke_options(self, config: Any) -> dict[str, Any]:
        options = dict(config.options)
        if getattr(config, "event", None) is not None and options.get("event_data") is None:
            options["event_data"] = config.event
        if config.no_debug:
            options.pop("debug_port", None)
        else:
            options["debug_relay"] = False
            if not options.get("debug_port"):
                options["debug_port"] = (0,)  # the engine picks a free port on the configured interface
        return options

    def _warn(self, text: str) -> None:
        self._send(messages.output(f"Warning: {text}\n"))

    def _new_invoke_session(self, options: dict[str, Any]) -> Any:
        engine = self._engine or default_engine()
        invoke_request = engine.build_request(options, cwd=self._workspace(), environ=dict(os.environ), warn=self._warn)
        session = engine.new_session(invoke_request, self._on_engine_event)
        with self._lock:
            if self._ending:
                session.close()
                raise RequestRefused("the session ended while launching")
            self._invoke_session = session
        return session

    def _start_launch(self, config: Any) -> None:
        session = self._new_invoke_session(self._invoke_options(config))
        self._owns_invocation = True
        try:
            plan = session.prepare()
        finally:
            if self._mapper is not None:
                self._mapper.end_progress()
        debugging = getattr(plan, "debug", None)
        expected = dap_debugger(getattr(debugging, "debugger", None)) if debugging is not None else None
        if expected is not None and self._mapper is not None:
            self._mapper.console_banner = expected.banner
        self._function_name = _function_name(session)
        session.start()
        endpoint = session.debugger
        if config.no_debug or endpoint is None:
            self._go_local()
            return
        debugger = dap_debugger(endpoint.debugger)
        if debugger is None:
            self._start_child_session(endpoint)
            return
        sock = session.connect_debugger(CONNECT_TIMEOUT_S)
        mappings = list(config.path_mappings or [])
        if debugger.maps_code_dir:
            mappings += list(endpoint.path_mappings or [])
        self._start_proxy(debugger, sock, mappings, dict(config.debugger_arguments or {}))

    def _start_attach(self, config: Any) -> None:
        if not config.attach_port:
            raise RequestRefused(
                "attach: `port` is required: the debug port of a function started with `lambda-dap invoke -d PORT`"
            )
        mappings = list(config.path_mappings or []) + self._function_mappings(config)
        host = getattr(config, "attach_host", None) or "127.0.0.1"
        sock = connect_with_retry(host, int(config.attach_port), CONNECT_TIMEOUT_S)
        self._start_proxy(DEBUGPY, sock, mappings, dict(config.debugger_arguments or {}))

    def _function_mappings(self, config: Any) -> list[dict[str, str]]:
        """The code directory of the function the attach configuration names (template/function), if it names one."""
        options = dict(config.options or {})
        if not (options.get("function_identifier") or options.get("template_file")):
            return []
        options.pop("debug_port", None)
        engine = self._engine or default_engine()
        session = engine.new_session(
            engine.build_request(options, cwd=self._workspace(), environ=dict(os.environ), warn=self._warn),
            lambda event: None,
        )
        try:
            code = session.plan.code.path
            return [{"localRoot": str(Path(code).resolve()), "remoteRoot": "/var/task"}] if code else []
        finally:
            session.close()

    def _start_proxy(
        self, debugger: DapDebugger, sock: socket.socket, mappings: list[dict[str, str]], extra: dict[str, Any]
    ) -> None:
        upstream = Upstream(
            sock,
            name=debugger.name,
            on_message=self._on_upstream_message,
            on_relayed_response=self._on_relayed_response,
            on_closed=self._on_upstream_closed,
        )
        with self._lock:
            if self._ending:
                upstream.close()
                raise RequestRefused("the session ended while launching")
            self._upstream, self._debugger, self._mode = upstream, debugger, "proxy"
        upstream.start()
        assert self._client is not None
        answer = upstream.call_and_wait("initialize", debugger.initialize_arguments(self._client), HANDSHAKE_TIMEOUT_S)
        if answer is None:
            raise DebuggerError(f"{debugger.name} did not answer `initialize` within {HANDSHAKE_TIMEOUT_S:g} s")
        if not answer.get("success"):
            raise DebuggerError(f"{debugger.name} refused `initialize`: {answer.get('message') or 'no reason given'}")
        changes = changed_capabilities(self._advertised, answer.get("body") or {})
        changes = {key: value for key, value in changes.items() if key not in UNCHANGEABLE}
        if changes:
            self._advertised.update(changes)
            self._send(messages.event("capabilities", {"capabilities": changes}))
        upstream.call("attach", debugger.attach_arguments(mappings, extra), self._on_attach_response)

    def _on_attach_response(self, answer: Message) -> None:
        launch = self._launch
        assert launch is not None
        if not answer.get("success"):
            error = DebuggerError(
                f"{self._debugger.name if self._debugger else 'the debugger'} refused `attach`: "
                f"{answer.get('message') or 'no reason given'}"
            )
            self._launch_failed(launch, error)
            return
        self._launch_succeeded(launch)
        with self._lock:
            self._attached = True
        self._maybe_start_first_invocation()

    def _maybe_start_first_invocation(self) -> None:
        """The event goes in once the debugger has answered both `attach` and the editor's `configurationDone`:
        debugpy answers attach after configurationDone, delve before it, so breakpoints are set either way."""
        with self._lock:
            go = self._owns_invocation and self._attached and self._configured and not self._first_started
            self._first_started = self._first_started or go
        if go:
            self._start_invocation(None, reply_to=None)

    def _launch_succeeded(self, launch: Message) -> None:
        with self._lock:
            if self._ending or self._launched:
                return
            self._launched = True
        self._send(messages.response(launch))

    def _launch_failed(self, launch: Message, error: LambdaDapError) -> None:
        log.info("%s: %s failed: %s", self.name, launch["command"], error.message)
        with self._lock:
            queued, self._queue = self._queue, []
            answered = self._launched
            self._launched = True
            self._mode = "failed"
        if not answered:
            self._send(messages.error_response_for(launch, error))
        for request in queued:
            self._send(messages.error_response(request, f"{request['command']}: the launch failed"))
        self._release_engine()

    # --- no DAP debugger: noDebug runs, and child sessions for Node.js and Java ---------------------------------

    def _go_local(self) -> None:
        with self._lock:
            self._mode = "local"
            self._attached = True  # nothing to attach: the invocation waits for configurationDone only
            queued, self._queue = self._queue, []
        launch = self._launch
        assert launch is not None
        self._launch_succeeded(launch)
        self._send(messages.event("initialized"))
        for request in queued:
            self.handle(request)

    def _local_request(self, request: Message) -> None:
        command, arguments = request["command"], arguments_of(request)
        if command not in LOCAL_CONFIGURATION:
            raise RequestRefused(f"{command}: not available: no debugger is attached to this session")
        body: dict[str, Any] = {}
        if command.endswith("Breakpoints") and command != "setExceptionBreakpoints":
            wanted = arguments.get("breakpoints") or []
            body["breakpoints"] = [{"verified": False, "message": "no debugger in this session"} for _ in wanted]
        elif command == "threads":
            body["threads"] = []
        self._send(messages.response(request, body))
        if command == "configurationDone" and self._owns_invocation and not self._configured:
            with self._lock:
                self._configured = True
            self._send_process_event()
            self._maybe_start_first_invocation()

    def _start_child_session(self, endpoint: Any) -> None:
        """Ask the editor to attach its own debugger to the published port (`startDebugging`); the function starts
        once that debugger lets it go."""
        config = self._config
        attach = child_configuration(
            endpoint, list(getattr(config, "path_mappings", None) or []), dict(config.debugger_arguments or {})
        )
        if not attach:
            raise DebuggingNotSupported(f"debugging with {endpoint.debugger} is not supported by the DAP server")
        assert self._client is not None
        if not self._client.get("supportsStartDebuggingRequest"):
            raise DebuggingNotSupported(
                f"{endpoint.debugger} does not speak DAP and this editor cannot start a child session "
                f"(supportsStartDebuggingRequest); attach a debugger with: {json.dumps(attach)}"
            )

        def started(answer: Message) -> None:
            if answer.get("success"):
                self._child_session = True
                self._go_local()
            else:
                assert self._launch is not None
                self._launch_failed(
                    self._launch,
                    DebuggerError(
                        f"the editor refused to start the {attach.get('type')} child session: "
                        f"{answer.get('message') or 'no reason given'}; attach with: {json.dumps(attach)}"
                    ),
                )

        self._send_reverse(
            messages.request("startDebugging", {"request": "attach", "configuration": attach}), callback=started
        )

    # --- the debugger side -----------------------------------------------------------------------------------

    def _on_upstream_message(self, message: Message) -> None:
        if self._debugger is not None and self._debugger.is_noise(message):
            return
        if message.get("type") == "request":
            self._on_reverse_request(message)
        elif message.get("type") == "event":
            self._on_upstream_event(message)

    def _on_upstream_event(self, message: Message) -> None:
        name = message.get("event")
        relayed = {key: value for key, value in message.items() if key != "seq"}
        if name == "initialized":
            with self._lock:  # the editor's queued configuration goes right after, in its order
                self._send(relayed)
                queued, self._queue = self._queue, []
                for request in queued:
                    self._forward(request)
                self._ready = True
            return
        if name == "stopped":
            thread = (message.get("body") or {}).get("threadId")
            self._stopped_thread = thread if isinstance(thread, int) else self._stopped_thread
            self._deadline("pause_deadline")
        elif name == "continued":
            self._deadline("resume_deadline")
        elif self._owns_invocation and name == "exited":
            return  # the invocation's exit code is what the editor gets
        elif name == "terminated":
            if not self._owns_invocation or not self._invoking():
                self._send_terminated()
            return
        elif name == "process" and self._function_name:
            relayed["body"] = dict(relayed.get("body") or {}, name=self._function_name)
        self._send(relayed)

    def _on_reverse_request(self, message: Message) -> None:
        command = message.get("command")
        capability = REVERSE_CAPABILITY.get(command or "")
        relays = self._debugger.relays if self._debugger is not None else frozenset()
        if capability and command in relays and self._client and self._client.get(capability):
            relayed = {key: value for key, value in message.items() if key != "seq"}
            self._send_reverse(relayed, upstream_seq=message.get("seq"))
            return
        assert self._upstream is not None
        refusal = messages.error_response(message, f"{command}: not supported by lambda-dap", show_user=False)
        self._upstream.send(refusal)

    def _on_relayed_response(self, editor_seq: int, message: Message) -> None:
        relayed = {key: value for key, value in message.items() if key != "seq"}
        relayed["request_seq"] = editor_seq
        self._send(relayed)
        if message.get("command") == "configurationDone" and message.get("success"):
            with self._lock:
                first = not self._configured
                self._configured = True
            if first and self._debugger is not None and not self._debugger.sends_process:
                self._send_process_event()
            self._maybe_start_first_invocation()

    def _on_upstream_closed(self) -> None:
        with self._lock:
            if self._ending or self._mode == "failed":
                return
            queued, self._queue = self._queue, []
        for request in queued:
            self._send(messages.error_response(request, f"{request['command']}: the debugger has ended"))
        with self._lock:
            self._debugger_gone = True
            running = self._owns_invocation and self._invoking()
        if not running:  # else the invocation's end says it
            self._send_terminated()
            if self._owns_invocation:
                threading.Thread(target=self._release_engine, name=f"{self.name}-release", daemon=True).start()

    # --- invocations -----------------------------------------------------------------------------------------

    def _invoking(self) -> bool:
        thread = self._invocation
        return thread is not None and thread.is_alive()

    def _on_invoke(self, request: Message) -> None:
        self._check_warm(request)
        self._start_invocation(self._event_argument(arguments_of(request)), reply_to=request)

    def _on_restart(self, request: Message) -> None:
        self._check_warm(request)
        self._start_invocation(None, reply_to=request)

    def _check_warm(self, request: Message) -> None:
        command = request["command"]
        if not (self._launched and self._owns_invocation and self._invoke_session is not None):
            raise RequestRefused(f"{command}: nothing is launched in this session")
        if not getattr(self._config, "keep_alive", False):
            raise RequestRefused(f"{command}: needs a launch with `keepAlive: true`")

    def _event_argument(self, arguments: dict[str, Any]) -> bytes | None:
        if "event" in arguments and "eventFile" in arguments:
            raise EventError("invoke: give `event` or `eventFile`, not both")
        if "event" in arguments:
            return json.dumps(arguments["event"]).encode()
        if "eventFile" in arguments:
            path = arguments["eventFile"]
            if not isinstance(path, str) or not path:
                raise EventError("invoke: `eventFile` must be a path to a JSON file")
            try:
                return (self._workspace() / path).read_bytes()
            except OSError as error:
                raise EventError(f"invoke: cannot read `eventFile` {path}: {error.strerror or error}") from None
        return None

    def _start_invocation(self, event: bytes | None, *, reply_to: Message | None) -> None:
        """Run an invocation in its own thread; one asked for while another runs waits its turn (an editor's
        "invoke again" may come before the last invocation's end has reached it)."""
        with self._lock:
            if self._ending:
                return
            previous = self._invocation
            thread = threading.Thread(
                target=self._invocation_thread,
                args=(event, reply_to, previous),
                name=f"{self.name}-invoke",
                daemon=True,
            )
            self._invocation = thread
        thread.start()

    def _invocation_thread(
        self, event: bytes | None, reply_to: Message | None, previous: threading.Thread | None = None
    ) -> None:
        if previous is not None:
            previous.join()
        if self._ending:
            return
        session = self._invoke_session
        keep_alive = bool(getattr(self._config, "keep_alive", False))
        try:
            result = session.invoke(event, last=not keep_alive)
        except LambdaDapError as error:
            if self._ending:
                return
            log.info("%s: invocation failed: %s", self.name, error.message)
            if reply_to is not None:
                self._send(messages.error_response_for(reply_to, error))
            else:
                self._send(messages.output(f"Error: {error.message}\n", "stderr"))
            if not keep_alive:
                self._finish(1)
            elif self._debugger_gone:
                self._send_terminated()
                self._release_engine()
            return
        if self._mapper is not None:
            self._mapper.flush()
        if reply_to is not None:
            self._send(
                messages.response(
                    reply_to,
                    {
                        "exitCode": result.exit_code,
                        "outcome": str(getattr(result.outcome, "value", result.outcome)),
                        "requestId": result.request_id,
                        "payload": (result.payload or b"").decode("utf-8", "replace"),
                    },
                )
            )
        if not keep_alive:
            self._finish(result.exit_code)
        elif self._debugger_gone:
            self._send_terminated()  # a warm session whose debugger went away is over
            self._release_engine()

    def _finish(self, exit_code: int) -> None:
        """A one-shot invocation has ended: tell the editor, then remove the container right away."""
        if not self._ending:
            self._send(messages.event("exited", {"exitCode": exit_code}))
            self._send_terminated()
        upstream = self._upstream
        if upstream is not None:  # a `continue` racing with the end still gets the debugger's own answer
            upstream.wait_idle(DISCONNECT_TIMEOUT_S)
        self._release_engine()

    def _send_process_event(self) -> None:
        if self._function_name:
            self._send(
                messages.event(
                    "process", {"name": self._function_name, "isLocalProcess": False, "startMethod": "launch"}
                )
            )

    def _send_terminated(self) -> None:
        with self._lock:
            if self._terminated:
                return
            self._terminated = True
        self._send(messages.event("terminated"))

    def _deadline(self, action: str) -> None:
        session = self._invoke_session
        if session is None or not self._owns_invocation:
            return
        try:
            getattr(session, action)()
        except LambdaDapError as error:
            log.debug("%s: %s: %s", self.name, action, error.message)

    def _on_engine_event(self, event: object) -> None:
        if self._child_session and type(event).__name__ == "InvocationStarted":
            # the child debugger's stops are not seen here: its invocations get no timeout, as `sam local` does
            self._deadline("pause_deadline")
        if self._mapper is not None:
            self._mapper(event)

    # --- ending ----------------------------------------------------------------------------------------------

    def release(self, disconnect_arguments: dict[str, Any] | None = None) -> None:
        """Stop everything this session started: the debugger connection, the invocation, the container."""
        with self._lock:
            first = not self._ending
            self._ending = True
            upstream = self._upstream
        arguments = dict(disconnect_arguments or {})
        if first and upstream is not None and not upstream.closed:
            debugger = self._debugger
            if debugger is not None and not debugger.terminates_on_disconnect:
                self._leave_debugger(upstream, let_finish=arguments.get("terminateDebuggee") is not True)
                return
            if self._owns_invocation:
                arguments["terminateDebuggee"] = True
            upstream.call_and_wait("disconnect", arguments, DISCONNECT_TIMEOUT_S)
        self._release_engine()

    def _leave_debugger(self, upstream: Upstream, *, let_finish: bool) -> None:
        """Leave a debugger that would keep its debuggee halted (delve): clear the editor's breakpoints, resume,
        disconnect without ending the runtime; then give the function a moment to finish before it is removed."""
        if let_finish:
            for source in list(self._breakpoint_sources.values()):
                upstream.call_and_wait("setBreakpoints", {"source": source, "breakpoints": []}, LEAVE_TIMEOUT_S)
            if self._function_breakpoints:
                upstream.call_and_wait("setFunctionBreakpoints", {"breakpoints": []}, LEAVE_TIMEOUT_S)
            self._deadline("resume_deadline")
            upstream.call_and_wait("continue", {"threadId": self._stopped_thread or 1}, LEAVE_TIMEOUT_S)
        upstream.call_and_wait("disconnect", {"terminateDebuggee": False}, DISCONNECT_TIMEOUT_S)
        invocation = self._invocation
        if let_finish and invocation is not None and invocation is not threading.current_thread():
            invocation.join(FINISH_WAIT_S)
        self._release_engine()

    def _release_engine(self) -> None:
        with self._release_lock:
            with self._lock:
                session, self._invoke_session = self._invoke_session, None
                upstream = self._upstream
                invocation = self._invocation
            if session is not None:
                if invocation is not None and invocation.is_alive() and invocation is not threading.current_thread():
                    with contextlib.suppress(LambdaDapError):
                        session.cancel()
                    invocation.join(JOIN_TIMEOUT_S)
                try:
                    session.close()
                except LambdaDapError as error:
                    log.warning("%s: closing the invoke session: %s", self.name, error.message)
            if upstream is not None:
                upstream.close()
            self._released.set()

    def close(self) -> None:
        """End the session from outside (EOF, a signal, the server shutting down); idempotent."""
        self._stop.set()
        self.release({})


def _in_configuration_terms(error: DebuggingNotSupported, config: Any) -> DebuggingNotSupported:
    """The engine names `lambda-dap invoke`'s options; a launch configuration spells them its own way."""
    if "--debugger-path" not in error.message:
        return error
    field_name = (
        'sam.localArguments ["--debugger-path", DIR]' if getattr(config, "shape", None) == "aws-sam" else "debuggerPath"
    )
    return DebuggingNotSupported(error.message.replace("--debugger-path", field_name))


def _function_name(session: Any) -> str | None:
    try:
        return str(session.plan.function.full_path)
    except (AttributeError, LambdaDapError):
        return None


def connect_with_retry(host: str, port: int, timeout_s: float) -> socket.socket:
    """Connect to a debugger that may not listen yet (refused connections are retried until `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=min(2.0, timeout_s))
        except OSError as error:
            if time.monotonic() >= deadline:
                raise DebuggerError(
                    f"nothing listens on {host}:{port} ({error.strerror or error}); start the "
                    f"function with `lambda-dap invoke -d {port}` first"
                ) from None
            time.sleep(0.1)
            continue
        sock.settimeout(None)
        return sock
