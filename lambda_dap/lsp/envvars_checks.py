"""Problems in an env-vars file (`--env-vars`, env.json): schema violations, and functions or variables the
template does not declare (SAM drops those silently; lambda-dap sets them, but they are usually typos)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lambda_dap.lsp.jsonc import JsoncError, parse_jsonc
from lambda_dap.lsp.model import TemplateModel
from lambda_dap.lsp.nodes import Node, data
from lambda_dap.lsp.problems import WARNING, Problem
from lambda_dap.lsp.project import ENV_VARS_NAMES, Project
from lambda_dap.lsp.schemas import ENV_VARS_SCHEMA, schema_errors
from lambda_dap.lsp.text import SourceText, Span

PARAMETERS = "Parameters"


def is_env_vars_file(project: Project, path: Path) -> bool:
    if path.suffix.lower() != ".json":
        return False
    if path.name in ENV_VARS_NAMES or path.name.endswith((".env.json", "-env.json")):
        return True
    return any(path in env_vars_files(model) for model in project.models())


def env_vars_files(model: TemplateModel) -> set[Path]:
    """The env-vars files the template's samconfig names (`env_vars`, any environment)."""
    from lambda_dap.config.files import FileFormatError, read_toml_or_yaml
    from lambda_dap.config.samconfig import find_config_file
    from lambda_dap.errors import LambdaDapError

    try:
        config = find_config_file(None, model.directory, model.directory)
        document = read_toml_or_yaml(config) if config is not None else None
    except (LambdaDapError, OSError, FileFormatError):
        return set()
    files: set[Path] = set()
    for env in (document or {}).values() if isinstance(document, dict) else ():
        for command in ("global", "local_invoke"):
            table = env.get(command) if isinstance(env, dict) else None
            parameters = table.get("parameters") if isinstance(table, dict) else None
            value = parameters.get("env_vars") if isinstance(parameters, dict) else None
            if isinstance(value, str) and value:
                files.add(Path((config.parent / value).resolve()))
    return files


def envvars_problems(project: Project, path: Path, source: SourceText) -> list[Problem]:
    try:
        root = parse_jsonc(source.text)
    except JsoncError as error:
        return [Problem(Span(error.offset, error.offset + 1), f"invalid JSON: {error}", "env-vars-syntax")]
    problems = list(_schema_problems(root))
    model = next((m for m in map(project.model, _templates(project, path)) if m is not None), None)
    if model is not None and root.kind == "map":
        problems.extend(_undeclared(model, root))
    return problems


def _templates(project: Project, path: Path) -> list[Path]:
    named = [model.path for model in project.models() if path in env_vars_files(model)]
    return named + project.templates_for(path)


def _schema_problems(root: Node) -> Iterator[Problem]:
    for location, is_key, message in schema_errors(ENV_VARS_SCHEMA, data(root)):
        node = root.key_at(location) if is_key else root.at(location)
        span = node.span if node is not None else Span(root.start, root.start + 1)
        yield Problem(span, message, "env-vars-schema")


def _undeclared(model: TemplateModel, root: Node) -> Iterator[Problem]:
    template = model.path.name
    declared_anywhere = {
        name for entry in model.functions if entry.function is not None for name in entry.function.environment
    }
    for key, block in root.items:
        if block.kind != "map" or key.text is None:
            continue
        if key.text == PARAMETERS:
            for name, _ in block.items:
                if name.text not in declared_anywhere:
                    yield Problem(
                        name.span,
                        f"{PARAMETERS}.{name.text}: no function in {template} declares "
                        f"{name.text} in Environment.Variables (SAM ignores it; lambda-dap sets it)",
                        "env-vars-undeclared",
                        WARNING,
                        f"{PARAMETERS}.{name.text}",
                    )
            continue
        entry = model.find(key.text)
        if entry is None:
            functions = ", ".join(e.logical_id for e in model.functions) or "none"
            yield Problem(
                key.span,
                f"{key.text}: no function {key.text} in {template} (functions: {functions})",
                "env-vars-unknown-function",
                WARNING,
                key.text,
            )
            continue
        declared = entry.function.environment if entry.function is not None else {}
        for name, _ in block.items:
            if name.text not in declared:
                yield Problem(
                    name.span,
                    f"{key.text}.{name.text}: {entry.logical_id} does not declare {name.text} "
                    f"in Environment.Variables in {template} (SAM ignores it; lambda-dap sets it)",
                    "env-vars-undeclared",
                    WARNING,
                    f"{key.text}.{name.text}",
                )
