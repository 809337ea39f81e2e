"""YAML with CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt A.B`, ...), read by libyaml."""

from __future__ import annotations

from typing import Any

import yaml

from lambda_dap.errors import TemplateError

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

# Short forms that keep their own name; every other `!X` becomes `Fn::X`.
_BARE_TAGS = frozenset({"Ref", "Condition"})


class CloudFormationLoader(_SafeLoader):
    """A safe loader that reads `!X` tags as intrinsic functions and keeps timestamps as text."""


def _construct_short_form(loader: CloudFormationLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {suffix if suffix in _BARE_TAGS else f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _construct_short_form)
CloudFormationLoader.add_constructor("tag:yaml.org,2002:timestamp", CloudFormationLoader.construct_yaml_str)


def parse_yaml(text: str, source: str) -> Any:
    """Parse a YAML template; a syntax error becomes a one-line TemplateError `source:line: problem`."""
    try:
        return yaml.load(text, Loader=CloudFormationLoader)  # a SafeLoader subclass
    except yaml.YAMLError as error:
        raise TemplateError(_describe(error, source)) from None


def _describe(error: yaml.YAMLError, source: str) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        problem = error.problem or error.context or "invalid YAML"
        if error.context and error.problem:
            problem = f"{problem} ({error.context})"
        return _one_line(f"{source}:{error.problem_mark.line + 1}: {problem}")
    return _one_line(f"{source}: invalid YAML: {error}")


def _one_line(text: str) -> str:
    return " ".join(text.split())
