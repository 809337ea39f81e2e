"""The Lambda Runtime API (`/2018-06-01/runtime/...`), served on the host for one function container.

The container's own bootstrap (awslambdaric, a custom runtime, lambda-dap's runtime client) talks to it through
`AWS_LAMBDA_RUNTIME_API`. Invocations are queued with `submit()`; the runtime long-polls `invocation/next` for them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lambda_dap.runtime.extensions import ExtensionsApi
from lambda_dap.runtime.invocation import MAX_RESPONSE_BYTES, Invocation, Outcome
from lambda_dap.runtime.listen import reserve
from lambda_dap.runtime.telemetry import TelemetryApi

log = logging.getLogger(__name__)

_NEXT = re.compile(r"^/2018-06-01/runtime/invocation/next$")
_RESPONSE = re.compile(r"^/2018-06-01/runtime/invocation/(?P<id>[^/]+)/response$")
_ERROR = re.compile(r"^/2018-06-01/runtime/invocation/(?P<id>[^/]+)/error$")
_INIT_ERROR = re.compile(r"^/2018-06-01/runtime/init/error$")
_PING = re.compile(r"^/2018-06-01/ping$")
_EXTENSION = "/2020-01-01/extension"
_SUBSCRIBE = {"/2022-07-01/telemetry": "telemetry", "/2020-08-15/logs": "logs"}

ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
HOLD_NEXT_S = 30.0  # how long a `next` after the end stays unanswered before the server lets it go


class RuntimeApi:
    """The state behind the HTTP routes: the invocation queue and the runtime's progress."""

    def __init__(
        self,
        *,
        on_start: Callable[[Invocation], None] | None = None,
        on_init_done: Callable[[], None] | None = None,
        before_answer: Callable[[], None] | None = None,
    ) -> None:
        """`before_answer` runs as an answer arrives, before the invocation is marked done: the moment to collect
        everything the function wrote until then."""
        self._on_start = on_start
        self._on_init_done = on_init_done
        self._before_answer = before_answer or (lambda: None)
        self._cond = threading.Condition()
        self._pending: deque[Invocation] = deque()
        self._current: Invocation | None = None
        self._closed = False
        self._init_error: tuple[bytes, str] | None = None
        self.first_next_at: float | None = None  # monotonic: the runtime finished its init
        self.init_error_at: float | None = None  # monotonic: the runtime reported its init failed
        self.waiting_in_next = threading.Event()

    # --- the invoke side -----------------------------------------------------------------------------------------

    def submit(self, invocation: Invocation) -> None:
        with self._cond:
            if self._init_error is not None:
                payload, error_type = self._init_error
                invocation.finish(Outcome.INIT_ERROR, payload, error_type=error_type)
                return
            self._pending.append(invocation)
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # --- the runtime side ----------------------------------------------------------------------------------------

    def next_invocation(self) -> Invocation | None:
        """Block until an event is queued (None once closed), then hand it out."""
        if self.first_next_at is None and self._on_init_done is not None:
            self._on_init_done()
        with self._cond:
            if self.first_next_at is None:
                self.first_next_at = time.monotonic()
            current = self._current
            if current is not None and not current.done:
                self._before_answer()
                current.finish_with_error(
                    Outcome.FUNCTION_ERROR,
                    "Runtime.NoResponse",
                    f"RequestId: {current.request_id} Error: the runtime asked for the next event without answering",
                )
            self.waiting_in_next.set()
            while not self._pending and not self._closed:
                self._cond.wait()
            self.waiting_in_next.clear()
            if self._closed:
                return None
            invocation = self._pending.popleft()
            invocation.hand_out()
            self._current = invocation
        if self._on_start is not None:
            self._on_start(invocation)
        return invocation

    def _find(self, request_id: str) -> Invocation | None:
        current = self._current
        return current if current is not None and current.request_id == request_id else None

    def post_response(self, request_id: str, body: bytes, content_type: str) -> tuple[int, dict]:
        invocation = self._find(request_id)
        if invocation is None:
            return 400, {"errorMessage": f"Invalid request ID: {request_id}", "errorType": "InvalidRequestID"}
        self._before_answer()
        if len(body) > MAX_RESPONSE_BYTES:
            invocation.finish_with_error(
                Outcome.FUNCTION_ERROR,
                "Function.ResponseSizeTooLarge",
                f"Response payload size ({len(body)} bytes) exceeded maximum allowed payload size "
                f"({MAX_RESPONSE_BYTES} bytes).",
            )
            return 413, {
                "errorMessage": f"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).",
                "errorType": "RequestEntityTooLarge",
            }
        invocation.finish(Outcome.SUCCESS, body, content_type=content_type or "application/json")
        return 202, {"status": "OK"}

    def post_error(self, request_id: str, body: bytes, error_type: str | None) -> tuple[int, dict]:
        invocation = self._find(request_id)
        if invocation is None:
            return 400, {"errorMessage": f"Invalid request ID: {request_id}", "errorType": "InvalidRequestID"}
        self._before_answer()
        invocation.finish(Outcome.FUNCTION_ERROR, body or b"{}", error_type=_error_type(body, error_type))
        return 202, {"status": "OK"}

    def post_init_error(self, body: bytes, error_type: str | None) -> tuple[int, dict]:
        kind = _error_type(body, error_type)
        self._before_answer()
        with self._cond:
            self._init_error = (body or b"{}", kind)
            if self.init_error_at is None:
                self.init_error_at = time.monotonic()
            waiting = [self._current] if self._current is not None else []
            waiting += list(self._pending)
            self._pending.clear()
        for invocation in waiting:
            invocation.finish(Outcome.INIT_ERROR, body or b"{}", error_type=kind)
        return 202, {"status": "OK"}


