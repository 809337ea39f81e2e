"""What a document is to the language server: a template, a launch.json, an env-vars file or a handler source."""

from __future__ import annotations

from pathlib import Path

from lambda_dap.lsp.envvars_checks import is_env_vars_file
from lambda_dap.lsp.handlers import NODE_SUFFIXES, PYTHON_SUFFIXES
from lambda_dap.lsp.launch_checks import is_launch_json
from lambda_dap.lsp.project import Project

TEMPLATE, LAUNCH, ENV_VARS, HANDLER = "template", "launch", "env-vars", "handler"


def document_kind(project: Project, path: Path) -> str | None:
    if is_launch_json(path):
        return LAUNCH
    if path.suffix in PYTHON_SUFFIXES + NODE_SUFFIXES:
        return HANDLER
    if is_env_vars_file(project, path):
        return ENV_VARS
    if project.is_template(path):
        return TEMPLATE
    return None
