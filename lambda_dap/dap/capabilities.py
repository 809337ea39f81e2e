"""The capabilities the adapter answers `initialize` with, before it knows which debugger it will relay to.

A copy of debugpy's static `initialize` body (debugpy 1.8.x, `adapter/clients.py`): Python is the main target and
the copy is what gets relayed. Once the real debugger has answered its own `initialize`, the session sends a
`capabilities` event with whatever differs (delve, or a child session's adapter).
"""

from __future__ import annotations

from typing import Any

DEBUGPY_EXCEPTION_FILTERS: list[dict[str, Any]] = [
    {
        "filter": "raised",
        "label": "Raised Exceptions",
        "default": False,
        "description": "Break whenever any exception is raised.",
    },
    {
        "filter": "uncaught",
        "label": "Uncaught Exceptions",
        "default": True,
        "description": "Break when the process is exiting due to unhandled exception.",
    },
    {
        "filter": "userUnhandled",
        "label": "User Uncaught Exceptions",
        "default": False,
        "description": "Break when exception escapes into library code.",
    },
]

DEBUGPY_CAPABILITIES: dict[str, Any] = {
    "supportsCompletionsRequest": True,
    "supportsConditionalBreakpoints": True,
    "supportsConfigurationDoneRequest": True,
    "supportsDebuggerProperties": True,
    "supportsDelayedStackTraceLoading": True,
    "supportsEvaluateForHovers": True,
    "supportsExceptionInfoRequest": True,
    "supportsExceptionOptions": True,
    "supportsFunctionBreakpoints": True,
    "supportsHitConditionalBreakpoints": True,
    "supportsLogPoints": True,
    "supportsModulesRequest": True,
    "supportsSetExpression": True,
    "supportsSetVariable": True,
    "supportsValueFormattingOptions": True,
    "supportsTerminateDebuggee": True,
    "supportsTerminateRequest": True,
    "supportsGotoTargetsRequest": True,
    "supportsClipboardContext": True,
    "exceptionBreakpointFilters": DEBUGPY_EXCEPTION_FILTERS,
    "supportsStepInTargetsRequest": True,
}


def initial_capabilities() -> dict[str, Any]:
    """The `initialize` response body (a fresh copy)."""
    body = {key: value for key, value in DEBUGPY_CAPABILITIES.items() if key != "exceptionBreakpointFilters"}
    body["exceptionBreakpointFilters"] = [dict(f) for f in DEBUGPY_EXCEPTION_FILTERS]
    return body


def changed_capabilities(advertised: dict[str, Any], actual: dict[str, Any]) -> dict[str, Any]:
    """What a `capabilities` event must say so the editor's view matches the debugger's real `initialize` body.

    Only flags the session relays as-is; a flag the debugger lacks becomes False."""
    changes = {key: value for key, value in actual.items() if advertised.get(key) != value}
    for key, value in advertised.items():
        if key not in actual and value not in (False, None, []):
            changes[key] = [] if isinstance(value, list) else False
    return changes
