"""The functions of a template, and finding one the way `sam local invoke FUNCTION_IDENTIFIER` does."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from lambda_dap.errors import FunctionIdentifierRequired, FunctionNotFound, UnsupportedFunction
from lambda_dap.template.model import Function
from lambda_dap.template.paths import display_path

# arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier], its partial form
# 123456789012:function:name[:qualifier], and name:alias
_FUNCTION_ARN = re.compile(r"^arn:[^:]+:lambda:[^:]*:[^:]*:function:(?P<name>[^:]+)(?::[^:]+)?$")
_PARTIAL_ARN = re.compile(r"^\d{12}:function:(?P<name>[^:]+)(?::[^:]+)?$")
_QUALIFIED_NAME = re.compile(r"^(?P<name>[^:]+):[^:]+$")


def split_identifier(identifier: str) -> tuple[str, str]:
    """(stack path, function name): `A/B/arn:...:function:f:live` -> ("A/B", "f")."""
    stack, _, name = identifier.rpartition("/")
    for pattern in (_FUNCTION_ARN, _PARTIAL_ARN, _QUALIFIED_NAME):
        match = pattern.match(name)
        if match:
            return stack, match.group("name")
    return stack, name


class FunctionCatalog:
    """The functions of a template and its nested stacks, in template order."""

    def __init__(self, template_path: Path, functions: Sequence[Function]) -> None:
        self.template_path = template_path
        self.functions: list[Function] = list(functions)

    def __iter__(self) -> Iterator[Function]:
        return iter(self.functions)

    def __len__(self) -> int:
        return len(self.functions)

    @property
    def full_paths(self) -> list[str]:
        return [function.full_path for function in self.functions]

    def get(self, identifier: str) -> Function | None:
        """The function `identifier` names (full path, logical ID, SAM's function ID, FunctionName or ARN, or a
        CDK construct path), or None."""
        for function in self.functions:
            if function.full_path == identifier:
                return function
        stack, name = split_identifier(identifier)
        candidates = [f for f in self.functions if _stack_of(f) == stack] if stack else self.functions
        top_level_first = sorted(candidates, key=lambda f: f.full_path.count("/"))
        return (
            next((f for f in top_level_first if name in (f.logical_id, f.function_id)), None)
            or next((f for f in top_level_first if f.function_name == name), None)
            or self._by_construct_path(identifier)
        )

    def _by_construct_path(self, identifier: str) -> Function | None:
        """`MyStack/Handler` or `MyStack/Handler/Resource`, as `aws:cdk:path` has it (SAM takes only the
        construct ID, `Handler`; lambda-dap takes the path CDK users see in cdk.out/tree.json too)."""
        path = identifier.rstrip("/")
        return next((f for f in self.functions if f.cdk_path in (path, f"{path}/Resource")), None)

    def find(self, identifier: str | None) -> Function:
        """The function to run: the named one, or the only one when `identifier` is None.

        Raises FunctionIdentifierRequired, FunctionNotFound, or UnsupportedFunction (S3 code, ...).
        """
        function = self._only() if not identifier else self.get(identifier)
        if function is None:
            raise FunctionNotFound(
                f"Function '{identifier}' not found in template: {self._source}. Functions: {self._listing}"
            )
        if function.unsupported_reason:
            source, reason = display_path(function.template_path), function.unsupported_reason
            raise UnsupportedFunction(f"Function '{function.full_path}' in {source} cannot run locally: {reason}")
        return function

    def _only(self) -> Function:
        if len(self.functions) == 1:
            return self.functions[0]
        if not self.functions:
            raise FunctionNotFound(f"No functions found in {self._source}")
        raise FunctionIdentifierRequired(
            f"{self._source} has {len(self.functions)} functions; name one of: {self._listing}"
        )

    @property
    def _source(self) -> str:
        return display_path(self.template_path)

    @property
    def _listing(self) -> str:
        return ", ".join(self.full_paths) or "(none)"


def _stack_of(function: Function) -> str:
    return function.full_path.rpartition("/")[0]
