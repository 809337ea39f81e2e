"""The container's environment: the `--env-vars` / `--container-env-vars` files and SAM's precedence.

Order (as SAM): the AWS block, then the template's variables, each taking the host shell's value of the
same name over the template's, and the env-vars file's value (`Parameters`, then the function's own block)
over both; values stringified as SAM does; `extra` (`--container-env-vars`) last.
Better than SAM: names in the env-vars file for this function (or in `Parameters`) that the template does not
declare are applied too; SAM silently drops them (aws/aws-sam-cli#1553).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_dap import LOCAL_ACCOUNT_ID
from lambda_dap.config.credentials import AwsContext
from lambda_dap.errors import EnvVarsFileError

PARAMETERS_KEY = "Parameters"


@dataclass(frozen=True)
class FunctionSettings:
    """What the environment rules need to know of a function (the caller takes it from the template)."""

    logical_id: str
    full_path: str = ""
    function_name: str | None = None
    handler: str = ""  # the handler, or an image function's first Command entry
    memory_mb: int = 128
    environment: Mapping[str, Any] = field(default_factory=dict)  # the template's Environment.Variables
    logging_config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        """The keys an env-vars file may use for this function's block, in SAM's order."""
        return tuple(name for name in (self.logical_id, self.function_name, self.full_path) if name)


def load_env_vars_file(path: Path, option: str = "--env-vars") -> dict[str, Any]:
    """`{"FuncId": {...}, "Parameters": {...}}` from JSON, or a .env file as `{"Parameters": {...}}`."""
    document = _load(path, option)
    if not isinstance(document, dict):
        raise EnvVarsFileError(
            f'{option} file {path} must hold a JSON object like {{"Parameters": {{"NAME": "value"}}}}'
        )
    for key, value in document.items():
        if not isinstance(value, dict):
            raise EnvVarsFileError(
                f"{option} file {path}: the value of '{key}' must be an object of variable names to values "
                f'(e.g. {{"{key}": {{"NAME": "value"}}}}), not {_json_type(value)}'
            )
    return document


def load_container_env_vars_file(path: Path) -> dict[str, str]:
    """A flat `{"NAME": "value"}` for `--container-env-vars`: JSON (a `{"Parameters": {...}}` wrapper is
    unwrapped) or .env."""
    option = "--container-env-vars"
    document = _load(path, option)
    if isinstance(document, dict) and list(document) == [PARAMETERS_KEY]:
        document = document[PARAMETERS_KEY]
    if not isinstance(document, dict):
        raise EnvVarsFileError(f'{option} file {path} must hold a JSON object like {{"NAME": "value"}}')
    for key, value in document.items():
        if isinstance(value, (dict, list)):
            raise EnvVarsFileError(
                f"{option} file {path}: the value of '{key}' must be a string, number or boolean, "
                f"not {_json_type(value)}"
            )
    return {str(key): stringify(value) for key, value in document.items()}


def lambda_environment(
    function: FunctionSettings,
    *,
    env_file: Mapping[str, Any] | None,
    host_env: Mapping[str, str],
    aws: AwsContext,
    timeout_s: int,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Everything the function's container sees in its environment."""
    result = aws_variables(function, aws, timeout_s)
    overrides = file_overrides(function, env_file or {})
    for name, value in function.environment.items():
        if name in host_env:
            value = host_env[name]
        if name in overrides:
            value = overrides[name]
        result[name] = stringify(value)
    for name, value in overrides.items():
        if name not in function.environment:
            result[name] = stringify(value)
    result.update(extra or {})
    return result


def aws_variables(function: FunctionSettings, aws: AwsContext, timeout_s: int) -> dict[str, str]:
    """The AWS_* block SAM always sets, in SAM's order."""
    logging_config = function.logging_config or {}
    variables = {
        "AWS_SAM_LOCAL": "true",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout_s),
        "AWS_LAMBDA_FUNCTION_HANDLER": function.handler,
        "AWS_LAMBDA_FUNCTION_NAME": function.logical_id,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": logging_config.get("LogGroup") or f"aws/lambda/{function.logical_id}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "$LATEST",
        "AWS_REGION": aws.region,
        "AWS_DEFAULT_REGION": aws.region,
        "AWS_ACCESS_KEY_ID": aws.access_key_id,
        "AWS_SECRET_ACCESS_KEY": aws.secret_access_key,
        "AWS_ACCOUNT_ID": LOCAL_ACCOUNT_ID,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
    }
    if aws.session_token:
        variables["AWS_SESSION_TOKEN"] = aws.session_token
    log_format = logging_config.get("LogFormat")
    if log_format:
        variables["AWS_LAMBDA_LOG_FORMAT"] = str(log_format)
        if log_format == "JSON":
            variables["AWS_LAMBDA_LOG_LEVEL"] = str(logging_config.get("ApplicationLogLevel") or "INFO")
    return variables


def file_overrides(function: FunctionSettings, env_file: Mapping[str, Any]) -> dict[str, Any]:
    """`Parameters`, overlaid with the first block named by logical ID, FunctionName or full path."""
    merged = dict(env_file.get(PARAMETERS_KEY) or {})
    for key in function.names:
        if isinstance(env_file.get(key), Mapping):
            merged.update(env_file[key])
            break
    return merged


def stringify(value: Any) -> str:
    """An environment value as SAM writes it: true/false, "" for null and unresolved (dict/list) values."""
    if value is None or isinstance(value, (dict, list, tuple)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return "a number"
    return "an object"


def _load(path: Path, option: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM (Windows editors) is no error
    except IsADirectoryError as e:
        raise EnvVarsFileError(f"{option} file {path}: expected a JSON or .env file, got a directory") from e
    except FileNotFoundError as e:
        raise EnvVarsFileError(f"{option} file {path} does not exist") from e
    except (OSError, UnicodeDecodeError) as e:
        raise EnvVarsFileError(f"Cannot read {option} file {path}: {getattr(e, 'strerror', None) or e}") from e
    stripped = text.lstrip()
    if path.suffix.lower() == ".json" or stripped.startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise EnvVarsFileError(f"{option} file {path}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from e
    return {PARAMETERS_KEY: _parse_dotenv(path, text, option)}


def _parse_dotenv(path: Path, text: str, option: str) -> dict[str, str]:
    import io

    from dotenv import dotenv_values
    from dotenv.parser import parse_stream

    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            line, text = binding.original.line, binding.original.string.strip()
            raise EnvVarsFileError(f"{option} file {path}:{line}: expected NAME=value, got {text!r}")
    values = dotenv_values(stream=io.StringIO(text))
    return {name: value or "" for name, value in values.items()}
