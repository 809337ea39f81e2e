"""Option plumbing shared by commands: SAM's multi-token options, samconfig defaults, small value parsers."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from lambda_dap.errors import OptionError


def gather_nargs_option(args: list[str], option: str) -> list[str]:
    """Join the tokens after `option` into its one value, as SAM's `--parameter-overrides A=1 B=2` allows.

    Tokens are taken while they look like overrides (contain '='), so a function identifier after them stays one.
    """
    result: list[str] = []
    index = 0
    while index < len(args):
        token = args[index]
        result.append(token)
        index += 1
        if token == option:
            values = []
            while index < len(args) and not args[index].startswith("-") and (
                "=" in args[index] or not values
            ):
                values.append(args[index])
                index += 1
            result.append(values[0] if len(values) == 1 else shlex.join(values))
    return result


def apply_config_defaults(ctx: click.Context, values: dict[str, Any], config: dict[str, Any],
                          config_path: Path) -> None:
    """Fill options the user left at their default from a samconfig `parameters` table (CLI and env win)."""
    by_name = {param.name: param for param in ctx.command.params if param.name}
    for key, raw in config.items():
        param = by_name.get(key)
        if param is None or key in ("config_file", "config_env"):
            continue
        if ctx.get_parameter_source(key) not in (ParameterSource.DEFAULT, None):
            continue
        if key == "parameter_overrides" and isinstance(raw, list):
            raw = " ".join(str(item) for item in raw)
        if getattr(param, "multiple", False) and not isinstance(raw, (list, tuple)):
            raw = [raw]
        try:
            values[key] = param.type_cast_value(ctx, raw)
        except click.BadParameter as e:
            raise OptionError(f"{config_path}: {key}: {e.message}") from e
        if key in ("template_file", "env_vars", "container_env_vars", "log_file", "layer_cache_basedir",
                   "debugger_path", "docker_volume_basedir") and values[key]:
            candidate = Path(str(values[key]))
            if not candidate.is_absolute():
                values[key] = str(config_path.parent / candidate)


def parse_invoke_images(values: tuple[str, ...]) -> dict[str | None, str]:
    """`--invoke-image URI` (every function) or `--invoke-image Function=URI`."""
    images: dict[str | None, str] = {}
    for value in values:
        name, sep, uri = value.partition("=")
        if sep and name and "/" not in name and ":" not in name:
            images[name] = uri
        else:
            images[None] = value
    return images


def parse_add_hosts(values: tuple[str, ...]) -> dict[str, str]:
    hosts: dict[str, str] = {}
    for value in values:
        host, sep, address = value.partition(":")
        if not sep or not host or not address:
            raise OptionError(f"Invalid --add-host '{value}': expected HOST:IP")
        hosts[host] = address
    return hosts
