"""A template as the language server sees it: the positioned tree, the plain data, and each function as the
template package builds it (Globals merged, intrinsics resolved), read from the editor's text, not the disk."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_dap.errors import LambdaDapError, TemplateError
from lambda_dap.lsp.jsonc import JsoncError, parse_jsonc
from lambda_dap.lsp.nodes import Node, compose_yaml, data
from lambda_dap.lsp.problems import Problem, parse_field
from lambda_dap.lsp.text import SourceText, Span
from lambda_dap.template import language_extensions
from lambda_dap.template.intrinsics import FUNCTION_TYPES, Resolver
from lambda_dap.template.model import Function

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
_SOURCE = "template"
_TEMPLATE_MARKERS = re.compile(
    r"AWSTemplateFormatVersion|Transform\W+AWS::Serverless|AWS::Serverless::Function|AWS::Lambda::Function"
)
TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json")


def looks_like_template(path: Path, text: str) -> bool:
    """A SAM/CloudFormation template: a default name, or YAML/JSON whose text says so."""
    if path.name in TEMPLATE_NAMES:
        return True
    return path.suffix.lower() in (".yaml", ".yml", ".json", ".template") and bool(_TEMPLATE_MARKERS.search(text))


@dataclass
class FunctionEntry:
    """One function resource of the template."""

    logical_id: str
    resource_type: str
    key: Node  # the logical ID
    node: Node  # the resource mapping
    function: Function | None  # None when the template package refused it (see the model's problems)
    loop: str | None = None  # the Fn::ForEach::NAME key that generates it (AWS::LanguageExtensions), if any

    def property_node(self, model: TemplateModel, name: str) -> Node | None:
        """Where the function's property `name` is written: its own Properties, else Globals.Function."""
        own = self.node.at(("Properties", name))
        if own is not None or self.resource_type != SERVERLESS_FUNCTION:
            return own
        return model.root.at(("Globals", "Function", name))


@dataclass
class TemplateModel:
    path: Path  # absolute
    source: SourceText
    root: Node
    data: dict[str, Any]
    resolver: Resolver | None = None
    symbols: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)  # from samconfig.toml's parameter_overrides
    functions: list[FunctionEntry] = field(default_factory=list)
    generated: dict[str, str] = field(default_factory=dict)  # logical ID -> the Fn::ForEach::NAME key generating it
    problems: list[Problem] = field(default_factory=list)  # found while building the model

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def resources(self) -> dict[str, Any]:
        resources = self.data.get("Resources")
        return resources if isinstance(resources, dict) else {}

    @property
    def parameters(self) -> dict[str, Any]:
        parameters = self.data.get("Parameters")
        return parameters if isinstance(parameters, dict) else {}

    def function(self, logical_id: str) -> FunctionEntry | None:
        return next((entry for entry in self.functions if entry.logical_id == logical_id), None)

    def find(self, identifier: str) -> FunctionEntry | None:
        """The function a launch configuration or env-vars file names: logical ID or FunctionName."""
        return self.function(identifier) or next(
            (e for e in self.functions if e.function is not None and e.function.function_name == identifier), None
        )

    def node_for_field(self, path: tuple[str | int, ...]) -> Node:
        """The deepest node along `path` that exists (the document when none does)."""
        for length in range(len(path), 0, -1):
            node = self.root.at(path[:length])
            if node is not None:
                return node
        return self.root


class TemplateSyntaxError(Exception):
    """The text does not parse; `offset` is where."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def build_model(path: Path, text: str, source: SourceText | None = None) -> TemplateModel:
    """The model of a template's text; raises TemplateSyntaxError when it is not YAML/JSON at all."""
    source = source or SourceText(text)
    root = _parse(text)
    document = data(root)
    model = TemplateModel(path=Path(os.path.abspath(path)), source=source, root=root, data={})
    if not isinstance(document, dict):
        model.problems.append(Problem(root.span, "expected a CloudFormation template (a mapping)", "template-error"))
        return model
    model.data = document
    if not isinstance(document.get("Resources"), dict):
        where = root.key_at(("Resources",)) or Node("scalar", 0, 0, None)
        model.problems.append(
            Problem(where.span, "Resources: missing; a template needs a Resources section", "template-error")
        )
        return model
    _resolve(model)
    return model


