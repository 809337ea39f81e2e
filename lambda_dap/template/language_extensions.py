"""The `AWS::LanguageExtensions` transform, expanded locally as SAM CLI 1.170 does before its own transform.

SAM expands it only when asked (`--language-extensions`, else `SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS=1|true|yes`;
off by default since 1.164) and only in a template whose `Transform` declares it. Expansion covers:

- `Fn::ForEach::<LoopName>: [Identifier, Collection, {OutputKey: OutputValue}]` in Conditions, Resources (and
  directly in a resource's Properties) and Outputs, nested up to 5 deep: one copy of the body per item, with
  `${Identifier}` (the item) and `&{Identifier}` (the item without its non-alphanumeric characters) replaced in
  every key and string, and `{Ref: Identifier}` replaced by the item. The collection is a list, or anything that
  resolves to one (a `CommaDelimitedList` / `List<...>` parameter, with its override).
- `Fn::Length` and `Fn::ToJsonString` (`FUNCTIONS`, given to the stack's Resolver), and `Fn::FindInMap` with a
  `DefaultValue`, which the Resolver always knows.
Intrinsics in `DeletionPolicy` / `UpdateReplacePolicy` change nothing a local run reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from lambda_dap.template.intrinsics import NO_VALUE, Resolver, Unresolvable, intrinsic_name
from lambda_dap.template.location import FieldPath, show

TRANSFORM = "AWS::LanguageExtensions"
ENABLE_VARIABLE = "SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS"
FOREACH = "Fn::ForEach::"
MAX_DEPTH = 5  # CloudFormation's limit on nested Fn::ForEach loops
SECTIONS = ("Conditions", "Resources", "Outputs")  # where CloudFormation allows Fn::ForEach
_TRUTHY = frozenset({"1", "true", "yes"})
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")
HOW_TO_ENABLE = f"--language-extensions or {ENABLE_VARIABLE}=1"

Warn = Callable[[str], None] | None


def enabled(flag: bool | None, environ: Mapping[str, str]) -> bool:
    """Whether to expand: the flag when given, else SAM's environment variable (off when unset)."""
    if flag is not None:
        return flag
    return environ.get(ENABLE_VARIABLE, "").strip().lower() in _TRUTHY


def declared(template: Mapping[str, Any]) -> bool:
    """Whether the template's `Transform` (a name or a list of names) declares AWS::LanguageExtensions."""
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return TRANSFORM in names


def is_loop(key: Any) -> bool:
    return isinstance(key, str) and key.startswith(FOREACH)


def expand(template: dict[str, Any], resolver: Resolver, where: FieldPath, warn: Warn = None) -> dict[str, Any]:
    """The template with every Fn::ForEach expanded; `resolver` resolves collections. A malformed loop is a
    TemplateError naming its field; a collection that cannot be resolved locally leaves its loop out (`warn`)."""
    parameters = template.get("Parameters")
    expander = _Expander(resolver, set(parameters) if isinstance(parameters, dict) else set(), warn)
    expanded = dict(template)
    for section in SECTIONS:
        body = template.get(section)
        if isinstance(body, dict):
            expanded[section] = expander.section(body, where.child(section), section, (), 0)
    return expanded


def without_loops(template: dict[str, Any], where: FieldPath, warn: Warn, why: str) -> dict[str, Any]:
    """The template without its Fn::ForEach loops, when they are not expanded; `warn` gets one line naming the
    loops of Resources, and `why`."""
    kept = dict(template)
    for section in SECTIONS:
        body = template.get(section)
        if isinstance(body, dict) and any(map(is_loop, body)):
            kept[section] = {key: value for key, value in body.items() if not is_loop(key)}
    resources = template.get("Resources")
    loops = [key for key in resources if is_loop(key)] if isinstance(resources, dict) else []
    if warn is not None and loops:
        names = ", ".join(where.child("Resources").child(key).path for key in loops)
        warn(f"{where.source}: {names}: not expanded ({why}); the resources they generate are left out")
    return kept


