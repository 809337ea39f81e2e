"""samconfig.toml / .yaml / .yml: find the file and read one command's parameters from it.

Layout (as SAM): `[<env>.<command>.parameters]` over `[<env>.global.parameters]`, keys are the snake_case
option names (`template_file`, `parameter_overrides`, `debug_port`, ...). Unlike SAM, a `--config-env` that is
not in the file is an error rather than silently ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambda_dap.config.files import FileFormatError, read_toml_or_yaml
from lambda_dap.errors import ConfigFileError

DEFAULT_CONFIG_NAMES = ("samconfig.toml", "samconfig.yaml", "samconfig.yml")
DEFAULT_ENV = "default"


def find_config_file(explicit: str | None, template_dir: Path, cwd: Path) -> Path | None:
    """The config file to read: `explicit` (relative to the template's directory), else the first default name
    found in `template_dir`, then in `cwd`; None when there is none."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_absolute():
            path = template_dir / path
        if not path.is_file():
            raise ConfigFileError(f"Config file {path} does not exist")
        return path
    for directory in dict.fromkeys((template_dir, cwd)):
        for name in DEFAULT_CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


def load_command_parameters(path: Path, env: str = DEFAULT_ENV, command: str = "local_invoke") -> dict[str, Any]:
    """`[env.global.parameters]` overlaid with `[env.<command>.parameters]`.

    A missing `default` env gives {}; another env that the file lacks is an error listing the envs it has."""
    document = _read(path)
    envs = {name: value for name, value in document.items() if isinstance(value, dict)}
    if env not in envs:
        if env == DEFAULT_ENV:
            return {}
        present = ", ".join(sorted(envs)) or "none"
        raise ConfigFileError(f"Config environment '{env}' not found in {path} (environments present: {present})")
    section = envs[env]
    merged: dict[str, Any] = {}
    for key in ("global", command.replace(" ", "_").replace("-", "_")):
        merged.update(_parameters(section, key, env, path))
    return merged


def _read(path: Path) -> dict[str, Any]:
    try:
        document = read_toml_or_yaml(path)
    except OSError as e:
        raise ConfigFileError(f"Cannot read config file {path}: {e.strerror or e}") from e
    except FileFormatError as e:
        raise ConfigFileError(f"Invalid config file {path}: {e}") from e
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigFileError(f"Invalid config file {path}: expected a mapping of environments at the top level")
    return document


def _parameters(section: dict[str, Any], command: str, env: str, path: Path) -> dict[str, Any]:
    table = section.get(command, {})
    parameters = table.get("parameters", {}) if isinstance(table, dict) else None
    if not isinstance(parameters, dict):
        raise ConfigFileError(f"Invalid config file {path}: [{env}.{command}.parameters] must be a table of options")
    return dict(parameters)
