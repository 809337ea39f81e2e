"""Child sessions for debuggers that do not speak DAP (Node.js's inspector, Java's JDWP): the attach configuration
the editor's own debug adapter (vscode-js-debug's `pwa-node`, vscode-java-debug's `java`) needs for the port the
engine published on the host, sent as the `configuration` of a `startDebugging` reverse request."""

from __future__ import annotations

from typing import Any

REMOTE_CODE_ROOT = "/var/task"
PYTHON_ONLY = frozenset({"justMyCode", "showReturnValue"})  # flat fields a launch configuration gives debugpy


def child_configuration(endpoint: Any, mappings: list[dict[str, str]], extra: dict[str, Any]) -> dict[str, Any] | None:
    """The attach configuration for `endpoint` (an engine `DebuggerEndpoint`), None when there is none.

    `mappings` are the launch configuration's own path mappings (they win over the engine's), `extra` its
    `debuggerArguments` (merged last)."""
    family = getattr(endpoint, "family", None)
    host = "127.0.0.1" if endpoint.host in ("", "0.0.0.0") else endpoint.host
    name = f"{endpoint.debugger} on {host}:{endpoint.port}"
    if family == "nodejs":
        local, remote = _code_root(endpoint, mappings)
        configuration: dict[str, Any] = {
            "type": "pwa-node",
            "request": "attach",
            "name": name,
            "address": host,
            "port": endpoint.port,
            "remoteRoot": remote,
            "continueOnAttach": True,  # node waits on its first line (--inspect-brk) until the debugger lets it go
            "skipFiles": ["<node_internals>/**", "/var/runtime/**"],
        }
        if local:
            configuration["localRoot"] = local
    elif family == "java":
        configuration = {"type": "java", "request": "attach", "name": name, "hostName": host, "port": endpoint.port}
    else:
        attach = getattr(endpoint, "attach", None)
        if not attach:
            return None
        configuration = dict(attach)
    configuration.update({key: value for key, value in extra.items() if key not in PYTHON_ONLY})
    return configuration


def _code_root(endpoint: Any, mappings: list[dict[str, str]]) -> tuple[str | None, str]:
    """localRoot/remoteRoot: the configuration's first mapping, else the engine's mapping of the code directory."""
    for mapping in mappings:
        if mapping.get("localRoot") and mapping.get("remoteRoot"):
            return mapping["localRoot"], mapping["remoteRoot"]
    for mapping in getattr(endpoint, "path_mappings", None) or []:
        if mapping.get("localRoot") and mapping.get("remoteRoot") == REMOTE_CODE_ROOT:
            return mapping["localRoot"], REMOTE_CODE_ROOT
    attach = getattr(endpoint, "attach", None) or {}
    local = attach.get("localRoot")
    return (local if local and "${" not in local else None), attach.get("remoteRoot") or REMOTE_CODE_ROOT
