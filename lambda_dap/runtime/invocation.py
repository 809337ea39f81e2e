"""One invocation as the Runtime API sees it: queued, handed to the runtime, answered."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from lambda_dap.runtime.deadline import Deadline
from lambda_dap.runtime.ids import random_hex, random_uuid
from lambda_dap.runtime.outcome import Outcome

# Lambda refuses synchronous responses larger than this (bytes).
MAX_RESPONSE_BYTES = 6_291_556


def new_trace_id() -> str:
    """An X-Ray trace header value, as Lambda passes in `Lambda-Runtime-Trace-Id`."""
    return f"Root=1-{int(time.time()):08x}-{random_hex(24)};Parent={random_hex(16)};Sampled=0"


@dataclass
class Invocation:
    """An event on its way through the runtime, and what came back."""

    event: bytes
    timeout_s: float  # the function's Timeout: what `context.get_remaining_time_in_millis()` counts down from
    function_arn: str
    enforce_timeout: bool = True  # False: the clock runs but never ends the invocation (a debugger is attached)
    request_id: str = field(default_factory=random_uuid)
    trace_id: str = field(default_factory=lambda: new_trace_id())
    client_context: str | None = None
    cognito_identity: str | None = None
    tenant_id: str | None = None  # a multi-tenant function's tenant (`Lambda-Runtime-Aws-Tenant-Id`)

    outcome: Outcome | None = None
    payload: bytes = b""
    content_type: str = "application/json"
    error_type: str | None = None
    started_at: float | None = None  # monotonic, when the runtime received the event
    init_retry_at: float | None = None  # monotonic, when an init still running past its limit was retried (Lambda)
    deadline_epoch_ms: int = 0
    responded_at: float | None = None
    deadline: Deadline | None = None
    _done: threading.Event = field(default_factory=threading.Event, repr=False)

    def hand_out(self) -> None:
        """The runtime took the event: the clock starts now."""
        self.started_at = time.monotonic()
        self.deadline = Deadline(self.timeout_s, enforced=self.enforce_timeout)
        self.deadline_epoch_ms = int((time.time() + self.timeout_s) * 1000)

    @property
    def handed_out(self) -> bool:
        return self.started_at is not None

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None) -> bool:
        return self._done.wait(timeout)

    def finish(
        self, outcome: Outcome, payload: bytes, *, content_type: str = "application/json", error_type: str | None = None
    ) -> bool:
        """Record the answer once; later answers are ignored. Returns whether this call recorded it."""
        if self._done.is_set():
            return False
        self.outcome = outcome
        self.payload = payload
        self.content_type = content_type
        self.error_type = error_type
        self.responded_at = time.monotonic()
        self._done.set()
        return True

    def finish_with_error(self, outcome: Outcome, error_type: str, message: str) -> bool:
        body = json.dumps({"errorType": error_type, "errorMessage": message}).encode()
        return self.finish(outcome, body, error_type=error_type)

    @property
    def duration_ms(self) -> float:
        """From the runtime's taking the event, or for an event never taken, from the init's retry within the
        invocation (the invoke phase Lambda bills for it); 0 for one that ended before either."""
        began = self.started_at if self.started_at is not None else self.init_retry_at
        if began is None:
            return 0.0
        end = self.responded_at if self.responded_at is not None else time.monotonic()
        return max(0.0, (end - began) * 1000.0)
