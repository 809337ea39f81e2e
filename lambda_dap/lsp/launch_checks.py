"""Problems in .vscode/launch.json: `lambda` / `aws-sam` configurations that fail schemas/launch.schema.json, name
a template that is not there, or a function the template does not have."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lambda_dap.lsp.jsonc import JsoncError, parse_jsonc
from lambda_dap.lsp.model import TemplateModel
from lambda_dap.lsp.nodes import Node, data
from lambda_dap.lsp.problems import ERROR, WARNING, Problem, field_text, parse_field
from lambda_dap.lsp.project import Project
from lambda_dap.lsp.text import SourceText, Span

LAUNCH_TYPES = ("lambda", "aws-sam")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def is_launch_json(path: Path) -> bool:
    return path.name == "launch.json"


def workspace_of_launch_json(path: Path) -> Path:
    """`.vscode/launch.json` belongs to the folder above `.vscode`."""
    return path.parent.parent if path.parent.name == ".vscode" else path.parent


@dataclass
class LaunchEntry:
    """One lambda-dap configuration of a launch.json."""

    index: int
    node: Node
    config: dict
    template_field: tuple[str, ...]  # ("template",) or ("invokeTarget", "templatePath")
    function_field: tuple[str, ...]  # ("function",) or ("invokeTarget", "logicalId")


def launch_entries(root: Node) -> Iterator[LaunchEntry]:
    configurations = root.get("configurations") if root.kind == "map" else None
    for index, node in enumerate(configurations.value if configurations and configurations.kind == "seq" else []):
        config = data(node)
        if not isinstance(config, dict) or config.get("type") not in LAUNCH_TYPES:
            continue
        if "invokeTarget" in config or config.get("type") == "aws-sam":
            yield LaunchEntry(index, node, config, ("invokeTarget", "templatePath"), ("invokeTarget", "logicalId"))
        else:
            yield LaunchEntry(index, node, config, ("template",), ("function",))


def resolve_path(value: str, folder: Path) -> Path | None:
    """A configuration path with `${workspaceFolder}` and friends substituted; None for other variables."""
    known = {
        "workspaceFolder": str(folder),
        "workspaceRoot": str(folder),
        "cwd": str(folder),
        "userHome": str(Path.home()),
    }
    if any(name not in known for name in _VARIABLE.findall(value)):
        return None
    text = _VARIABLE.sub(lambda match: known[match.group(1)], value)
    return Path(folder, Path(text).expanduser()).resolve()


def entry_template(project: Project, entry: LaunchEntry, folder: Path) -> Path | None:
    """The template a configuration runs: its own field, else the folder's default template."""
    value = _get(entry.config, entry.template_field)
    if isinstance(value, str):
        return resolve_path(value, folder)
    if entry.template_field == ("template",) and not entry.config.get("handler"):
        return project.default_template(folder)
    return None


def launch_problems(project: Project, path: Path, source: SourceText) -> list[Problem]:
    from lambda_dap.dap.launch import launch_configuration_errors

    try:
        root = parse_jsonc(source.text)
    except JsoncError as error:
        return [Problem(Span(error.offset, error.offset + 1), f"invalid JSON: {error}", "launch-syntax")]
    folder = workspace_of_launch_json(path)
    problems: list[Problem] = []
    for entry in launch_entries(root):
        prefix = ("configurations", entry.index)
        errors = launch_configuration_errors(entry.config)
        for location, message in errors:
            problems.append(
                Problem(
                    _span(entry.node, location, message),
                    message,
                    "launch-schema",
                    field=field_text((*prefix, *location)),
                )
            )
        if not errors:
            problems.extend(_adapter_problems(entry, folder, prefix))
        problems.extend(_function_problems(project, entry, folder, prefix))
    return problems


