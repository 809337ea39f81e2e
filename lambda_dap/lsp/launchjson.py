"""The launch configuration for one template function, and adding it to `.vscode/launch.json` by text edits that
keep the file's comments, order and indentation (an entry of the same name is replaced, else appended)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lambda_dap.errors import LaunchJsonError
from lambda_dap.lsp.jsonc import JsoncError, parse_jsonc
from lambda_dap.lsp.nodes import Node, data
from lambda_dap.lsp.text import SourceText

LAUNCH_VERSION = "0.2.0"
_UNIT = "    "


def launch_configuration(template: Path, logical_id: str, folder: Path, *, debug: bool) -> dict[str, Any]:
    """`type: lambda`, `request: launch` for the function; `noDebug: true` to run it without the debugger."""
    try:
        shown = "${workspaceFolder}/" + template.relative_to(folder).as_posix()
    except ValueError:
        shown = str(template)
    config: dict[str, Any] = {
        "name": f"{'Debug' if debug else 'Invoke'} {logical_id}",
        "type": "lambda",
        "request": "launch",
        "template": shown,
        "function": logical_id,
    }
    if not debug:
        config["noDebug"] = True
    return config


def merged_launch_json(text: str | None, config: dict[str, Any], where: str) -> str:
    """`text` (a launch.json, or None) with `config` in its configurations."""
    if text is None or not text.strip():
        return json.dumps({"version": LAUNCH_VERSION, "configurations": [config]}, indent=4) + "\n"
    try:
        root = parse_jsonc(text)
    except JsoncError as error:
        line = SourceText(text).position(error.offset).line + 1
        raise LaunchJsonError(f"{where}:{line}: invalid JSON ({error}); fix it before adding a configuration") from None
    if root.kind != "map":
        raise LaunchJsonError(f"{where}: expected an object with configurations, got {type(data(root)).__name__}")
    configurations = root.get("configurations")
    if configurations is None:
        return _add_key(text, root, config)
    if configurations.kind != "seq":
        raise LaunchJsonError(f"{where}: configurations: expected a list, got {type(data(configurations)).__name__}")
    for item in configurations.value:
        if item.kind == "map" and (name := item.get("name")) is not None and name.value == config["name"]:
            indent = _line_indent(text, item.start)
            return text[: item.start] + _render(config, indent) + text[item.end :]
    if configurations.value:
        last = configurations.value[-1]
        indent = _line_indent(text, last.start)
        return text[: last.end] + ",\n" + indent + _render(config, indent) + text[last.end :]
    outer = _line_indent(text, configurations.start)
    block = "[\n" + outer + _UNIT + _render(config, outer + _UNIT) + "\n" + outer + "]"
    return text[: configurations.start] + block + text[configurations.end :]


def write_launch_json(path: Path, text: str | None, config: dict[str, Any]) -> None:
    merged = merged_launch_json(text, config, str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(merged, encoding="utf-8")
    except OSError as error:
        raise LaunchJsonError(f"{path}: cannot write: {error.strerror or error}") from None


def _add_key(text: str, root: Node, config: dict[str, Any]) -> str:
    entry = '"configurations": [\n' + _UNIT * 2 + _render(config, _UNIT * 2) + "\n" + _UNIT + "]"
    if root.items:
        last = root.items[-1][1]
        return text[: last.end] + ",\n" + _UNIT + entry + text[last.end :]
    return text[: root.start] + "{\n" + _UNIT + entry + "\n}" + text[root.end :]


def _render(config: dict[str, Any], indent: str) -> str:
    return json.dumps(config, indent=len(_UNIT)).replace("\n", "\n" + indent)


def _line_indent(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    prefix = text[start:offset]
    return prefix[: len(prefix) - len(prefix.lstrip())]