class _Expander:
    def __init__(self, resolver: Resolver, parameters: set[str], warn: Warn) -> None:
        self._resolver = resolver
        self._parameters = parameters
        self._warn = warn

    def section(
        self, body: dict[Any, Any], where: FieldPath, kind: str, identifiers: tuple[str, ...], depth: int
    ) -> dict[Any, Any]:
        """`body` with its loops expanded; in Resources, loops in each resource's Properties as well."""
        result: dict[Any, Any] = {}
        for key, value in body.items():
            if is_loop(key):
                entries = self._loop(key, value, where.child(key), kind, identifiers, depth + 1)
            elif kind == "Resources":
                entries = {key: self._resource(value, where.child(str(key)), identifiers, depth)}
            else:
                entries = {key: value}
            for name, entry in entries.items():
                if name in result and is_loop(key):
                    raise where.child(key).error(f"gives {name}, which is already above it; keys must be unique")
                if name in result:
                    raise where.child(str(name)).error("is also given by a Fn::ForEach loop above; keys must be unique")
                result[name] = entry
        return result

    def _resource(self, resource: Any, where: FieldPath, identifiers: tuple[str, ...], depth: int) -> Any:
        properties = resource.get("Properties") if isinstance(resource, dict) else None
        if not isinstance(properties, dict) or not any(map(is_loop, properties)):
            return resource
        expanded = self.section(properties, where.child("Properties"), "Properties", identifiers, depth)
        return {**resource, "Properties": expanded}

    def _loop(
        self, key: str, value: Any, where: FieldPath, kind: str, identifiers: tuple[str, ...], depth: int
    ) -> dict[Any, Any]:
        name = key[len(FOREACH) :]
        if depth > MAX_DEPTH:
            raise where.error(f"Fn::ForEach loops nest {depth} deep; CloudFormation allows at most {MAX_DEPTH}")
        if not name:
            raise where.error("expected a loop name after Fn::ForEach:: (Fn::ForEach::Functions)")
        if not isinstance(value, list) or len(value) != 3:
            got = f"a list of {len(value)}" if isinstance(value, list) else show(value)
            raise where.error(f"expected a list of 3: [Identifier, Collection, {{OutputKey: OutputValue}}], got {got}")
        identifier, collection, body = value
        self._check_names(name, identifier, where, identifiers)
        if not isinstance(body, dict):
            raise where.child(2).error(
                f"expected a mapping of output keys such as ${{{identifier}}}Function to what each one is, "
                f"got {show(body)}"
            )
        items = self._collection(collection, where.child(1))
        if items is None:
            return {}
        nested = (*identifiers, identifier)
        result: dict[Any, Any] = {}
        for item in items:
            copy = self.section(_substitute(body, identifier, item), where.child(2), kind, nested, depth)
            for output_key, entry in copy.items():
                if output_key in result:
                    raise where.child(2).error(
                        f"gives {output_key!s} for more than one item of the collection; put "
                        f"${{{identifier}}} or &{{{identifier}}} in the key"
                    )
                result[output_key] = entry
        return result

    def _check_names(self, name: str, identifier: Any, where: FieldPath, identifiers: tuple[str, ...]) -> None:
        field = where.child(0)
        if not isinstance(identifier, str) or not identifier:
            raise field.error(f"expected the loop's identifier, a name such as Name, got {show(identifier)}")
        if identifier in self._parameters:
            raise field.error(f"the identifier {identifier} is also the name of a parameter; choose another")
        if identifier in identifiers:
            raise field.error(f"the identifier {identifier} is already the identifier of an enclosing loop")
        if name in self._parameters:
            raise where.error(f"the loop name {name} is also the name of a parameter; choose another")

    def _collection(self, collection: Any, where: FieldPath) -> list[str] | None:
        """The items as text; None (with a warning) when the collection cannot be resolved locally."""
        value = self._resolver.resolve(collection)
        if isinstance(value, str) and "," in value:
            value = [item.strip() for item in value.split(",")]  # a String parameter holding a list, as SAM reads it
        if intrinsic_name(value) or (isinstance(value, list) and any(map(intrinsic_name, value))):
            self._unresolved(collection, value, where)
            return None
        if not isinstance(value, list):
            raise where.error(
                "expected a list, or a Ref to a CommaDelimitedList or List<...> parameter, got "
                f"{show(value if value is not NO_VALUE else collection)}"
            )
        items = []
        for index, item in enumerate(value):
            if isinstance(item, bool):
                items.append("true" if item else "false")
            elif isinstance(item, str | int | float):
                items.append(str(item))
            else:
                raise where.child(index).error(f"expected a string, got {show(item)}")
        return items

    def _unresolved(self, collection: Any, value: Any, where: FieldPath) -> None:
        if self._warn is None:
            return
        name = collection.get("Ref") if intrinsic_name(collection) == "Ref" else None
        if isinstance(name, str) and name in self._parameters:
            hint = f"parameter {name} has no value: give it a Default, or {name}=A,B in --parameter-overrides"
        else:
            hint = "use a CommaDelimitedList parameter and give it a value"
        self._warn(
            f"{where.source}: {where.path}: {show(value)} cannot be resolved locally ({hint}); the loop is left out"
        )


def _substitute(node: Any, identifier: str, item: str) -> Any:
    """`node` with `${identifier}`, `&{identifier}` and `{Ref: identifier}` replaced by `item`."""
    if isinstance(node, str):
        compact = _NOT_ALPHANUMERIC.sub("", item)
        return node.replace(f"${{{identifier}}}", item).replace(f"&{{{identifier}}}", compact)
    if isinstance(node, dict):
        if len(node) == 1 and node.get("Ref") == identifier:
            return item
        return {_substitute(key, identifier, item): _substitute(value, identifier, item) for key, value in node.items()}
    if isinstance(node, list):
        return [_substitute(value, identifier, item) for value in node]
    return node


def _length(resolver: Resolver, argument: Any) -> int:
    """`Fn::Length`: the number of items of a list, or of what an intrinsic function resolves to."""
    value = resolver.resolve(argument)
    if not isinstance(value, list):
        raise Unresolvable
    return len(value)


def _to_json_string(resolver: Resolver, argument: Any) -> str:
    """`Fn::ToJsonString`: a mapping or list as compact JSON, intrinsics resolved first; those that cannot be
    resolved locally stay in the text as written, as SAM leaves them."""
    if not isinstance(argument, dict | list):
        raise Unresolvable
    value = resolver.resolve(argument)
    if not isinstance(value, dict | list):
        raise Unresolvable
    return json.dumps(value, separators=(",", ":"), default=str)


# The intrinsic functions the transform adds, for the stack's Resolver.
FUNCTIONS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Fn::Length": _length,
    "Fn::ToJsonString": _to_json_string,
}
