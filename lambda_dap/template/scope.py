"""What building a function needs to know about the stack that defines it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_dap.template.intrinsics import NO_VALUE, Resolver, intrinsic_name
from lambda_dap.template.location import FieldPath, show
from lambda_dap.template.paths import absolute


@dataclass(frozen=True)
class StackScope:
    """One (possibly nested) stack: its file, resolver, resources and where its local paths start."""

    template_path: Path  # absolute
    where: FieldPath  # the file, for error messages
    resolver: Resolver
    resources: Mapping[str, Any]
    code_base: Path  # CodeUri and ContentUri are relative to this directory
    prefix: str = ""  # "" at the top, "Child/" inside a nested stack

    def local_path(self, uri: str) -> Path:
        return absolute(self.code_base / uri)


class Properties:
    """Typed, resolved reads of one resource's Properties; a wrong type is a one-line TemplateError."""

    def __init__(self, raw: Mapping[str, Any], resolver: Resolver, where: FieldPath) -> None:
        self.raw = raw
        self.where = where
        self._resolver = resolver

    def resolved(self, key: str) -> Any:
        """The property with intrinsics resolved; None when absent or `AWS::NoValue`."""
        value = self._resolver.resolve(self.raw.get(key))
        return None if value is NO_VALUE else value

    def string(self, key: str, expected: str = "a string") -> str | None:
        value = self.resolved(key)
        if value is None or isinstance(value, str):
            return value
        raise self.where.child(key).error(f"expected {expected}, got {_shown(value)}")

    def integer(self, key: str, default: int, unit: str) -> int:
        value = self.resolved(key)
        if value is None:
            return default
        number = _as_int(value)
        if number is None or number < 1:
            raise self.where.child(key).error(f"expected a positive whole number of {unit}, got {_shown(value)}")
        return number

    def mapping(self, key: str, expected: str) -> dict[str, Any]:
        value = self.resolved(key)
        if value is None:
            return {}
        if isinstance(value, dict):
            return value
        raise self.where.child(key).error(f"expected {expected}, got {_shown(value)}")


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _shown(value: Any) -> str:
    if intrinsic_name(value):
        return f"{show(value)}, which cannot be resolved locally (give its parameter a value)"
    return show(value)
