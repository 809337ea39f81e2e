"""The attach configuration an editor needs for a waiting debugger, and the one line that announces it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lambda_dap.debug.settings import DebugSettings
from lambda_dap.request import DebugOptions
from lambda_dap.template.model import Function


def path_mappings(function: Function, code_dir: Path | None) -> list[dict[str, str]]:
    """Local sources to container paths: each local layer's python/ to /opt/python first (more specific), then the
    code directory to /var/task."""
    mappings = []
    for layer in function.layers:
        if layer.content_path is not None and (layer.content_path / "python").is_dir():
            mappings.append({"localRoot": str(layer.content_path.resolve() / "python"), "remoteRoot": "/opt/python"})
    if code_dir is not None:
        mappings.append({"localRoot": str(code_dir), "remoteRoot": "/var/task"})
    return mappings


def attach_configuration(family: str | None, options: DebugOptions, function: Function,
                         code_dir: Path | None) -> dict[str, Any] | None:
    """A launch.json `attach` entry for the editor's usual debugger of this runtime family."""
    host, port = options.host_ip if options.host_ip != "0.0.0.0" else "127.0.0.1", options.port
    code = str(code_dir) if code_dir else "${workspaceFolder}"
    if family == "python":
        return {"type": "debugpy", "request": "attach", "connect": {"host": host, "port": port},
                "pathMappings": path_mappings(function, code_dir), "justMyCode": False}
    if family == "nodejs":
        return {"type": "node", "request": "attach", "address": host, "port": port, "localRoot": code,
                "remoteRoot": "/var/task"}
    if family == "java":
        return {"type": "java", "request": "attach", "hostName": host, "port": port}
    if family in ("go", "provided"):
        return {"type": "go", "request": "attach", "mode": "remote", "host": host, "port": port,
                "substitutePath": [{"from": code, "to": "/var/task"}]}
    if family == "ruby":
        return {"type": "rdbg", "request": "attach", "debugPort": f"{host}:{port}", "localfsMap": f"/var/task:{code}"}
    return None


def waiting_line(settings: DebugSettings, family: str | None, options: DebugOptions, function: Function,
                 code_dir: Path | None) -> str:
    """One stderr line: where the debugger waits, and the attach configuration to paste."""
    if not settings.port_is_protocol:
        return (f"Debugger ({settings.debugger}) is mounted at /tmp/lambci_debug_files; the function waits for it. "
                f"Ports published on {options.host_ip}: {', '.join(map(str, options.ports))}")
    where = f"{options.host_ip}:{options.port}"
    configuration = attach_configuration(family, options, function, code_dir)
    attach = f" Attach with: {json.dumps(configuration)}" if configuration else ""
    return f"Debugger ({settings.debugger}) waiting for a client on {where}; the function starts once attached.{attach}"
