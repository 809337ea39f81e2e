"""The Telemetry API (`/2022-07-01/telemetry`) and the older Logs API (`/2020-08-15/logs`).

A subscriber names an HTTP endpoint inside the sandbox (`http://sandbox.localdomain:PORT/...`); lambda-dap buffers
the records it asked for (function and extension log lines, platform events) and POSTs them there in JSON batches,
as Lambda does. `sandbox.localdomain` resolves to 0.0.0.0 in the container, so a subscriber that binds it listens on
every interface, and lambda-dap reaches it at the container's address from the host.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import socket

log = logging.getLogger(__name__)

TELEMETRY_SCHEMAS = ("2022-07-01", "2022-12-13", "2025-01-29")
LOGS_SCHEMAS = ("2020-08-15", "2021-03-18")
RECORD_TYPES = ("platform", "function", "extension")

Answer = tuple[int, dict[str, Any] | str]
Dial = Callable[[tuple[str, int], float], "socket.socket"]


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Subscriber:
    extension: str
    types: tuple[str, ...]
    host: str
    port: int
    path: str
    max_items: int
    max_bytes: int
    timeout_ms: int
    buffer: list[dict[str, Any]] = field(default_factory=list)
    buffered_bytes: int = 0
    oldest_at: float = 0.0


class TelemetryApi:
    """Subscriptions, and the delivery of records to them from a background thread."""

    def __init__(self, resolve_host: Callable[[str], str | None], dial: Dial | None = None) -> None:
        """`dial` opens the connection to a subscriber (an engine elsewhere: through lambda-dap's agent)."""
        self._resolve_host = resolve_host  # a sandbox host name -> an address the host can reach
        self._dial = dial
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Condition()
        self._open = True
        self._stopped = False
        self._thread: threading.Thread | None = None

    # --- subscriptions -------------------------------------------------------------------------------------------

    def subscribe(self, extension: str | None, body: bytes, api: str) -> Answer:
        if extension is None:
            return 403, {
                "errorType": "Extension.UnknownExtensionIdentifier",
                "errorMessage": "Lambda-Extension-Identifier does not name a registered extension",
            }
        try:
            document = json.loads(body)
            subscriber = self._parse(extension, document, api)
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            return 400, {"errorType": "ValidationError", "errorMessage": f"Invalid subscription: {e}"}
        with self._lock:
            if not self._open:
                return 403, {
                    "errorType": "Telemetry.SubscriptionClosed" if api == "telemetry" else "Logs.SubscriptionClosed",
                    "errorMessage": "Subscriptions close when init ends",
                }
            self._subscribers = [s for s in self._subscribers if s.extension != extension] + [subscriber]
            if self._thread is None:
                self._thread = threading.Thread(target=self._deliver_loop, name="telemetry", daemon=True)
                self._thread.start()
        return 200, "OK"

    @staticmethod
    def _parse(extension: str, document: dict[str, Any], api: str) -> Subscriber:
        schemas = TELEMETRY_SCHEMAS if api == "telemetry" else LOGS_SCHEMAS
        schema = document.get("schemaVersion", schemas[0])
        if schema not in schemas:
            raise ValueError(f"schemaVersion {schema!r} is not one of {', '.join(schemas)}")
        types = tuple(document["types"])
        if not types or any(t not in RECORD_TYPES for t in types):
            raise ValueError(f"types must be a non-empty subset of {list(RECORD_TYPES)}")
        destination = document["destination"]
        if destination.get("protocol") != "HTTP":
            raise ValueError("only the HTTP destination protocol is supported locally")
        url = urlsplit(destination["URI"])
        if url.scheme != "http" or not url.hostname or not url.port:
            raise ValueError("destination.URI must be http://sandbox.localdomain:PORT/...")
        if url.port == 9001:
            raise ValueError("port 9001 is reserved")
        buffering = document.get("buffering") or {}
        return Subscriber(
            extension=extension,
            types=types,
            host=url.hostname,
            port=url.port,
            path=url.path or "/",
            max_items=int(buffering.get("maxItems", 10_000)),
            max_bytes=int(buffering.get("maxBytes", 262_144)),
            timeout_ms=int(buffering.get("timeoutMs", 1_000)),
        )

    def close_subscriptions(self) -> None:
        with self._lock:
            self._open = False

    @property
    def subscribers(self) -> list[Subscriber]:
        with self._lock:
            return list(self._subscribers)

    # --- records -------------------------------------------------------------------------------------------------

    def record(self, category: str, record_type: str, record: Any) -> None:
        """Buffer one record (`category`: platform, function or extension) for its subscribers."""
        if not self._subscribers:
            return
        item = {"time": now_iso(), "type": record_type, "record": record}
        size = len(json.dumps(item))
        with self._lock:
            for subscriber in self._subscribers:
                if category in subscriber.types:
                    if not subscriber.buffer:
                        subscriber.oldest_at = time.monotonic()
                    subscriber.buffer.append(item)
                    subscriber.buffered_bytes += size
            self._lock.notify_all()

    def flush(self, timeout_s: float = 2.0) -> None:
        """Deliver everything buffered now (before END/REPORT are final, and before shutdown)."""
        for subscriber in self.subscribers:
            self._send(subscriber, timeout_s)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()

    def _deliver_loop(self) -> None:
        while True:
            with self._lock:
                if self._stopped:
                    return
                due = [s for s in self._subscribers if s.buffer and self._is_due(s)]
                if not due:
                    self._lock.wait(0.025)
                    continue
            for subscriber in due:
                self._send(subscriber, 2.0)

    @staticmethod
    def _is_due(subscriber: Subscriber) -> bool:
        return (
            len(subscriber.buffer) >= subscriber.max_items
            or subscriber.buffered_bytes >= subscriber.max_bytes
            or (time.monotonic() - subscriber.oldest_at) * 1000 >= subscriber.timeout_ms
        )

    def _send(self, subscriber: Subscriber, timeout_s: float) -> None:
        with self._lock:
            batch, subscriber.buffer, subscriber.buffered_bytes = subscriber.buffer, [], 0
        if not batch:
            return
        address = self._resolve_host(subscriber.host)
        if address is None:
            return
        body = json.dumps(batch).encode()
        for attempt in range(3):
            try:
                import http.client  # only when an extension subscribed: most invokes never need it

                connection = http.client.HTTPConnection(address, subscriber.port, timeout=timeout_s)
                if self._dial is not None:
                    connection.sock = self._dial((address, subscriber.port), timeout_s)
                connection.request("POST", subscriber.path, body=body, headers={"Content-Type": "application/json"})
                connection.getresponse().read()
                connection.close()
                return
            except OSError as e:
                log.debug("telemetry delivery to %s failed (%s), attempt %d", subscriber.extension, e, attempt + 1)
                time.sleep(0.05 * (attempt + 1))
