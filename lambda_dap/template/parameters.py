"""Parameter values: pseudo parameters, template Defaults, then overrides, as `sam local invoke` has them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from lambda_dap import LOCAL_ACCOUNT_ID
from lambda_dap.template.location import FieldPath, show

STACK_NAME = "local"
DEFAULT_REGION = "us-east-1"
_STACK_ID = "51af3dc0-da77-11e4-872e-1234567db123"
# SAM's local value in every region (its DEFAULT_PSEUDO_PARAM_VALUES): nothing local is under amazonaws.com.
URL_SUFFIX = "localhost"


def region_of(overrides: Mapping[str, str], environ: Mapping[str, str]) -> str:
    """`AWS::Region` from the overrides, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1."""
    return (
        overrides.get("AWS::Region") or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    )


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def pseudo_parameters(overrides: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, Any]:
    """The `AWS::*` pseudo parameters of a local stack; `AWS::*` overrides win. `AWS::NoValue` is not here."""
    region = region_of(overrides, environ)
    partition = partition_of(region)
    stack_id = f"arn:{partition}:cloudformation:{region}:{LOCAL_ACCOUNT_ID}:stack/{STACK_NAME}/{_STACK_ID}"
    values: dict[str, Any] = {
        "AWS::AccountId": LOCAL_ACCOUNT_ID,
        "AWS::Partition": partition,
        "AWS::Region": region,
        "AWS::StackName": STACK_NAME,
        "AWS::StackId": stack_id,
        "AWS::URLSuffix": URL_SUFFIX,
    }
    values.update({name: value for name, value in overrides.items() if name.startswith("AWS::")})
    return values


def parameter_values(
    declared: Any,
    overrides: Mapping[str, str],
    where: FieldPath,
    warn: Callable[[str], None] | None = None,
) -> dict[str, str | list[str]]:
    """Values of the template's Parameters: the override, else the Default. Parameters with neither are
    absent (a `Ref` to them stays unresolved); overrides naming no declared parameter are ignored.

    `warn` gets one line per value CloudFormation would refuse (not a Number, outside AllowedValues,
    AllowedPattern, MinLength/MaxLength or MinValue/MaxValue) and per parameter without a value: SAM uses them as
    they are, and so does lambda-dap."""
    if declared is None:
        return {}
    if not isinstance(declared, dict):
        raise where.error("expected a mapping of parameter names to their Type and Default")
    values: dict[str, str | list[str]] = {}
    for name, spec in declared.items():
        field = where.child(str(name))
        if not isinstance(spec, dict):
            raise field.error(f"expected a mapping with Type and Default, got {show(spec)}")
        overridden = name in overrides
        value = overrides[name] if overridden else spec.get("Default")
        if value is None:
            if warn is not None:
                warn(
                    f"{field.source}: {field.path}: no value (no Default, and no {name}=VALUE in "
                    f"--parameter-overrides); !Ref {name} stays unresolved"
                )
            continue
        values[str(name)] = _typed(value, spec.get("Type"), field)
        if warn is not None:
            origin = "from --parameter-overrides" if overridden else "its Default"
            for problem in _constraint_problems(values[str(name)], spec):
                warn(f"{field.source}: {field.path}: {problem} ({origin}); used as it is, as SAM does")
    return values


def _constraint_problems(value: str | list[str], spec: Mapping[str, Any]) -> list[str]:
    """What CloudFormation would refuse about a parameter's value, by its Type and constraints."""
    type_name = str(spec.get("Type") or "String")
    items = value if isinstance(value, list) else [value]
    numeric = type_name in ("Number", "List<Number>")
    problems: list[str] = []
    for item in items:
        shown = repr(item)
        number = _number(item)
        if numeric and number is None:
            problems.append(f"{shown} is not a number, as Type {type_name} requires")
            continue
        allowed = spec.get("AllowedValues")
        if isinstance(allowed, list) and item not in [_plain(option) for option in allowed]:
            options = ", ".join(_plain(option) for option in allowed)
            problems.append(f"{shown} is not one of its AllowedValues ({options})")
        pattern = spec.get("AllowedPattern")
        if isinstance(pattern, str) and not numeric and not _full_match(pattern, item):
            problems.append(f"{shown} does not match its AllowedPattern {pattern}")
        if numeric:
            problems += _bound_problems(shown, number, spec, "MinValue", "MaxValue", "")
        else:
            problems += _bound_problems(shown, len(item), spec, "MinLength", "MaxLength", " characters")
    return problems


def _bound_problems(
    shown: str, measure: float | None, spec: Mapping[str, Any], low_key: str, high_key: str, unit: str
) -> list[str]:
    low, high = _number(spec.get(low_key)), _number(spec.get(high_key))
    if measure is None:
        return []
    if low is not None and measure < low:
        return [f"{shown} is below its {low_key} of {_plain(spec.get(low_key))}{unit}"]
    if high is not None and measure > high:
        return [f"{shown} is above its {high_key} of {_plain(spec.get(high_key))}{unit}"]
    return []


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _full_match(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return True  # a Java pattern Python cannot read: no verdict


def _typed(value: Any, type_name: Any, field: FieldPath) -> str | list[str]:
    """CloudFormation parameter values are strings; list types (CommaDelimitedList, List<...>) are lists."""
    is_list = type_name == "CommaDelimitedList" or str(type_name).startswith("List<")
    if isinstance(value, list):
        items = [_text(item, field) for item in value]
        return items if is_list else ",".join(items)
    text = _text(value, field)
    return [item.strip() for item in text.split(",")] if is_list else text


def _text(value: Any, field: FieldPath) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise field.error(f"expected a string, number or list value, got {show(value)}")
