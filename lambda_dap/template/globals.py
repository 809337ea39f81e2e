"""The `Globals` section, merged into functions the way SAM's GlobalsPlugin does.

Mappings are merged key by key, lists are concatenated (globals first), and anything else, including an
intrinsic function call, which stands for a single value, is taken from the function when it sets it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambda_dap.template.intrinsics import intrinsic_name
from lambda_dap.template.location import FieldPath


def function_globals(template: Mapping[str, Any], where: FieldPath) -> dict[str, Any]:
    """`Globals.Function` of a template, or {}."""
    section = template.get("Globals")
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise where.child("Globals").error("expected a mapping such as {Function: {Timeout: 10}}")
    function = section.get("Function")
    if function is None:
        return {}
    if not isinstance(function, dict):
        raise where.child("Globals").child("Function").error("expected a mapping of function properties")
    return function


def merge_globals(
    global_properties: Mapping[str, Any], properties: Mapping[str, Any], ignore: Any = None
) -> dict[str, Any]:
    """A function's properties with the global ones merged underneath, except those its `IgnoreGlobals`
    attribute names (`"*"` for all, or a list of property names)."""
    if ignore == "*":
        return dict(properties)
    if isinstance(ignore, list):
        global_properties = {key: value for key, value in global_properties.items() if key not in ignore}
    return _merge_mappings(global_properties, properties)


def _merge(global_value: Any, value: Any) -> Any:
    kind = _kind(value)
    if kind != _kind(global_value) or kind == "scalar":
        return value
    if kind == "mapping":
        return _merge_mappings(global_value, value)
    return [*global_value, *value]


def _merge_mappings(global_mapping: Mapping[str, Any], mapping: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(global_mapping)
    for key, value in mapping.items():
        merged[key] = _merge(global_mapping[key], value) if key in global_mapping else value
    return merged


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "scalar" if intrinsic_name(value) else "mapping"
    if isinstance(value, list):
        return "list"
    return "scalar"
