"""The Lambda Extensions API (`/2020-01-01/extension/...`): registration, events and the extensions' lifecycle.

Lambda's rules, as reference/lambda-extensions.md gathers them: at most 10 extensions; registration closes at the
runtime's first `invocation/next`; INVOKE goes to every subscriber with the handler's request id and deadline; an
invocation ends when every INVOKE subscriber is back in `event/next`; SHUTDOWN goes to external subscribers only.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambda_dap.runtime.ids import is_uuid, random_uuid

MAX_EXTENSIONS = 10
EVENT_TYPES = ("INVOKE", "SHUTDOWN")

Answer = tuple[int, dict[str, str], dict[str, Any]]


def _error(status: int, error_type: str, message: str) -> Answer:
    return status, {}, {"errorMessage": message, "errorType": error_type}


@dataclass
class Extension:
    name: str
    identifier: str
    events: tuple[str, ...]
    external: bool
    waiting: bool = False  # blocked in event/next
    polled_once: bool = False
    failed: bool = False
    gone: bool = False  # its process exited
    pending: deque[dict[str, Any]] = field(default_factory=deque)
    outstanding: set[str] = field(default_factory=set)  # request ids it has not come back from


@dataclass(frozen=True)
class Failure:
    extension: str
    error_type: str
    message: str


class ExtensionsApi:
    """Registered extensions and their events, for one sandbox."""

    def __init__(self, *, function_name: str, function_version: str, handler: str, account_id: str) -> None:
        self._describe = {"functionName": function_name, "functionVersion": function_version, "handler": handler}
        self._account_id = account_id
        self._cond = threading.Condition()
        self._by_id: dict[str, Extension] = {}
        self._registration_open = True
        self._closed = False
        self.names_source: Callable[[], list[str] | None] = lambda: None  # the files started from /opt/extensions
        self.failure: Failure | None = None

    # --- the extensions' side ------------------------------------------------------------------------------------

    def register(self, name: str | None, body: bytes, accept_feature: str | None) -> Answer:
        if not name:
            return _error(403, "Extension.InvalidExtensionName", "Lambda-Extension-Name header is required")
        try:
            document = json.loads(body) if body.strip() else {}
            events = tuple(document.get("events") or ())
            if not isinstance(document, dict) or not all(isinstance(e, str) for e in events):
                raise ValueError("events must be a list of strings")
        except (ValueError, AttributeError) as e:
            return _error(403, "InvalidRequestFormat", f"Cannot parse the register body: {e}")
        unknown = [event for event in events if event not in EVENT_TYPES]
        if unknown:
            return _error(
                403, "Extension.InvalidEventType", f"Unknown event types {unknown}; allowed: INVOKE, SHUTDOWN"
            )
        with self._cond:
            if not self._registration_open:
                return _error(403, "Extension.RegistrationClosed", "Registration is closed: the runtime has started")
            if any(extension.name == name for extension in self._by_id.values()):
                return _error(403, "Extension.InvalidExtensionState", f"Extension '{name}' is already registered")
            if len(self._by_id) >= MAX_EXTENSIONS:
                return _error(403, "Extension.TooManyExtensions", f"At most {MAX_EXTENSIONS} extensions can register")
            external = name in (self.names_source() or ())
            if "SHUTDOWN" in events and not external:
                return _error(403, "Extension.InvalidEventType", "Internal extensions cannot subscribe to SHUTDOWN")
            identifier = random_uuid()
            self._by_id[identifier] = Extension(name, identifier, events, external)
            self._cond.notify_all()
        body_out = dict(self._describe)
        if accept_feature and "accountId" in accept_feature:
            body_out["accountId"] = self._account_id
        return 200, {"Lambda-Extension-Identifier": identifier}, body_out

    def _lookup(self, identifier: str | None) -> Extension | Answer:
        if not identifier:
            return _error(403, "Extension.MissingExtensionIdentifier", "Lambda-Extension-Identifier header is required")
        if not is_uuid(identifier):
            return _error(403, "Extension.InvalidExtensionIdentifier", f"Malformed identifier {identifier!r}")
        extension = self._by_id.get(identifier)
        if extension is None:
            return _error(403, "Extension.UnknownExtensionIdentifier", f"No extension registered as {identifier}")
        return extension

    def name_of(self, identifier: str | None) -> str | None:
        extension = self._by_id.get(identifier or "")
        return extension.name if extension is not None else None

    def next_event(self, identifier: str | None) -> Answer:
        """Long poll: the extension's next event (blocks until there is one)."""
        with self._cond:
            found = self._lookup(identifier)
            if not isinstance(found, Extension):
                return found
            extension = found
            if extension.failed:
                return _error(403, "Extension.InvalidExtensionState", "The extension reported an error; it must exit")
            extension.polled_once = True
            extension.outstanding.clear()
            extension.waiting = True
            self._cond.notify_all()
            while not extension.pending and not self._closed:
                self._cond.wait()
            extension.waiting = False
            if not extension.pending:
                return _error(500, "Extension.ShuttingDown", "The environment is shutting down")
            event = extension.pending.popleft()
            if event["eventType"] == "INVOKE":
                extension.outstanding.add(event["requestId"])
            self._cond.notify_all()
        return 200, {"Lambda-Extension-Event-Identifier": random_uuid()}, event

    def report_error(self, identifier: str | None, error_type: str | None, phase: str) -> Answer:
        """`init/error` or `exit/error`: the extension failed; Lambda fails the init or the invocation."""
        with self._cond:
            found = self._lookup(identifier)
            if not isinstance(found, Extension):
                return found
            if not error_type:
                return _error(403, "Extension.MissingHeader", "Lambda-Extension-Function-Error-Type header is required")
            found.failed = True
            self._fail(Failure(found.name, error_type, f"extension '{found.name}' reported an {phase} error"))
        return 202, {}, {"status": "OK"}

    # --- the sandbox's side --------------------------------------------------------------------------------------

    def _fail(self, failure: Failure) -> None:
        if self.failure is None:
            self.failure = failure
        self._cond.notify_all()

    def fail(self, failure: Failure) -> None:
        with self._cond:
            self._fail(failure)

    def mark_exited(self, name: str) -> None:
        with self._cond:
            for extension in self._by_id.values():
                if extension.name == name:
                    extension.gone = True
            self._cond.notify_all()

    def close_registration(self) -> None:
        with self._cond:
            self._registration_open = False

    @property
    def registered(self) -> list[Extension]:
        with self._cond:
            return list(self._by_id.values())

    def wait_ready(self, names: set[str], timeout_s: float) -> set[str]:
        """Wait until every extension in `names` registered and waits in event/next; returns the missing ones."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while True:
                ready = {e.name for e in self._by_id.values() if e.polled_once and e.waiting}
                missing = names - ready
                remaining = deadline - time.monotonic()
                if not missing or self.failure is not None or self._closed or remaining <= 0:
                    return missing
                self._cond.wait(remaining)

    def dispatch(self, event: dict[str, Any], event_type: str, *, external_only: bool = False) -> list[str]:
        """Queue an event for every subscriber; returns their names."""
        with self._cond:
            receivers = [
                e
                for e in self._by_id.values()
                if event_type in e.events and not e.failed and (e.external or not external_only)
            ]
            for extension in receivers:
                extension.pending.append(event)
            self._cond.notify_all()
        return [extension.name for extension in receivers]

    def wait_back(
        self,
        request_id: str | None,
        timeout_s: float | None,
        *,
        names: list[str] | None = None,
        stop_on_failure: bool = True,
    ) -> bool:
        """Wait until the subscribers are back in event/next (after INVOKE `request_id`, or any pending event)."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s

        def done() -> bool:
            for extension in self._by_id.values():
                if names is not None and extension.name not in names:
                    continue
                if extension.failed or extension.gone:
                    continue
                if request_id is not None and request_id in extension.outstanding:
                    return False
                if extension.pending or not extension.waiting:
                    return False
            return True

        with self._cond:
            while True:
                if stop_on_failure and self.failure is not None:
                    return False
                if done():
                    return True
                if self._closed:
                    return False
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining if remaining is not None else 0.5)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