def _error_type(body: bytes, header: str | None) -> str:
    if header:
        return header
    try:
        value = json.loads(body).get("errorType")
    except (ValueError, AttributeError):
        value = None
    return value if isinstance(value, str) and value else "Unhandled"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stall per answer
    server: RuntimeApiServer

    def log_message(self, format: str, *args: object) -> None:
        log.debug("runtime api: " + format, *args)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _hold_until_gone(self) -> None:
        """Answer nothing (an answer would make the runtime log an error); return once the runtime hangs up, as
        its container is removed, or after a bounded while."""
        self.close_connection = True
        with contextlib.suppress(OSError, ValueError):
            select.select([self.connection], [], [], HOLD_NEXT_S)

    def _send(
        self, status: int, body: bytes, headers: dict[str, str] | None = None, content_type: str = "application/json"
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, document: dict) -> None:
        self._send(status, json.dumps(document).encode())

    def do_GET(self) -> None:
        self._body()
        api = self.server.api
        if _NEXT.match(self.path):
            invocation = api.next_invocation()
            if invocation is None:  # shutting down: the runtime waits, as in Lambda, until its sandbox goes
                self._hold_until_gone()
                return
            headers = {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_epoch_ms),
                "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
                "Lambda-Runtime-Trace-Id": invocation.trace_id,
            }
            if invocation.client_context:
                headers["Lambda-Runtime-Client-Context"] = invocation.client_context
            if invocation.cognito_identity:
                headers["Lambda-Runtime-Cognito-Identity"] = invocation.cognito_identity
            if invocation.tenant_id:
                headers["Lambda-Runtime-Aws-Tenant-Id"] = invocation.tenant_id
            self._send(HTTPStatus.OK, invocation.event, headers)
        elif _PING.match(self.path):
            self._send(HTTPStatus.OK, b"pong", content_type="text/plain")
        elif self.path == f"{_EXTENSION}/event/next":
            self._answer(*self.server.extensions.next_event(self.headers.get("Lambda-Extension-Identifier")))
        else:
            self._not_found()

    def do_POST(self) -> None:
        body = self._body()
        api = self.server.api
        error_type = self.headers.get(ERROR_TYPE_HEADER)
        if match := _RESPONSE.match(self.path):
            status, document = api.post_response(match["id"], body, self.headers.get("Content-Type", ""))
        elif match := _ERROR.match(self.path):
            status, document = api.post_error(match["id"], body, error_type)
        elif _INIT_ERROR.match(self.path):
            status, document = api.post_init_error(body, error_type)
        elif self.path.startswith(_EXTENSION + "/"):
            self._extension_post(self.path[len(_EXTENSION) + 1 :], body)
            return
        else:
            self._not_found()
            return
        self._send_json(status, document)

    def _extension_post(self, action: str, body: bytes) -> None:
        extensions = self.server.extensions
        identifier = self.headers.get("Lambda-Extension-Identifier")
        if action == "register":
            self._answer(
                *extensions.register(
                    self.headers.get("Lambda-Extension-Name"), body, self.headers.get("Lambda-Extension-Accept-Feature")
                )
            )
        elif action in ("init/error", "exit/error"):
            phase = action.split("/")[0]
            self._answer(
                *extensions.report_error(identifier, self.headers.get("Lambda-Extension-Function-Error-Type"), phase)
            )
        else:
            self._not_found()

    def do_PUT(self) -> None:
        body = self._body()
        api_name = _SUBSCRIBE.get(self.path)
        if api_name is None:
            self._not_found()
            return
        name = self.server.extensions.name_of(self.headers.get("Lambda-Extension-Identifier"))
        status, document = self.server.telemetry.subscribe(name, body, api_name)
        if status == 200 and name is not None:
            self.server.on_subscribe(name, self.server.telemetry)
        if isinstance(document, str):
            self._send(status, json.dumps(document).encode())
        else:
            self._send_json(status, document)

    def _answer(self, status: int, headers: dict[str, str], document: dict) -> None:
        self._send(status, json.dumps(document).encode(), headers)

    def _not_found(self) -> None:
        self._send_json(
            HTTPStatus.NOT_FOUND, {"errorMessage": f"Unknown path {self.path}", "errorType": "InvalidRequest"}
        )


class RuntimeApiServer(ThreadingHTTPServer):
    """An HTTP server for one `RuntimeApi`, on a given address and an ephemeral port."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        api: RuntimeApi,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        listener: socket.socket | None = None,
        extensions: ExtensionsApi | None = None,
        telemetry: TelemetryApi | None = None,
        on_subscribe: Callable[[str, TelemetryApi], None] = lambda name, api: None,
    ) -> None:
        """Serve on `listener` (a socket `listen.reserve` bound earlier), else on host:port."""
        self.api = api
        self.extensions = extensions or ExtensionsApi(
            function_name="", function_version="$LATEST", handler="", account_id=""
        )
        self.telemetry = telemetry or TelemetryApi(lambda host: None)
        self.on_subscribe = on_subscribe
        super().__init__(("", 0), _Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = listener if listener is not None else reserve(host, port)
        self.server_address = self.socket.getsockname()
        self._thread = threading.Thread(
            target=self.serve_forever, name="runtime-api", daemon=True, kwargs={"poll_interval": 0.01}
        )

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> RuntimeApiServer:
        self._thread.start()
        return self

    def handle_error(self, request: object, client_address: object) -> None:
        """A runtime or extension that hangs up mid-answer (the container is going away) is not an error."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)):
            log.debug("runtime api: %s hung up: %s", client_address, error)
            return
        log.warning("runtime api: error answering %s: %r", client_address, error)

    def close(self) -> None:
        self.api.close()
        self.extensions.close()
        self.telemetry.stop()
        if self._thread.is_alive():
            self.shutdown()
        self.server_close()
