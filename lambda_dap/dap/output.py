"""Engine events (`lambda_dap.invoke.events`) as DAP events: output, progress.

Events are told apart by class name, so this module needs nothing from the engine at import time.
"""

from __future__ import annotations

import codecs
import itertools
import logging
import threading
from collections.abc import Callable
from typing import Any

from lambda_dap.dap import messages
from lambda_dap.dap.messages import Message

log = logging.getLogger(__name__)

_CONSOLE_EVENTS = ("Notice", "PlatformLog", "Warning", "Reported", "TimedOut")
_QUIET_EVENTS = ("ContainerStarted", "DebuggerListening", "InvocationStarted", "InvocationEnded")
_progress_ids = itertools.count(1)


class EventMapper:
    """Turns engine events into DAP events sent with `send`; safe to call from any thread."""

    def __init__(self, send: Callable[[Message], Any], *, progress: bool) -> None:
        self._send = send
        self._progress = progress
        self._lock = threading.Lock()
        self._decoders: dict[tuple[str, str], codecs.IncrementalDecoder] = {}
        self._pulls: dict[str, str] = {}  # image -> progressId
        self._installs: dict[str, str] = {}  # manifest -> progressId
        self.console_banner: bytes | None = None  # a chunk of the function's output starting so is the debugger's

    def __call__(self, event: object) -> None:
        kind = type(event).__name__
        try:
            if kind == "FunctionOutput":
                self._output(event)
            elif kind == "ImagePull":
                self._pull(event)
            elif kind == "DependencyInstall":
                self._install(event)
            elif kind == "ResultPosted":
                self._result(event)
            elif kind in _CONSOLE_EVENTS:
                text = getattr(event, "text", None)
                if text:
                    self._send(messages.output(text if text.endswith("\n") else text + "\n"))
            elif kind not in _QUIET_EVENTS:
                log.debug("engine event %s not shown", kind)
        except OSError as error:  # the editor is gone; the session notices on its own
            log.debug("could not send %s: %s", kind, error)

    def _output(self, event: Any) -> None:
        banner = self.console_banner
        if banner and event.data.startswith(banner) and event.data.endswith(b"\n"):  # the debugger speaking
            self._send(messages.output(event.data.decode("utf-8", "replace")))
            return
        stream = "stderr" if event.stream == "stderr" else "stdout"
        key = (stream, getattr(event, "source", "function"))
        with self._lock:  # one decoder per stream: a character split across chunks stays whole
            decoder = self._decoders.setdefault(key, codecs.getincrementaldecoder("utf-8")(errors="replace"))
            text = decoder.decode(event.data)
            if text:
                self._send(messages.output(text, stream))

    def _result(self, event: Any) -> None:
        result = event.result
        payload = getattr(result, "payload", b"") or b""
        text = payload.decode("utf-8", errors="replace")
        if text:
            self._send(messages.output(text if text.endswith("\n") else text + "\n"))

    def _pull(self, event: Any) -> None:
        image = event.image
        status = event.status or "Pulling"
        total, current = event.total_bytes, event.current_bytes
        if not self._progress:
            with self._lock:
                first = image not in self._pulls
                self._pulls.setdefault(image, "")
            if first:
                self._send(messages.output(f"Pulling image {image}...\n"))
            return
        with self._lock:
            progress_id = self._pulls.get(image)
            if progress_id is None:
                progress_id = self._pulls[image] = f"lambda-dap-pull-{next(_progress_ids)}"
                start = True
            else:
                start = False
        if start:
            self._send(
                messages.event(
                    "progressStart", {"progressId": progress_id, "title": f"Pulling {image}", "message": status}
                )
            )
            return
        body: dict[str, Any] = {"progressId": progress_id, "message": status}
        if total and current is not None:
            body["percentage"] = max(0.0, min(100.0, 100.0 * current / total))
        self._send(messages.event("progressUpdate", body))

    def _install(self, event: Any) -> None:
        """Installing dependencies: a progress bar from start to done, else its two lines as output."""
        if not self._progress:
            self._send(messages.output(event.text + "\n"))
            return
        with self._lock:
            if event.done:
                progress_id = self._installs.pop(event.manifest, None)
            else:
                progress_id = self._installs[event.manifest] = f"lambda-dap-deps-{next(_progress_ids)}"
        if progress_id is None:
            return
        if event.done:
            self._send(messages.event("progressEnd", {"progressId": progress_id, "message": event.text}))
            return
        body = {"progressId": progress_id, "title": "Installing dependencies", "message": event.text}
        self._send(messages.event("progressStart", body))

    def end_progress(self) -> None:
        """End every progress bar still open (the image is there, or preparing failed)."""
        with self._lock:
            ids, self._pulls = [p for p in self._pulls.values() if p], {}
            ids += self._installs.values()
            self._installs = {}
        for progress_id in ids:
            self._send(messages.event("progressEnd", {"progressId": progress_id}))

    def flush(self) -> None:
        """Send what the decoders still hold (an incomplete character at the very end)."""
        with self._lock:
            pending = [(key, decoder.decode(b"", final=True)) for key, decoder in self._decoders.items()]
            self._decoders.clear()
        for (stream, _source), text in pending:
            if text:
                self._send(messages.output(text, stream))
