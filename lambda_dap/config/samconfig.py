"""samconfig.toml / .yaml / .yml: find the file and read one command's parameters from it.

Layout (as SAM): `[<env>.<command>.parameters]` over `[<env>.global.parameters]`, keys are the snake_case
option names (`template_file`, `parameter_overrides`, `debug_port`, ...). Unlike SAM, a `--config-env` that is
not in the file is an error rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
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


def load_command_parameters(
    path: Path,
    env: str = DEFAULT_ENV,
    command: str = "local_invoke",
    *,
    known: Collection[str] | None = None,
    warn: Callable[[str], None] | None = None,
    missing_ok: bool = False,
) -> dict[str, Any]:
    """`[env.global.parameters]` overlaid with `[env.<command>.parameters]`.

    A missing `default` env gives {} (any missing env with `missing_ok`: `--save-params` is about to write it);
    another env that the file lacks is an error listing the envs it has; a
    `version` that is not a number is an error, as in SAM. `warn` gets a line per key of the command's own table
    that is not in `known` (SAM ignores them without a word; `global` keys may belong to other commands)."""
    document = _read(path)
    _check_version(document, path)
    envs = {name: value for name, value in document.items() if isinstance(value, dict)}
    if env not in envs:
        if env == DEFAULT_ENV or missing_ok:
            return {}
        present = ", ".join(sorted(envs)) or "none"
        raise ConfigFileError(f"Config environment '{env}' not found in {path} (environments present: {present})")
    section = envs[env]
    merged: dict[str, Any] = {}
    command_key = command.replace(" ", "_").replace("-", "_")
    for key in ("global", command_key):
        parameters = _parameters(section, key, env, path)
        if key == command_key and known is not None and warn is not None:
            _warn_on_unknown(parameters, known, f"{path}: [{env}.{key}.parameters]", warn)
        merged.update(parameters)
    return merged


def _check_version(document: dict[str, Any], path: Path) -> None:
    """SAM refuses a samconfig whose `version` is not a number (SamConfigVersionException); so does lambda-dap."""
    version = document.get("version")
    if version is None or (isinstance(version, (int, float)) and not isinstance(version, bool)):
        return
    raise ConfigFileError(f"Invalid config file {path}: version: expected a number such as 0.1, got {version!r}")


def _warn_on_unknown(
    parameters: dict[str, Any], known: Collection[str], table: str, warn: Callable[[str], None]
) -> None:
    for key in parameters:
        if key in known:
            continue
        spelled = str(key).replace("-", "_")
        hint = f" (did you mean {spelled}?)" if spelled in known else ""
        warn(f"{table}: {key}: not an option of `invoke`{hint}; ignored")


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


def config_file_to_write(explicit: str | None, template_dir: Path) -> Path:
    """Where `--save-params` writes, as SAM: `explicit` (relative to the template's directory), else the first
    default name present there, else `samconfig.toml` there."""
    if explicit:
        path = Path(explicit).expanduser()
        return path if path.is_absolute() else template_dir / path
    return next(
        (template_dir / name for name in DEFAULT_CONFIG_NAMES if (template_dir / name).is_file()),
        template_dir / DEFAULT_CONFIG_NAMES[0],
    )


def save_command_parameters(
    path: Path,
    parameters: dict[str, Any],
    *,
    env: str = DEFAULT_ENV,
    command: str = "local_invoke",
    global_parameters: dict[str, Any] | None = None,
) -> None:
    """Write `parameters` into `[env.<command>.parameters]` (and `global_parameters` into `[env.global.parameters]`)
    of the TOML file at `path`, keeping everything else in it, comments included, as SAM's `--save-params` does.

    A key whose value `[env.global.parameters]` already holds is left out of the command's table (SAM's
    deduplication); a new file gets `version = 0.1`."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    if path.suffix.lower() != ".toml":
        from lambda_dap.errors import UnsupportedOption

        raise UnsupportedOption(f"--save-params: lambda-dap writes TOML config files only, not {path}")
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.is_file() else tomlkit.document()
    except OSError as e:
        raise ConfigFileError(f"Cannot read config file {path}: {e.strerror or e}") from e
    except TOMLKitError as e:
        raise ConfigFileError(f"Invalid config file {path}: {e}") from e
    for table, values in ((command, parameters), ("global", global_parameters or {})):
        for key, value in values.items():
            _put(document, [env, table, "parameters"], key, value)
            _deduplicate(document, env, table, key)
    if "version" not in document:
        document["version"] = 0.1
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(tomlkit.dumps(document), encoding="utf-8")
    except OSError as e:
        raise ConfigFileError(f"Cannot write config file {path}: {e.strerror or e}") from e


def _put(document: Any, tables: list[str], key: str, value: Any) -> None:
    """Set `key` in the nested table `tables`, creating the tables that are missing (a key holding something else
    than a table is an error, as the file would be ambiguous)."""
    import tomlkit

    container = document
    for name in tables:
        if name not in container:
            container[name] = tomlkit.table(is_super_table=name != tables[-1])
        container = container[name]
        if not isinstance(container, dict):
            raise ConfigFileError(f"Invalid config file: [{'.'.join(tables)}]: {name} is not a table")
    container[key] = value


def _deduplicate(document: Any, env: str, command: str, key: str) -> None:
    if command == "global":
        return
    section = document.get(env, {})
    global_value = section.get("global", {}).get("parameters", {}).get(key)
    parameters = section.get(command, {}).get("parameters", {})
    if global_value and global_value == parameters.get(key):
        del parameters[key]
