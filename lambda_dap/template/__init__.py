"""What to run: template loading, intrinsics, Globals, parameters, functions, layers and nested stacks.

Typical use: `load_functions(default_template_path(cwd), parameter_overrides=...).find("HelloWorldFunction")`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from lambda_dap.template.catalog import FunctionCatalog
from lambda_dap.template.loader import load_template
from lambda_dap.template.model import Function, Layer
from lambda_dap.template.paths import absolute, default_template_path
from lambda_dap.template.stack import load_stack_functions


def load_functions(
    template_path: Path,
    *,
    parameter_overrides: Mapping[str, str] | None = None,
    base_dir: Path | None = None,
    warn: Callable[[str], None] | None = None,
    language_extensions: bool | None = None,
) -> FunctionCatalog:
    """Every function of the template (nested stacks included) with Globals merged and intrinsics resolved.

    `parameter_overrides` win over Defaults (`AWS::Region` and other `AWS::*` names set pseudo parameters in
    every stack); `base_dir` replaces the template's directory as the start of relative CodeUri paths. `warn` gets
    one line (file, field or line, problem) per input SAM accepts but that is most likely a mistake.
    `language_extensions` expands `Transform: AWS::LanguageExtensions` (Fn::ForEach, ...) when True, not when
    False; None decides as SAM does (SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS=1, else not).
    """
    functions = load_stack_functions(
        Path(template_path), parameter_overrides or {}, base_dir, warn, language_extensions=language_extensions
    )
    return FunctionCatalog(absolute(Path(template_path)), functions)


__all__ = [
    "Function",
    "FunctionCatalog",
    "Layer",
    "default_template_path",
    "load_functions",
    "load_template",
]
