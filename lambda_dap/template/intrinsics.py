"""CloudFormation intrinsic functions, resolved as far as a local run can know their values.

An intrinsic that needs something only CloudFormation knows (a parameter with no value, `Fn::ImportValue`, an
attribute other than a function's Arn) is left as written, as `sam local invoke` leaves it.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

FUNCTION_TYPES = frozenset({"AWS::Serverless::Function", "AWS::Lambda::Function"})

# Every intrinsic function and condition CloudFormation knows (with AWS::LanguageExtensions and Rules), resolvable
# here or not: a short-form tag outside this set is a typo or an unknown function.
KNOWN_INTRINSICS = frozenset(
    {
        "Ref",
        "Condition",
        *(
            f"Fn::{name}"
            for name in [
                "And",
                "Base64",
                "Cidr",
                "Contains",
                "EachMemberEquals",
                "EachMemberIn",
                "Equals",
                "FindInMap",
                "ForEach",
                "GetAZs",
                "GetAtt",
                "If",
                "ImportValue",
                "Join",
                "Length",
                "Not",
                "Or",
                "RefAll",
                "Select",
                "Split",
                "Sub",
                "ToJsonString",
                "Transform",
                "ValueOf",
                "ValueOfAll",
            ]
        ),
    }
)


class _NoValue:
    """`Ref: AWS::NoValue`: the enclosing key or list item is removed."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Any = _NoValue()

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Unresolvable(Exception):
    """An intrinsic cannot be resolved locally; its sub-tree stays as written."""


def intrinsic_name(node: Any) -> str | None:
    """`Ref` or `Fn::X` when `node` is an intrinsic function call (a one-key mapping), else None."""
    if isinstance(node, dict) and len(node) == 1:
        key = next(iter(node))
        if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
            return key
    return None


