"""Reading one template file: JSON on a fast path, else CloudFormation YAML."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambda_dap.errors import TemplateError, TemplateNotFound
from lambda_dap.template.paths import display_path


def load_template(path: Path, warn: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The template at `path` as plain data; short-form tags become `{"Fn::X": ...}` / `{"Ref": ...}`. `warn` gets
    a line per duplicate key or unknown tag."""
    source = display_path(path)
    text = _read(Path(path), source)
    template = parse_template(text, source, is_json=Path(path).suffix.lower() == ".json", warn=warn)
    _check_shape(template, source)
    return template


def parse_template(text: str, source: str, *, is_json: bool = False, warn: Callable[[str], None] | None = None) -> Any:
    """Parse template text: `json.loads` when it looks like JSON (much faster), else YAML."""
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            if is_json:
                raise TemplateError(f"{source}:{error.lineno}: invalid JSON: {error.msg}") from None
    from lambda_dap.template.yamlload import parse_yaml  # imports yaml only when needed

    return parse_yaml(text, source, warn)


def _read(path: Path, source: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise TemplateNotFound(f"Template file not found: {source}") from None
    except IsADirectoryError:
        raise TemplateError(f"{source}: expected a template file, got a directory") from None
    except UnicodeDecodeError as error:
        raise TemplateError(f"{source}: expected UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise TemplateError(f"{source}: cannot read the template: {error.strerror}") from None


def _check_shape(template: Any, source: str) -> None:
    if not isinstance(template, dict):
        kind = "an empty file" if template is None else f"a {type(template).__name__}"
        raise TemplateError(f"{source}: expected a CloudFormation template (a mapping), got {kind}")
    if "Resources" not in template:
        raise TemplateError(f"{source}: Resources: missing; a template needs a Resources section")
    if not isinstance(template["Resources"], dict):
        raise TemplateError(f"{source}: Resources: expected a mapping of logical IDs to resources")
