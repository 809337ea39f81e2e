"""`workspace/executeCommand`: the code lenses' commands.

`lambda-dap.debug` and `lambda-dap.invoke`, one argument `{"template": URI or path, "function": logical ID,
"write": true}`: the launch configuration for that function (`noDebug: true` for invoke) is added to (or replaced
in) the workspace folder's `.vscode/launch.json` unless `write` is false, and returned as
`{"configuration": {...}, "launchJson": URI, "workspaceFolder": URI, "written": bool}` so a client can start it
(VS Code: `vscode.debug.startDebugging(folder, configuration)`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pygls.exceptions import JsonRpcException

from lambda_dap.errors import LambdaDapError, LspCommandError
from lambda_dap.lsp.launchjson import launch_configuration, write_launch_json
from lambda_dap.lsp.project import path_to_uri, uri_to_path
from lambda_dap.lsp.server import LambdaLanguageServer  # evaluated: pygls reads command handlers' annotations

DEBUG_COMMAND = "lambda-dap.debug"
INVOKE_COMMAND = "lambda-dap.invoke"
COMMANDS = (INVOKE_COMMAND, DEBUG_COMMAND)
INVALID_PARAMS, REQUEST_FAILED = -32602, -32803


def register(server: LambdaLanguageServer) -> None:
    @server.command(DEBUG_COMMAND)
    def debug(ls: LambdaLanguageServer, *arguments: Any) -> dict[str, Any]:
        return _answer(ls, arguments, debug=True)

    @server.command(INVOKE_COMMAND)
    def invoke(ls: LambdaLanguageServer, *arguments: Any) -> dict[str, Any]:
        return _answer(ls, arguments, debug=False)


def _answer(ls: LambdaLanguageServer, arguments: tuple[Any, ...], *, debug: bool) -> dict[str, Any]:
    """The command's result; a LambdaDapError becomes the response's error (its message, `data.code`)."""
    try:
        return run_launch_command(ls, arguments, debug=debug)
    except LambdaDapError as error:
        code = INVALID_PARAMS if isinstance(error, LspCommandError) else REQUEST_FAILED
        raise JsonRpcException(error.message, code=code, data={"code": error.code}) from None


def lens_arguments(template: Path, logical_id: str) -> list[dict[str, Any]]:
    return [{"template": path_to_uri(template), "function": logical_id}]


def run_launch_command(ls: LambdaLanguageServer, arguments: tuple[Any, ...], *, debug: bool) -> dict[str, Any]:
    command = DEBUG_COMMAND if debug else INVOKE_COMMAND
    request = _argument(arguments, command)
    template = _template_path(request.get("template"), command)
    logical_id = request.get("function")
    project = ls.project
    model = project.model(template)
    if model is None:
        raise LspCommandError(f"{command}: template {template} does not exist or does not parse")
    if not isinstance(logical_id, str) or model.function(logical_id) is None:
        functions = ", ".join(entry.logical_id for entry in model.functions) or "none"
        raise LspCommandError(f"{command}: function: no function {logical_id!r} in {template.name} ({functions})")
    folder = project.folder_of(template)
    config = launch_configuration(template, logical_id, folder, debug=debug)
    launch_json = folder / ".vscode" / "launch.json"
    written = request.get("write", True) is not False
    if written:
        write_launch_json(launch_json, project.text(launch_json), config)
    return {
        "configuration": config,
        "launchJson": path_to_uri(launch_json),
        "workspaceFolder": path_to_uri(folder),
        "written": written,
    }


def _argument(arguments: tuple[Any, ...], command: str) -> dict[str, Any]:
    if len(arguments) == 1 and isinstance(arguments[0], dict):
        return arguments[0]
    if len(arguments) == 1 and hasattr(arguments[0], "__dict__"):  # pygls may hand over a converted object
        return dict(vars(arguments[0]))
    raise LspCommandError(f'{command}: expected one argument {{"template": URI, "function": logical ID}}')


def _template_path(value: Any, command: str) -> Path:
    if not isinstance(value, str) or not value:
        raise LspCommandError(f"{command}: template: expected the template's URI or path")
    path = uri_to_path(value) if "://" in value else Path(value)
    if path is None:
        raise LspCommandError(f"{command}: template: {value!r} is not a file URI")
    return Path(os.path.abspath(path))
