"""The attach configuration an editor needs for a waiting debugger, and the one line that announces it."""

from __future__ import annotations

import json
from typing import Any

from lambda_dap.debug.settings import DebugSettings


def attach_configuration(
    family: str | None, host: str, port: int, path_mappings: list[dict[str, str]], code_dir: str | None
) -> dict[str, Any] | None:
    """A launch.json `attach` entry for the editor's usual debugger of this runtime family."""
    host = "127.0.0.1" if host == "0.0.0.0" else host
    code = code_dir or "${workspaceFolder}"
    if family == "python":
        return {
            "type": "debugpy",
            "request": "attach",
            "connect": {"host": host, "port": port},
            "pathMappings": path_mappings,
            "justMyCode": False,
        }
    if family == "nodejs":
        return {
            "type": "node",
            "request": "attach",
            "address": host,
            "port": port,
            "localRoot": code,
            "remoteRoot": "/var/task",
        }
    if family == "java":
        return {"type": "java", "request": "attach", "hostName": host, "port": port}
    if family in ("go", "provided"):
        # no substitutePath: a Go binary's debug info names the files it was built from, wherever that was
        return {"type": "go", "request": "attach", "mode": "remote", "host": host, "port": port}
    if family == "ruby":
        return {"type": "rdbg", "request": "attach", "debugPort": f"{host}:{port}", "localfsMap": f"/var/task:{code}"}
    return None


def waiting_line(
    settings: DebugSettings, host: str, ports: tuple[int, ...], configuration: dict[str, Any] | None
) -> str:
    """One stderr line: where the debugger waits, and the attach configuration to paste."""
    if not settings.port_is_protocol:
        return (
            f"Debugger ({settings.debugger}) is mounted at /tmp/lambci_debug_files; the function waits for it. "
            f"Ports published on {host}: {', '.join(map(str, ports))}"
        )
    attach = f" Attach with: {json.dumps(configuration)}" if configuration else ""
    return (
        f"Debugger ({settings.debugger}) waiting for a client on {host}:{ports[0]}; the function starts once "
        f"attached.{attach}"
    )
