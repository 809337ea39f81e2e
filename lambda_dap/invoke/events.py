"""What an `InvokeSession` reports while it works: one typed event stream for every front door.

The CLI prints each event's `text` (and the function's output bytes) as `sam local invoke` does; the DAP server maps
them onto `progress*`, `output`, `process` and `exited`. Events arrive from the session's threads, in order.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from lambda_dap.runtime import report

if TYPE_CHECKING:
    from lambda_dap.invoke.request import InvocationResult


@dataclass(frozen=True, eq=False)  # events compare by identity: no __eq__/__hash__ to build at import
class Event:
    @property
    def text(self) -> str | None:
        """The line `lambda-dap invoke` writes to stderr for this event, if any."""
        return None


@dataclass(frozen=True, eq=False)
class ImagePull(Event):
    """Progress of an image pull; `layer` empty for the pull as a whole, `done` on its last event."""

    image: str
    status: str
    layer: str = ""
    current_bytes: int | None = None
    total_bytes: int | None = None
    done: bool = False

    @property
    def text(self) -> str | None:
        if not self.layer and not self.done:
            return f"Pulling image {self.image} ..."
        if self.done:
            return None
        return f"  {self.layer}: {self.status}"


@dataclass(frozen=True, eq=False)
class DependencyInstall(Event):
    """Installing a function's requirements.txt or package.json into lambda-dap's cache: once when it starts,
    once `done` (with the time it took). A cached install sends none."""

    manifest: str  # the manifest as shown to the user (relative to the working directory when below it)
    installer: str  # "pip" | "npm"
    runtime: str
    architecture: str
    done: bool = False
    seconds: float | None = None

    @property
    def text(self) -> str | None:
        if self.done:
            return f"Installed dependencies from {self.manifest} in {self.seconds or 0.0:.1f} s"
        target = f"{self.runtime} ({self.architecture})"
        return f"Installing dependencies from {self.manifest} for {target} with {self.installer} ..."


@dataclass(frozen=True, eq=False)
class ContainerStarted(Event):
    container_id: str
    image: str
    function: str


@dataclass(frozen=True, eq=False)
class DebuggerEndpoint:
    """Where a function's debugger waits, and what an editor needs to attach to it."""

    debugger: str  # "debugpy", "delve", "Node.js inspector", ...
    family: str | None  # the runtime family: "python", "nodejs", "java", "go", "provided", "dotnet", "ruby"
    host: str  # where the first debug port is reachable on the host
    port: int
    container_address: tuple[str, int] | None = None  # the debugger itself, inside the container
    attach: dict | None = None  # a launch.json `attach` configuration for the editor's usual debugger
    path_mappings: list[dict[str, str]] = field(default_factory=list)  # localRoot -> remoteRoot, specific first
    ports: tuple[int, ...] = ()  # every published port


@dataclass(frozen=True, eq=False)
class DebuggerListening(Event):
    endpoint: DebuggerEndpoint
    announcement: str = ""

    @property
    def text(self) -> str | None:
        return self.announcement or None


@dataclass(frozen=True, eq=False)
class FunctionOutput(Event):
    """Bytes the function's runtime (or an extension, `source` its name) wrote, exactly as written."""

    stream: Literal["stdout", "stderr"]
    data: bytes
    source: str = "function"


@dataclass(frozen=True, eq=False)
class InvocationStarted(Event):
    request_id: str

    @property
    def text(self) -> str | None:
        return report.start_line(self.request_id)


@dataclass(frozen=True, eq=False)
class ResultPosted(Event):
    """The function's answer, as soon as the runtime posts it (extensions may still be working)."""

    result: InvocationResult


@dataclass(frozen=True, eq=False)
class TimedOut(Event):
    request_id: str
    timeout_s: float
    at: float = field(default_factory=time.time)  # when it timed out (epoch seconds)

    @property
    def text(self) -> str | None:
        return report.timeout_line(self.request_id, self.timeout_s, self.at)


@dataclass(frozen=True, eq=False)
class InvocationEnded(Event):
    request_id: str

    @property
    def text(self) -> str | None:
        return report.end_line(self.request_id)


@dataclass(frozen=True, eq=False)
class Reported(Event):
    """The REPORT figures: measured duration, the container's peak memory, the cold start."""

    request_id: str
    duration_ms: float
    memory_size_mb: int
    max_memory_used_mb: int | None
    init_duration_ms: float | None = None

    @property
    def billed_duration_ms(self) -> int:
        return report.billed_ms(self.duration_ms)

    @property
    def text(self) -> str | None:
        return report.report_line(
            self.request_id,
            duration_ms=self.duration_ms,
            memory_size_mb=self.memory_size_mb,
            max_memory_used_mb=self.max_memory_used_mb,
            init_duration_ms=self.init_duration_ms,
        )


@dataclass(frozen=True, eq=False)
class PlatformLog(Event):
    """A line Lambda itself writes to the function's log (EXTENSION, TELEMETRY, an extension's [ERROR])."""

    line: str

    @property
    def text(self) -> str | None:
        return self.line


@dataclass(frozen=True, eq=False)
class Notice(Event):
    """lambda-dap's own message to its user (layer downloads, ...)."""

    message: str

    @property
    def text(self) -> str | None:
        return self.message


@dataclass(frozen=True, eq=False)
class Warning(Event):
    message: str

    @property
    def text(self) -> str | None:
        return f"Warning: {self.message}"


EventSink = Callable[[Event], None]


def ignore(event: Event) -> None:
    """An event sink that drops everything."""
