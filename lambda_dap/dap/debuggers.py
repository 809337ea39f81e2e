"""How the session talks to each debugger that speaks DAP itself: the upstream `initialize` and `attach`
arguments, and which of its messages are noise. A new debugger is one more `DapDebugger`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lambda_dap.dap.messages import Message

PathMappings = list[dict[str, str]]


def _forced_initialize(client_arguments: dict[str, Any], relays: frozenset[str]) -> dict[str, Any]:
    """The editor's `initialize` arguments, minus what the adapter does not relay: paths only, and no reverse
    requests (a debugger in a container must not start processes or sessions on the editor's host) unless the
    debugger's profile relays them and the editor supports them."""
    arguments = dict(client_arguments)
    arguments["pathFormat"] = "path"
    for command, flag in (
        ("runInTerminal", "supportsRunInTerminalRequest"),
        ("startDebugging", "supportsStartDebuggingRequest"),
    ):
        arguments[flag] = command in relays and bool(client_arguments.get(flag))
    arguments.setdefault("linesStartAt1", True)
    arguments.setdefault("columnsStartAt1", True)
    return arguments


def _debugpy_attach(path_mappings: PathMappings, extra: dict[str, Any]) -> dict[str, Any]:
    arguments: dict[str, Any] = {"justMyCode": False, "redirectOutput": False}  # output comes from the engine
    arguments.update(extra)
    arguments["pathMappings"] = list(extra.get("pathMappings") or []) + path_mappings
    return arguments


def _delve_attach(path_mappings: PathMappings, extra: dict[str, Any]) -> dict[str, Any]:
    """delve's `attach` to its headless server. A Go binary's debug info names the files it was compiled from (the
    host's, for a host build), so the engine's code dir -> /var/task mapping would only break breakpoints: delve
    gets the configuration's own mappings (`pathMappings`, `substitutePath`) and nothing else."""
    arguments: dict[str, Any] = {"mode": "remote"}
    arguments.update(extra)
    substitute = [{"from": m["localRoot"], "to": m["remoteRoot"]} for m in path_mappings]
    arguments["substitutePath"] = list(extra.get("substitutePath") or []) + substitute
    return arguments


def _debugpy_noise(message: Message) -> bool:
    if message.get("type") != "event":
        return False
    name = message.get("event")
    if name in ("debugpySockets", "debugpyWaitingForServer", "debugpyAttach"):
        return True
    return name == "output" and (message.get("body") or {}).get("category") == "telemetry"


@dataclass(frozen=True)
class DapDebugger:
    """A debugger in the container that speaks DAP, and the arguments the session gives it."""

    name: str
    attach_arguments: Callable[[PathMappings, dict[str, Any]], dict[str, Any]]
    is_noise: Callable[[Message], bool] = field(default=lambda message: False)
    relays: frozenset[str] = frozenset()  # reverse requests passed on to the editor (when it supports them)
    sends_process: bool = True  # False: the session sends the `process` event itself
    maps_code_dir: bool = True  # the engine's code dir -> /var/task (and layer) mappings apply to its sources
    # How the session leaves it when the editor goes: True, the debugger ends the debuggee on `disconnect
    # {terminateDebuggee: true}` and the function ends with it; False (delve with --accept-multiclient, whose target
    # stays halted after a client leaves, and whose terminateDebuggee kills the runtime): clear the editor's
    # breakpoints, `continue`, then `disconnect {terminateDebuggee: false}`, so the function runs to its end.
    terminates_on_disconnect: bool = True
    banner: bytes | None = None  # how the debugger's own line in the container's output starts (shown as console)

    def initialize_arguments(self, client_arguments: dict[str, Any]) -> dict[str, Any]:
        return _forced_initialize(client_arguments, self.relays)


DEBUGPY = DapDebugger("debugpy", _debugpy_attach, _debugpy_noise)
DELVE = DapDebugger(
    "delve",
    _delve_attach,
    sends_process=False,
    maps_code_dir=False,
    terminates_on_disconnect=False,
    banner=b"API server listening at: ",
)

_BY_NAME = {"debugpy": DEBUGPY, "delve": DELVE, "dlv": DELVE}


def dap_debugger(name: str | None) -> DapDebugger | None:
    """The DAP debugger an engine `DebuggerEndpoint.debugger` names; None for debuggers that do not speak DAP."""
    return _BY_NAME.get((name or "").lower())
