"""YAML with CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt A.B`, ...), read by libyaml."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from lambda_dap.errors import TemplateError
from lambda_dap.template.intrinsics import KNOWN_INTRINSICS

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

# Short forms that keep their own name; every other `!X` becomes `Fn::X`.
_BARE_TAGS = frozenset({"Ref", "Condition"})


class CloudFormationLoader(_SafeLoader):
    """A safe loader that reads `!X` tags as intrinsic functions and keeps timestamps as text.

    `problems` collects what SAM reads without a word but is most likely a mistake: a key given twice in one
    mapping (the last one wins), a tag that is no intrinsic function; `(line, text)` each."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.problems: list[tuple[int, str]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            first_line: dict[tuple[str, str], int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                line = key_node.start_mark.line + 1
                key = (key_node.tag, key_node.value)
                if key in first_line:
                    self.problems.append(
                        (
                            line,
                            f"duplicate key '{key_node.value}' (first at line {first_line[key]}); the last one "
                            "is used, as SAM reads it",
                        )
                    )
                else:
                    first_line[key] = line
        return super().construct_mapping(node, deep=deep)


def _construct_short_form(loader: CloudFormationLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in _BARE_TAGS else f"Fn::{suffix}"
    if name not in KNOWN_INTRINSICS:
        loader.problems.append(
            (
                node.start_mark.line + 1,
                f"!{suffix} is not a CloudFormation intrinsic function; its value is kept as written ({name})",
            )
        )
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {name: value}


CloudFormationLoader.add_multi_constructor("!", _construct_short_form)
CloudFormationLoader.add_constructor("tag:yaml.org,2002:timestamp", CloudFormationLoader.construct_yaml_str)


def parse_yaml(text: str, source: str, warn: Callable[[str], None] | None = None) -> Any:
    """Parse a YAML template; a syntax error becomes a one-line TemplateError `source:line: problem`; `warn` gets
    `source:line: problem` for each duplicate key and unknown tag."""
    loader = CloudFormationLoader(text)  # a SafeLoader subclass
    try:
        document = loader.get_single_data()
    except yaml.YAMLError as error:
        raise TemplateError(_describe(error, source)) from None
    finally:
        loader.dispose()
    if warn is not None:
        for line, problem in loader.problems:
            warn(f"{source}:{line}: {problem}")
    return document


def _describe(error: yaml.YAMLError, source: str) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        problem = error.problem or error.context or "invalid YAML"
        if error.context and error.problem:
            problem = f"{problem} ({error.context})"
        return _one_line(f"{source}:{error.problem_mark.line + 1}: {problem}")
    return _one_line(f"{source}: invalid YAML: {error}")


def _one_line(text: str) -> str:
    return " ".join(text.split())