def _parse(text: str) -> Node:
    if text.lstrip().startswith("{"):
        try:
            return parse_jsonc(text)
        except JsoncError as error:
            raise TemplateSyntaxError(f"invalid JSON: {error}", error.offset) from None
    import yaml

    try:
        root = compose_yaml(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise TemplateSyntaxError(f"invalid YAML: {problem}", mark.index if mark else 0) from None
    except yaml.YAMLError as error:
        raise TemplateSyntaxError(f"invalid YAML: {error}", 0) from None
    return root if root is not None else Node("scalar", 0, 0, None)


def _resolve(model: TemplateModel) -> None:
    from lambda_dap.template.functions import build_function
    from lambda_dap.template.globals import function_globals, merge_globals
    from lambda_dap.template.location import FieldPath
    from lambda_dap.template.parameters import parameter_values, pseudo_parameters
    from lambda_dap.template.scope import StackScope

    document, where = model.data, FieldPath(_SOURCE)
    model.overrides = _samconfig_overrides(model.directory)
    try:
        parameters = parameter_values(document.get("Parameters"), model.overrides, where.child("Parameters"))
    except TemplateError as error:
        model.problems.append(_problem(model, error))
        parameters = {}
    model.symbols = {**pseudo_parameters(model.overrides, os.environ), **parameters}
    sections = {
        name: document.get(name) if isinstance(document.get(name), dict) else {} for name in ("Conditions", "Mappings")
    }
    model.resolver = Resolver(
        symbols=model.symbols,
        resources=model.resources,
        conditions=sections["Conditions"],
        mappings=sections["Mappings"],
    )
    scope = StackScope(model.path, where, model.resolver, model.resources, code_base=model.directory)
    try:
        globals_ = function_globals(document, where)
    except TemplateError as error:
        model.problems.append(_problem(model, error))
        globals_ = {}

    def add_function(logical_id: str, resource: Any, key: Node, node: Node, loop: str | None = None) -> None:
        if not isinstance(resource, dict) or resource.get("Type") not in FUNCTION_TYPES:
            return
        properties = resource.get("Properties") if isinstance(resource.get("Properties"), dict) else {}
        if resource["Type"] == SERVERLESS_FUNCTION:
            properties = merge_globals(globals_, properties, resource.get("IgnoreGlobals"))
        try:
            function = build_function(logical_id, resource["Type"], properties, scope)
        except TemplateError as error:
            model.problems.append(_problem(model, error))
            function = None
        model.functions.append(FunctionEntry(logical_id, resource["Type"], key, node, function, loop))

    for (key, node), (logical_id, resource) in zip(
        model.root.at(("Resources",)).items, model.resources.items(), strict=False
    ):
        if language_extensions.is_loop(logical_id):
            for generated_id, generated in _loop_resources(model, str(logical_id), resource, where).items():
                model.generated[generated_id] = str(logical_id)
                add_function(generated_id, generated, key, _loop_body(node, generated_id) or node, str(logical_id))
        else:
            add_function(str(logical_id), resource, key, node)


def _loop_resources(model: TemplateModel, loop: str, value: Any, where: Any) -> dict[str, Any]:
    """The resources one Fn::ForEach loop of Resources generates, when the template declares
    AWS::LanguageExtensions (the editor shows them whether or not the launch configuration expands them; a
    collection that cannot be resolved here generates none)."""
    if not language_extensions.declared(model.data) or model.resolver is None:
        return {}
    template = {"Parameters": model.parameters, "Resources": {loop: value}}
    try:
        expanded = language_extensions.expand(template, model.resolver, where)
    except TemplateError as error:
        model.problems.append(_problem(model, error))
        return {}
    return {str(logical_id): resource for logical_id, resource in expanded["Resources"].items()}


def _loop_body(loop: Node, logical_id: str) -> Node | None:
    """The resource mapping in a loop's [Identifier, Collection, {OutputKey: OutputValue}] (nested loops too)
    whose OutputKey, its ${Identifier} and &{Identifier} taken as any text, gives `logical_id`."""
    body = loop.at((2,))
    for key, value in body.items if body is not None else []:
        if not isinstance(key.text, str):
            continue
        if language_extensions.is_loop(key.text):
            found = _loop_body(value, logical_id)
            if found is not None:
                return found
            continue
        pattern = "".join(
            ".*" if re.fullmatch(r"[$&]\{[^}]*\}", part) else re.escape(part)
            for part in re.split(r"([$&]\{[^}]*\})", key.text)
        )
        if re.fullmatch(pattern, logical_id):
            return value
    return None


def _problem(model: TemplateModel, error: LambdaDapError) -> Problem:
    """A TemplateError `template: Resources.A.Properties.Timeout: expected ...` placed on that field."""
    message = str(error).removeprefix(f"{_SOURCE}: ")
    field_path, _, _ = message.partition(": ")
    path = parse_field(field_path)
    node = model.root.at(path)
    if node is None and len(path) > 3 and path[0] == "Resources":  # a property merged in from Globals
        node = model.root.at(("Globals", "Function", *path[3:]))
    node = node or model.node_for_field(path)
    span = node.content_span if node.kind == "scalar" else _key_span(model, node)
    return Problem(span, message, "template-error", field=field_path)


def _key_span(model: TemplateModel, node: Node) -> Span:
    """A collection's problem goes on the key that names it, not on its many lines."""
    for candidate in model.root.walk():
        if candidate.kind == "map":
            for key, value in candidate.items:
                if value is node:
                    return key.span
    return Span(node.start, node.start + 1)


def _samconfig_overrides(directory: Path) -> dict[str, str]:
    """`parameter_overrides` of samconfig's default environment, as `lambda-dap invoke` would apply them."""
    try:
        from lambda_dap.config.overrides import parse_parameter_overrides
        from lambda_dap.config.samconfig import find_config_file, load_command_parameters

        config = find_config_file(None, directory, directory)
        if config is None:
            return {}
        value = load_command_parameters(config).get("parameter_overrides")
        return parse_parameter_overrides(value, config.parent) if value else {}
    except LambdaDapError:
        return {}