def text_of(value: Any) -> str:
    """A resolved scalar as CloudFormation text; anything else cannot be used as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise Unresolvable


class Resolver:
    """Resolves intrinsics against one stack's parameters, resources, Conditions and Mappings."""

    def __init__(
        self,
        *,
        symbols: Mapping[str, Any],
        resources: Mapping[str, Any],
        conditions: Mapping[str, Any],
        mappings: Mapping[str, Any],
        functions: Mapping[str, Callable[[Resolver, Any], Any]] | None = None,
    ) -> None:
        """`functions` adds intrinsic functions (name -> f(resolver, argument)), such as those a transform
        brings (`Fn::Length`); each raises Unresolvable when its value cannot be known locally."""
        self._symbols = symbols  # pseudo parameters and parameter values
        self._resources = resources
        self._conditions = conditions
        self._mappings = mappings
        self._condition_values: dict[str, bool] = {}
        self._in_progress: set[str] = set()  # conditions and function names being resolved (cycle guard)
        self._functions: dict[str, Callable[[Any], Any]] = {
            "Ref": self._ref,
            "Fn::Sub": self._sub,
            "Fn::GetAtt": self._get_att,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::FindInMap": self._find_in_map,
            "Fn::Base64": self._base64,
            "Fn::GetAZs": self._get_azs,
        }
        for name, function in (functions or {}).items():
            self._functions[name] = functools.partial(function, self)

    def resolve(self, node: Any) -> Any:
        """`node` with every resolvable intrinsic replaced by its value; may return NO_VALUE."""
        name = intrinsic_name(node)
        if name is not None:
            function = self._functions.get(name)
            if function is None:
                return node
            try:
                return function(node[name])
            except Unresolvable:
                return node
        if isinstance(node, dict):
            resolved = ((key, self.resolve(value)) for key, value in node.items())
            return {key: value for key, value in resolved if value is not NO_VALUE}
        if isinstance(node, list):
            return [value for value in map(self.resolve, node) if value is not NO_VALUE]
        return node

    def condition_holds(self, name: str) -> bool | None:
        """The value of the named condition, or None when it cannot be decided locally."""
        try:
            return self._condition(name)
        except Unresolvable:
            return None

    # --- conditions ---

    def _condition(self, name: Any) -> bool:
        if not isinstance(name, str) or name not in self._conditions:
            raise Unresolvable
        if name not in self._condition_values:
            self._guard(f"Condition {name}")
            try:
                self._condition_values[name] = self._evaluate(self._conditions[name])
            finally:
                self._in_progress.discard(f"Condition {name}")
        return self._condition_values[name]

    def _evaluate(self, expression: Any) -> bool:
        if not (isinstance(expression, dict) and len(expression) == 1):
            raise Unresolvable
        key, argument = next(iter(expression.items()))
        if key == "Condition":
            return self._condition(argument)
        if key == "Fn::Equals" and _is_list_of(argument, 2):
            left, right = (self.resolve(value) for value in argument)
            return text_of(left) == text_of(right)
        if key == "Fn::Not" and _is_list_of(argument, 1):
            return not self._evaluate(argument[0])
        if key == "Fn::And" and isinstance(argument, list):
            return all(self._evaluate(item) for item in argument)
        if key == "Fn::Or" and isinstance(argument, list):
            return any(self._evaluate(item) for item in argument)
        raise Unresolvable

    def _guard(self, key: str) -> None:
        if key in self._in_progress:
            raise Unresolvable
        self._in_progress.add(key)

    # --- functions ---

    def _ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise Unresolvable
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self._symbols:
            return self._symbols[name]
        if name in self._resources:
            return name  # as SAM: a resource's logical ID (layers are matched on it)
        raise Unresolvable

    def _sub(self, argument: Any) -> str:
        if isinstance(argument, str):
            template, variables = argument, {}
        elif _is_list_of(argument, 2) and isinstance(argument[0], str) and isinstance(argument[1], dict):
            template, variables = argument
        else:
            raise Unresolvable

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                return text_of(self.resolve(variables[name]))
            if "." in name:
                return text_of(self._get_att(name))
            return text_of(self._ref(name))

        return _SUB_VARIABLE.sub(substitute, template)

    def _get_att(self, argument: Any) -> str:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        if not _is_list_of(argument, 2):
            raise Unresolvable
        logical_id, attribute = argument[0], text_of(self.resolve(argument[1]))
        resource = self._resources.get(logical_id) if isinstance(logical_id, str) else None
        if attribute != "Arn" or not isinstance(resource, dict) or resource.get("Type") not in FUNCTION_TYPES:
            raise Unresolvable
        partition, region, account = (
            text_of(self._symbols.get(name)) for name in ("AWS::Partition", "AWS::Region", "AWS::AccountId")
        )
        name = self._function_name(logical_id, resource)
        return f"arn:{partition}:lambda:{region}:{account}:function:{name}"

    def _function_name(self, logical_id: str, resource: dict[str, Any]) -> str:
        properties = resource.get("Properties")
        if not isinstance(properties, dict) or "FunctionName" not in properties:
            return logical_id
        self._guard(f"FunctionName {logical_id}")
        try:
            name = self.resolve(properties["FunctionName"])
        finally:
            self._in_progress.discard(f"FunctionName {logical_id}")
        return name if isinstance(name, str) else logical_id

    def _join(self, argument: Any) -> str:
        if not _is_list_of(argument, 2):
            raise Unresolvable
        delimiter, items = self.resolve(argument[0]), self.resolve(argument[1])
        if not isinstance(delimiter, str) or not isinstance(items, list):
            raise Unresolvable
        return delimiter.join(text_of(item) for item in items)

    def _select(self, argument: Any) -> Any:
        if not _is_list_of(argument, 2):
            raise Unresolvable
        index, items = self.resolve(argument[0]), self.resolve(argument[1])
        if isinstance(index, str) and index.strip().isdigit():
            index = int(index)
        if isinstance(index, bool) or not isinstance(index, int) or not isinstance(items, list):
            raise Unresolvable
        if not 0 <= index < len(items):
            raise Unresolvable
        return items[index]

    def _split(self, argument: Any) -> list[str]:
        if not _is_list_of(argument, 2):
            raise Unresolvable
        delimiter, source = self.resolve(argument[0]), self.resolve(argument[1])
        if not isinstance(delimiter, str) or not delimiter or not isinstance(source, str):
            raise Unresolvable
        return source.split(delimiter)

    def _if(self, argument: Any) -> Any:
        if not _is_list_of(argument, 3):
            raise Unresolvable
        chosen = argument[1] if self._condition(argument[0]) else argument[2]
        return self.resolve(chosen)

    def _find_in_map(self, argument: Any) -> Any:
        if not (isinstance(argument, list) and len(argument) in (3, 4)):
            raise Unresolvable
        keys = [text_of(self.resolve(key)) for key in argument[:3]]
        value: Any = self._mappings
        for key in keys:
            value = _lookup(value, key)
            if value is None:
                return self._find_in_map_default(argument)
        return self.resolve(value)

    def _find_in_map_default(self, argument: list[Any]) -> Any:
        """The `DefaultValue` of the fourth argument (AWS::LanguageExtensions), when there is one."""
        if len(argument) == 4 and isinstance(argument[3], dict) and "DefaultValue" in argument[3]:
            return self.resolve(argument[3]["DefaultValue"])
        raise Unresolvable

    def _base64(self, argument: Any) -> str:
        return base64.b64encode(text_of(self.resolve(argument)).encode()).decode("ascii")

    def _get_azs(self, argument: Any) -> list[str]:
        """The region's Availability Zones: `""` or a Ref means the stack's region (a, b, c locally; us-east-1
        has six, as SAM lists them)."""
        region = self.resolve(argument)
        if not isinstance(region, str):
            raise Unresolvable
        region = region or str(self._symbols.get("AWS::Region", "us-east-1"))
        letters = "abcdef" if region == "us-east-1" else "abc"
        return [f"{region}{letter}" for letter in letters]


def _is_list_of(value: Any, length: int) -> bool:
    return isinstance(value, list) and len(value) == length


def _lookup(mapping: Any, key: str) -> Any:
    """`mapping[key]`, also when YAML read the key as a number (`123456789012:`)."""
    if not isinstance(mapping, dict):
        return None
    if key in mapping:
        return mapping[key]
    numeric = (value for name, value in mapping.items() if not isinstance(name, str) and str(name) == key)
    return next(numeric, None)
