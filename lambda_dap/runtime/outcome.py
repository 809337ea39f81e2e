"""How an invocation ended: the runtime layer's one word of vocabulary that every layer above shares."""

from __future__ import annotations

from enum import Enum


class Outcome(Enum):
    SUCCESS = "success"
    FUNCTION_ERROR = "error"  # the handler raised or the runtime posted /error
    INIT_ERROR = "init_error"  # the runtime posted /init/error
    TIMEOUT = "timeout"
    RUNTIME_EXITED = "runtime_exited"

    @property
    def telemetry_status(self) -> str:
        """The status platform.runtimeDone and platform.report give it."""
        return {Outcome.SUCCESS: "success", Outcome.TIMEOUT: "timeout"}.get(self, "error")