def _function_problems(project: Project, entry: LaunchEntry, folder: Path, prefix: tuple) -> Iterator[Problem]:
    if entry.config.get("request") == "attach" and "function" not in entry.config:
        return
    target = _get(entry.config, ("invokeTarget", "target"))
    if entry.function_field[0] == "invokeTarget" and target not in ("template", "api"):
        return
    template = entry_template(project, entry, folder)
    template_node = entry.node.at(entry.template_field)
    if template is None:
        return
    if project.text(template) is None:
        span = template_node.content_span if template_node is not None else Span(entry.node.start, entry.node.start + 1)
        shown = _get(entry.config, entry.template_field) or template.name
        yield Problem(
            span,
            f"{field_text(entry.template_field)}: {shown} does not exist",
            "launch-template-not-found",
            field=field_text((*prefix, *entry.template_field)),
        )
        return
    model = project.model(template)
    identifier = _get(entry.config, entry.function_field)
    if model is None or not isinstance(identifier, str) or not identifier:
        flat = entry.function_field == ("function",)
        if model is not None and flat and identifier is None and len(model.functions) > 1:
            yield Problem(
                Span(entry.node.start, entry.node.start + 1),
                f"function: missing; {template.name} has {len(model.functions)} functions: "
                f"{', '.join(e.logical_id for e in model.functions)}",
                "launch-function-required",
                field=field_text((*prefix, "function")),
            )
        return
    found = model.find(identifier)
    if found is not None and found.loop is not None and not _expands_loops(entry):
        from lambda_dap.template.language_extensions import HOW_TO_ENABLE

        node = entry.node.at(entry.function_field)
        yield Problem(
            node.content_span,
            f"{field_text(entry.function_field)}: {identifier} exists only once {found.loop} is expanded "
            f'(AWS::LanguageExtensions): set "languageExtensions": true (lambda-dap invoke: {HOW_TO_ENABLE})',
            "launch-function-in-loop",
            WARNING,
            field=field_text((*prefix, *entry.function_field)),
        )
        return
    if found is not None or _nested_function(template, identifier):
        return
    node = entry.node.at(entry.function_field)
    functions = ", ".join(e.logical_id for e in model.functions) or "none"
    yield Problem(
        node.content_span,
        f"{field_text(entry.function_field)}: no function {identifier!r} in {template.name} (functions: {functions})",
        "launch-unknown-function",
        field=field_text((*prefix, *entry.function_field)),
    )


def _expands_loops(entry: LaunchEntry) -> bool:
    """Whether the launch expands Fn::ForEach: its `languageExtensions`, else SAM's environment variable."""
    from lambda_dap.template.language_extensions import enabled

    flag = entry.config.get("languageExtensions")
    return enabled(flag if isinstance(flag, bool) else None, os.environ)


def _adapter_problems(entry: LaunchEntry, folder: Path, prefix: tuple) -> Iterator[Problem]:
    """What the adapter itself would say of the configuration: its error, or the fields it ignores."""
    from lambda_dap.dap.launch import parse_launch_arguments
    from lambda_dap.errors import LambdaDapError

    try:
        parsed = parse_launch_arguments(entry.config, command=entry.config.get("request", "launch"), cwd=folder)
    except LambdaDapError as error:
        yield _message_problem(entry, str(error), "launch-invalid", ERROR, prefix)
        return
    for warning in parsed.warnings:
        yield _message_problem(entry, warning, "launch-ignored", WARNING, prefix)


def _message_problem(entry: LaunchEntry, message: str, code: str, severity, prefix: tuple) -> Problem:
    """A message that starts with a field path (`lambda.memoryMb is ignored ...`), placed on that field's key."""
    head = re.match(r"[\w.]+", message)
    location = parse_field(head.group()) if head else ()
    key = entry.node.key_at(location) if location else None
    span = key.span if key is not None else Span(entry.node.start, entry.node.start + 1)
    return Problem(span, message, code, severity, field_text((*prefix, *location)) if key is not None else "")


def _nested_function(template: Path, identifier: str) -> bool:
    """Whether `lambda-dap invoke` finds `identifier` in the template's stacks: a nested `Stack/Function`, a CDK
    construct ID or path, a function AWS::LanguageExtensions generates (when SAM's switch is on), ..."""
    from lambda_dap.errors import LambdaDapError
    from lambda_dap.template import load_functions

    try:
        return load_functions(template).get(identifier) is not None
    except LambdaDapError:
        return False


def _span(config: Node, location: tuple, message: str) -> Span:
    node = config.at(location)
    key = config.key_at(location)
    if key is not None and ("unknown field" in message or node is None or "is a field of" in message):
        return key.span
    if node is None:
        return Span(config.start, config.start + 1)
    if node.kind == "map":
        key = config.key_at(location)
        return key.span if key is not None else Span(node.start, node.start + 1)
    return node.content_span if node.kind == "scalar" else node.span


def _get(config: dict, path: tuple[str, ...]):
    value = config
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def template_at(project: Project, path: Path, source: SourceText, offset: int) -> TemplateModel | None:
    """The template of the configuration around `offset` (its own, else the folder's default)."""
    folder = workspace_of_launch_json(path)
    try:
        root = parse_jsonc(source.text)
    except JsoncError:
        root = None
    if root is not None:
        for entry in launch_entries(root):
            if offset in entry.node.span:
                template = entry_template(project, entry, folder)
                return project.model(template) if template is not None else None
    template = project.default_template(folder)
    return project.model(template) if template is not None else None
