"""Walking a template and its local nested stacks, in template order, collecting functions."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_dap.errors import TemplateNotFound
from lambda_dap.template import language_extensions as extensions
from lambda_dap.template.cdk import identified, resource_id
from lambda_dap.template.functions import SERVERLESS_FUNCTION, build_function, with_asset_paths
from lambda_dap.template.globals import function_globals, merge_globals
from lambda_dap.template.intrinsics import FUNCTION_TYPES, Resolver, Unresolvable, text_of
from lambda_dap.template.loader import load_template
from lambda_dap.template.location import FieldPath, show
from lambda_dap.template.model import Function
from lambda_dap.template.parameters import parameter_values, pseudo_parameters
from lambda_dap.template.paths import absolute, default_template_path, display_path
from lambda_dap.template.scope import StackScope

# Nested stack resource type -> the property naming its template.
NESTED_STACK_LOCATIONS = {
    "AWS::Serverless::Application": "Location",
    "AWS::CloudFormation::Stack": "TemplateURL",
}


@dataclass(frozen=True)
class _Walk:
    """What every stack of one load shares."""

    root_dir: Path  # the top template's directory
    base_dir: Path | None  # --docker-volume-basedir: replaces root_dir for code paths
    pseudo_overrides: Mapping[str, str]  # AWS::* overrides apply in every stack
    environ: Mapping[str, str]
    warn: Callable[[str], None] | None = None
    language_extensions: bool = False  # expand AWS::LanguageExtensions where a template declares it

    def code_base(self, template_dir: Path) -> Path:
        """Where a stack's CodeUri/ContentUri start: its directory, moved under base_dir when one is given."""
        if self.base_dir is None:
            return template_dir
        try:
            return absolute(self.base_dir / template_dir.relative_to(self.root_dir))
        except ValueError:
            return template_dir


def load_stack_functions(
    template_path: Path,
    parameter_overrides: Mapping[str, str],
    base_dir: Path | None,
    warn: Callable[[str], None] | None = None,
    language_extensions: bool | None = None,
) -> list[Function]:
    """Every function of the template and of its local nested stacks, in template order.

    `language_extensions`: expand AWS::LanguageExtensions (True), leave it (False), or as SAM decides (None:
    only when SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS is 1, true or yes)."""
    template_path = absolute(template_path)
    walk = _Walk(
        root_dir=template_path.parent,
        base_dir=absolute(base_dir) if base_dir is not None else None,
        pseudo_overrides={k: v for k, v in parameter_overrides.items() if k.startswith("AWS::")},
        environ=os.environ,
        warn=warn,
        language_extensions=extensions.enabled(language_extensions, os.environ),
    )
    functions: list[Function] = []
    _collect(template_path, parameter_overrides, "", (), walk, functions)
    return functions


def _collect(
    template_path: Path,
    overrides: Mapping[str, str],
    prefix: str,
    ancestors: tuple[Path, ...],
    walk: _Walk,
    functions: list[Function],
) -> None:
    template = load_template(template_path, walk.warn)
    where = FieldPath(display_path(template_path))
    if walk.warn is not None and not prefix:
        _warn_on_unknown_overrides(template.get("Parameters"), overrides, where.source, walk.warn)
    symbols = _symbols(template, {**walk.pseudo_overrides, **overrides}, walk, where)
    template, extended = _language_extensions(template, symbols, walk, where)
    template["Resources"] = with_asset_paths(template["Resources"])  # CDK assets next, as SAM does
    scope = _scope(template, template_path, symbols, prefix, walk, where, extended)
    globals_ = function_globals(template, where)
    for logical_id, resource, properties in _resources(template["Resources"], scope):
        resource_type = resource["Type"]
        if resource_type in FUNCTION_TYPES:
            if resource_type == SERVERLESS_FUNCTION:
                properties = merge_globals(globals_, properties, resource.get("IgnoreGlobals"))
            function = build_function(logical_id, resource_type, properties, scope)
            functions.append(identified(function, resource, prefix))
        elif resource_type in NESTED_STACK_LOCATIONS:
            child = _nested_template(logical_id, resource_type, properties, scope)
            if child is None:
                continue  # remote: a URL or a Serverless Application Repository app
            lineage = (*ancestors, template_path.resolve())
            location = NESTED_STACK_LOCATIONS[resource_type]
            field = where.child("Resources").child(logical_id).child("Properties").child(location)
            _check_cycle(child, lineage, field)
            child_overrides = _child_parameters(scope.resolver.resolve(properties.get("Parameters")))
            stack_id = resource_id(resource, logical_id)  # SAM's: the construct ID of a CDK nested stack
            _collect(child, child_overrides, f"{prefix}{stack_id}/", lineage, walk, functions)


def _symbols(template: dict[str, Any], overrides: Mapping[str, str], walk: _Walk, where: FieldPath) -> dict[str, Any]:
    """Pseudo parameters and parameter values of one stack."""
    return {
        **pseudo_parameters(overrides, walk.environ),
        **parameter_values(template.get("Parameters"), overrides, where.child("Parameters"), walk.warn),
    }


