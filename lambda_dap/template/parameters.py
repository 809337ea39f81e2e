"""Parameter values: pseudo parameters, template Defaults, then overrides, as `sam local invoke` has them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lambda_dap import LOCAL_ACCOUNT_ID
from lambda_dap.template.location import FieldPath, show

STACK_NAME = "local"
DEFAULT_REGION = "us-east-1"
_STACK_ID = "51af3dc0-da77-11e4-872e-1234567db123"


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
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
    }
    values.update({name: value for name, value in overrides.items() if name.startswith("AWS::")})
    return values


def parameter_values(declared: Any, overrides: Mapping[str, str], where: FieldPath) -> dict[str, str | list[str]]:
    """Values of the template's Parameters: the override, else the Default. Parameters with neither are
    absent (a `Ref` to them stays unresolved); overrides naming no declared parameter are ignored."""
    if declared is None:
        return {}
    if not isinstance(declared, dict):
        raise where.error("expected a mapping of parameter names to their Type and Default")
    values: dict[str, str | list[str]] = {}
    for name, spec in declared.items():
        field = where.child(str(name))
        if not isinstance(spec, dict):
            raise field.error(f"expected a mapping with Type and Default, got {show(spec)}")
        value = overrides[name] if name in overrides else spec.get("Default")
        if value is not None:
            values[str(name)] = _typed(value, spec.get("Type"), field)
    return values


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