def _language_extensions(
    template: dict[str, Any], symbols: Mapping[str, Any], walk: _Walk, where: FieldPath
) -> tuple[dict[str, Any], bool]:
    """The template with AWS::LanguageExtensions expanded when it declares it and expansion is on, and whether it
    was; Fn::ForEach loops that are not expanded are left out, with a warning."""
    is_declared = extensions.declared(template)
    if walk.language_extensions and is_declared:
        resolver = _resolver(template, symbols, where, extensions.FUNCTIONS)
        return extensions.expand(template, resolver, where, walk.warn), True
    if is_declared:
        why = f"AWS::LanguageExtensions is expanded locally only with {extensions.HOW_TO_ENABLE}, as in SAM"
    else:
        why = f"Fn::ForEach needs Transform: {extensions.TRANSFORM}"
    return extensions.without_loops(template, where, walk.warn, why), False


def _resolver(
    template: dict[str, Any],
    symbols: Mapping[str, Any],
    where: FieldPath,
    functions: Mapping[str, Callable[[Resolver, Any], Any]] | None = None,
) -> Resolver:
    return Resolver(
        symbols=symbols,
        resources=template["Resources"],
        conditions=_section(template, "Conditions", where),
        mappings=_section(template, "Mappings", where),
        functions=functions,
    )


def _scope(
    template: dict[str, Any],
    template_path: Path,
    symbols: Mapping[str, Any],
    prefix: str,
    walk: _Walk,
    where: FieldPath,
    extended: bool,
) -> StackScope:
    resolver = _resolver(template, symbols, where, extensions.FUNCTIONS if extended else None)
    return StackScope(
        template_path=template_path,
        where=where,
        resolver=resolver,
        resources=template["Resources"],
        code_base=walk.code_base(template_path.parent),
        prefix=prefix,
    )


def _warn_on_unknown_overrides(
    declared: Any, overrides: Mapping[str, str], source: str, warn: Callable[[str], None]
) -> None:
    """Overrides that name no parameter of the template: SAM ignores them without a word (a typo, most often)."""
    names = declared if isinstance(declared, dict) else {}
    for name in overrides:
        if not name.startswith("AWS::") and name not in names:
            known = ", ".join(map(str, names)) or "none"
            warn(f"--parameter-overrides: {source} has no parameter {name} (parameters: {known}); ignored")


def _section(template: dict[str, Any], name: str, where: FieldPath) -> dict[str, Any]:
    section = template.get(name)
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise where.child(name).error(f"expected a mapping, got {show(section)}")
    return section


def _resources(resources: dict[Any, Any], scope: StackScope) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(logical ID, resource, Properties) of each resource whose Condition is not known to be false."""
    for key, resource in resources.items():
        logical_id = str(key)
        where = scope.where.child("Resources").child(logical_id)
        if not isinstance(resource, dict):
            raise where.error(f"expected a mapping with Type and Properties, got {show(resource)}")
        resource_type = resource.get("Type")
        if not isinstance(resource_type, str):
            raise where.child("Type").error("expected a resource type such as AWS::Serverless::Function")
        properties = resource.get("Properties")
        if properties is None:
            properties = {}
        if not isinstance(properties, dict):
            raise where.child("Properties").error(f"expected a mapping, got {show(properties)}")
        condition = resource.get("Condition")
        if isinstance(condition, str) and scope.resolver.condition_holds(condition) is False:
            continue
        yield logical_id, resource, properties


def _nested_template(logical_id: str, resource_type: str, properties: dict[str, Any], scope: StackScope) -> Path | None:
    """The local template file of a nested stack; None when it is remote (a URL or a SAR application)."""
    key = NESTED_STACK_LOCATIONS[resource_type]
    location = scope.resolver.resolve(properties.get(key))
    if not isinstance(location, str) or "://" in location:
        return None
    child = absolute(scope.template_path.parent / location)
    if child.is_dir():
        child = default_template_path(child)
    if not child.is_file():
        field = scope.where.child("Resources").child(logical_id).child("Properties").child(key)
        missing = display_path(child)
        raise TemplateNotFound(f"Template file not found: {missing} (from {field.path} in {field.source})")
    return child


def _check_cycle(child: Path, lineage: tuple[Path, ...], where: FieldPath) -> None:
    if child.resolve() in lineage:
        chain = " -> ".join(display_path(path) for path in (*lineage, child))
        raise where.error(f"nested stacks form a cycle: {chain}")


def _child_parameters(parameters: Any) -> dict[str, str]:
    """The Parameters passed to a nested stack, as strings; values unresolved here are left out."""
    if not isinstance(parameters, dict):
        return {}
    passed: dict[str, str] = {}
    for name, value in parameters.items():
        try:
            passed[str(name)] = ",".join(map(text_of, value)) if isinstance(value, list) else text_of(value)
        except Unresolvable:
            continue
    return passed
