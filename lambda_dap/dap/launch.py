"""Launch configurations: a DAP launch/attach request's arguments to the engine's raw options.

Two shapes, both checked against `schemas/launch.schema.json` first: lambda-dap's flat `type: "lambda"` fields, named
after the `lambda-dap invoke` options, and the AWS Toolkit's `aws-sam` shape (`invokeTarget`, `lambda`, `sam`,
`aws`, `api`). `parse_launch_arguments` gives a `LaunchConfig` whose `options` go to `build_request`; every problem
is a `LaunchConfigError` naming the field (`invokeTarget.logicalId`, `sam.localArguments`, ...).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lambda_dap.errors import LaunchConfigError

SCHEMA_NAME = "launch.schema.json"
REQUESTS = ("launch", "attach", "direct-invoke")

# Fields editors add to a configuration for their own use; never warned about.
_CLIENT_FIELDS = frozenset(
    {
        "name",
        "type",
        "request",
        "cwd",
        "preLaunchTask",
        "postDebugTask",
        "internalConsoleOptions",
        "debugServer",
        "presentation",
        "serverReadyAction",
        "suppressMultipleSessionWarning",
        "windows",
        "osx",
        "linux",
        "console",
    }
)
# Launch options whose value is a path on this machine, resolved against the workspace folder.
_PATH_OPTIONS = frozenset(
    {
        "template_file",
        "event",
        "env_vars",
        "container_env_vars",
        "debugger_path",
        "docker_volume_basedir",
        "layer_cache_basedir",
        "config_file",
        "log_file",
        "code_dir",
    }
)
_DEBUG_OPTIONS = ("debug_port", "debugger_path", "debug_args")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")


@dataclass
class LaunchConfig:
    """A launch configuration, parsed: what the DAP server needs to start (or attach to) one function."""

    kind: Literal["launch", "attach"]
    options: dict[str, Any]  # raw options for `lambda_dap.invoke.build_request(options, cwd=cwd)`
    cwd: Path  # the workspace folder; every path in `options` is already absolute
    shape: Literal["lambda", "aws-sam"] = "lambda"
    event: bytes | None = None  # the event the launch invokes with, when the configuration gives one
    path_mappings: list[dict[str, str]] = field(default_factory=list)  # the configuration's own, absolute localRoot
    keep_alive: bool = False
    no_debug: bool = False
    attach_host: str | None = None
    attach_port: int | None = None
    debugger_arguments: dict[str, Any] = field(default_factory=dict)  # merged into the debugger's attach request
    name: str | None = None
    warnings: list[str] = field(default_factory=list)  # fields accepted but ignored, unknown fields: show them


def parse_launch_arguments(arguments: Mapping[str, Any], *, command: str, cwd: Path) -> LaunchConfig:
    """Validate `arguments` (a launch/attach/direct-invoke request's) and map them to a `LaunchConfig`.

    `command` is the DAP request's command; it wins over the configuration's own `request` field, which some
    clients leave out. Relative paths are resolved against the configuration's `cwd`, else against `cwd`.
    """
    if command not in REQUESTS:
        raise LaunchConfigError(f"request: expected one of {', '.join(REQUESTS)}, got {command!r}")
    if not isinstance(arguments, Mapping):
        raise LaunchConfigError(f"arguments: expected an object, got {_kind(arguments)}")
    document = {**arguments, "request": command}
    validate_launch_configuration(document)
    paths = _Paths(Path(cwd))
    workspace = Path(paths.resolve(document["cwd"], "cwd")) if "cwd" in document else paths.workspace
    builder = _Builder(document, _Paths(workspace))
    if command == "attach":
        return builder.attach()
    if "invokeTarget" in document or document.get("type") == "aws-sam":
        return builder.aws_sam()
    return builder.flat()


@functools.lru_cache(maxsize=1)
def load_launch_schema() -> dict[str, Any]:
    """`schemas/launch.schema.json`: the installed copy (lambda_dap/schemas), else the source tree's."""
    from importlib import resources

    packaged = resources.files("lambda_dap") / "schemas" / SCHEMA_NAME  # one name per step: Python 3.10
    if packaged.is_file():
        return json.loads(packaged.read_text(encoding="utf-8"))
    source_tree = Path(__file__).resolve().parents[2] / "schemas" / SCHEMA_NAME
    return json.loads(source_tree.read_text(encoding="utf-8"))


def validate_launch_configuration(document: Mapping[str, Any]) -> None:
    """Raise `LaunchConfigError` with one line for the most relevant schema violation of `document`."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(document))
    if error is not None:
        raise LaunchConfigError(_describe(error))


def launch_configuration_errors(document: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """Every schema violation of a launch.json entry, for diagnostics: (where in the document, one-line message).

    The location is the node that is there: the offending value, the unknown key, or for a missing field the object
    that lacks it.
    """
    return [(_location(error), _describe(error)) for error in _validator().iter_errors(document)]


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft7Validator

    return Draft7Validator(load_launch_schema())


# --- building the options -------------------------------------------------------------------------------------


class _Builder:
    """Maps one validated configuration to a LaunchConfig; `warnings` collects what is accepted but ignored."""

    def __init__(self, document: Mapping[str, Any], paths: _Paths) -> None:
        self.doc = document
        self.paths = paths
        self.options: dict[str, Any] = {"debug_relay": False}
        self.warnings: list[str] = []
        self.event: bytes | None = None

    # flat `type: "lambda"` -----------------------------------------------------------------------------------

    def flat(self) -> LaunchConfig:
        doc = self.doc
        self._copy(
            {
                "template": ("template_file", self._path),
                "function": ("function_identifier", None),
                "envVars": ("env_vars", self._path_or_file_content),
                "parameterOverrides": ("parameter_overrides", _overrides),
                "invokeImage": ("invoke_image", _strings),
                "skipPullImage": ("skip_pull_image", None),
                "dockerNetwork": ("docker_network", None),
                "containerEnvVars": ("container_env_vars", self._path_or_variables),
                "debugPort": ("debug_port", _ints),
                "debuggerPath": ("debugger_path", self._path),
                "debugArgs": ("debug_args", _command_line),
                "profile": ("profile", None),
                "region": ("region", None),
                "runtime": ("runtime", None),
                "dockerVolumeBasedir": ("docker_volume_basedir", self._path),
                "layerCacheBasedir": ("layer_cache_basedir", self._path),
                "forceImageBuild": ("force_image_build", None),
                "skipDependencies": ("skip_dependencies", None),
                "configFile": ("config_file", self._path),
                "configEnv": ("config_env", None),
                "addHost": ("add_host", _strings),
                "containerDns": ("container_dns", _strings),
                "containerHostInterface": ("container_host_interface", None),
                "noMemoryLimit": ("no_memory_limit", None),
                "logFile": ("log_file", self._path),
                "shutdown": ("shutdown", None),
                "tenantId": ("tenant_id", None),
                "durableExecutionName": ("durable_execution_name", None),
                "mountSymlinks": ("mount_symlinks", None),
                "languageExtensions": ("language_extensions", None),
                "containerHost": ("container_host", None),
                "handler": ("handler", None),
                "codeDir": ("code_dir", self._path),
                "memory": ("memory_mb", None),
                "timeout": ("timeout_s", None),
                "environment": ("environment", lambda value, _where: _variables(value)),
                "architecture": ("architecture", None),
            }
        )
        if "handler" in doc and "code_dir" not in self.options:
            self.options["code_dir"] = str(self.paths.workspace)
        if "event" in doc:
            self._inline_event(doc["event"])
            if isinstance(doc["event"], str) and self.paths.exists(doc["event"]):
                self.warnings.append(
                    f"event is the event itself (here the string {doc['event']!r}); "
                    "to read the event from that file use eventFile"
                )
        if "eventFile" in doc:
            self._event_file(doc["eventFile"], "eventFile")
        self._warn_unknown(_schema_properties("launch"))
        return self._config("lambda", doc.get("pathMappings", ()), "pathMappings")

    def attach(self) -> LaunchConfig:
        doc = self.doc
        self._copy(
            {
                "template": ("template_file", self._path),
                "function": ("function_identifier", None),
                "parameterOverrides": ("parameter_overrides", _overrides),
                "dockerVolumeBasedir": ("docker_volume_basedir", self._path),
            }
        )
        self._warn_unknown(_schema_properties("attach"))
        config = self._config("lambda", doc.get("pathMappings", ()), "pathMappings")
        config.kind = "attach"
        config.attach_host = doc.get("host", "127.0.0.1")
        config.attach_port = doc["port"]
        return config

    # AWS Toolkit `aws-sam` ---------------------------------------------------------------------------------------

    def aws_sam(self) -> LaunchConfig:
        doc = self.doc
        target = doc["invokeTarget"]
        lam, sam, aws = doc.get("lambda", {}), doc.get("sam", {}), doc.get("aws", {})
        kind = target["target"]
        if kind == "code":
            self.options["handler"] = target["lambdaHandler"]
            self.options["code_dir"] = self._path(target["projectRoot"], "invokeTarget.projectRoot")
            if "architecture" in target:
                self.options["architecture"] = target["architecture"]
        else:
            self.options["template_file"] = self._path(target["templatePath"], "invokeTarget.templatePath")
            self.options["function_identifier"] = target["logicalId"]
        if "runtime" in lam:
            self.options["runtime"] = lam["runtime"]
        self._lambda_settings(lam, kind, target)
        if "dockerNetwork" in sam:
            self.options["docker_network"] = sam["dockerNetwork"]
        if "skipNewImageCheck" in sam:
            self.options["skip_pull_image"] = sam["skipNewImageCheck"]
        parameters = sam.get("template", {}).get("parameters")
        if parameters:
            self.options["parameter_overrides"] = _overrides(parameters, "sam.template.parameters")
        for name in ("containerBuild", "buildArguments", "buildDir"):
            if sam.get(name):
                self.warnings.append(
                    f"sam.{name} is ignored: lambda-dap runs no `sam build`; it invokes the "
                    "template as given (point templatePath at .aws-sam/build/template.yaml)"
                )
        if "credentials" in aws:
            self.options["profile"] = aws["credentials"].partition(":")[2]
        if "region" in aws:
            self.options["region"] = aws["region"]
        if kind == "api":
            self._api_event(doc["api"], target)
        elif "api" in doc:
            self.warnings.append(f'api is ignored: it is used by an "api" target, this one is {kind!r}')
        if api := doc.get("api", {}).get("clientCertificateId"):
            self.warnings.append(f"api.clientCertificateId {api!r} is ignored")
        self._local_arguments(sam.get("localArguments", ()))
        self._warn_unknown(_schema_properties("awsSam"))
        return self._config("aws-sam", lam.get("pathMappings", ()), "lambda.pathMappings")

    def _lambda_settings(self, lam: Mapping[str, Any], kind: str, target: Mapping[str, Any]) -> None:
        payload = lam.get("payload", {})
        if kind == "api" and payload:
            self.warnings.append('lambda.payload is ignored for an "api" target: the event is built from api')
        elif "json" in payload:
            self._inline_event(payload["json"])
        elif "path" in payload:
            self._event_file(payload["path"], "lambda.payload.path")
        variables = lam.get("environmentVariables")
        if variables:  # the Toolkit's snippets write {}: that must not hide samconfig.toml's env_vars
            if kind == "code":
                self.options["environment"] = _variables(variables)
            else:  # the env-vars file's shape: only variables the template declares are set, as in SAM
                self.options["env_vars"] = {target["logicalId"]: _variables(variables)}
        for name, option in (("memoryMb", "memory_mb"), ("timeoutSec", "timeout_s")):
            if name not in lam:
                continue
            if kind == "code":
                self.options[option] = lam[name]
            else:
                what = "MemorySize" if name == "memoryMb" else "Timeout"
                self.warnings.append(f"lambda.{name} is ignored for a {kind!r} target: the template's {what} applies")
        if lam.get("tenantId"):
            self.options["tenant_id"] = lam["tenantId"]

    def _api_event(self, api: Mapping[str, Any], target: Mapping[str, Any]) -> None:
        from lambda_dap.dap.api_event import build_api_event, load_route

        payload = api.get("payload", {})
        body: bytes | None = None
        if "json" in payload:
            body = json.dumps(payload["json"]).encode("utf-8")
        elif "path" in payload:
            body = self._read(payload["path"], "api.payload.path")
        template, logical_id = self.options["template_file"], target["logicalId"]
        readable, route = load_route(Path(template), logical_id, api["httpMethod"], api["path"])
        if readable and route is None:
            self.warnings.append(
                f"api.path {api['path']!r} ({api['httpMethod'].upper()}) matches no Api event of "
                f"{logical_id}: the event has resource {api['path']!r} and no pathParameters"
            )
        event = build_api_event(
            method=api["httpMethod"],
            path=api["path"],
            body=body,
            headers=api.get("headers"),
            querystring=api.get("querystring"),
            stage_variables=api.get("stageVariables"),
            route=route,
        )
        self._inline_event(event)

    def _local_arguments(self, args: Iterable[str]) -> None:
        """`sam.localArguments`, parsed by `lambda-dap invoke` itself: they win over the structured fields."""
        args = list(args)
        if not args:
            return
        parsed = parse_invoke_arguments(args, "sam.localArguments")
        if "function_identifier" in parsed:
            raise LaunchConfigError(
                f"sam.localArguments: unexpected argument {parsed['function_identifier']!r} "
                "(the function comes from invokeTarget)"
            )
        if "events" in parsed:
            raise LaunchConfigError(
                "sam.localArguments: --events (a script of events) is for `lambda-dap invoke`; in an editor, "
                "a keepAlive session's `invoke` request sends the next event"
            )
        if "event" in parsed:
            self.options.pop("event_data", None)
            self._event_file(parsed.pop("event"), "sam.localArguments --event")
        for key, value in parsed.items():
            self.options[key] = self._path(value, f"sam.localArguments {key}") if key in _PATH_OPTIONS else value

    # shared -----------------------------------------------------------------------------------------------------

    def _copy(self, table: Mapping[str, tuple[str, Callable[[Any, str], Any] | None]]) -> None:
        for name, (option, convert) in table.items():
            if name in self.doc:
                value = self.doc[name]
                self.options[option] = convert(value, name) if convert else value

    def _config(
        self, shape: Literal["lambda", "aws-sam"], mappings: Iterable[Mapping[str, str]], where: str
    ) -> LaunchConfig:
        doc = self.doc
        no_debug = bool(doc.get("noDebug", False))
        if no_debug:
            dropped = [key for key in _DEBUG_OPTIONS if self.options.pop(key, None) is not None]
            if dropped:
                self.warnings.append(f"{', '.join(dropped)} ignored: noDebug runs without the debugger")
        debugger_arguments = dict(doc.get("debuggerArguments", {}))
        for name in ("justMyCode", "showReturnValue"):
            if name in doc:
                debugger_arguments[name] = doc[name]
        path_mappings = [
            {
                "localRoot": self._path(item["localRoot"], f"{where}[{index}].localRoot"),
                "remoteRoot": item["remoteRoot"],
            }
            for index, item in enumerate(mappings)
        ]
        return LaunchConfig(
            kind="launch",
            options=self.options,
            cwd=self.paths.workspace,
            shape=shape,
            event=self.event,
            path_mappings=path_mappings,
            keep_alive=bool(doc.get("keepAlive")),
            no_debug=no_debug,
            debugger_arguments=debugger_arguments,
            name=doc.get("name"),
            warnings=self.warnings,
        )

    def _inline_event(self, value: Any) -> None:
        self.event = json.dumps(value).encode("utf-8")
        self.options["event_data"] = self.event
        self.options.pop("event", None)

    def _event_file(self, value: str, where: str) -> None:
        if value == "-":
            raise LaunchConfigError(f"{where}: '-' (stdin) is not available in a debug session; give a file")
        path = self._path(value, where)
        data = self._read(value, where)
        try:
            json.loads(data)
        except ValueError as e:
            raise LaunchConfigError(f"{where}: {path} is not valid JSON: {e}") from None
        self.event = data
        self.options["event"] = path
        self.options.pop("event_data", None)

    def _read(self, value: str, where: str) -> bytes:
        path = self._path(value, where)
        try:
            return Path(path).read_bytes()
        except OSError as e:
            raise LaunchConfigError(f"{where}: cannot read {path}: {e.strerror or e}") from None

    def _path(self, value: str, where: str) -> str:
        return self.paths.resolve(value, where)

    def _path_or_file_content(self, value: Any, where: str) -> Any:
        if isinstance(value, str):
            return self._path(value, where)
        return {name: _variables(block) for name, block in value.items()}

    def _path_or_variables(self, value: Any, where: str) -> Any:
        return self._path(value, where) if isinstance(value, str) else _variables(value)

    def _warn_unknown(self, known: frozenset[str]) -> None:
        for name in self.doc:
            if name not in known and name not in _CLIENT_FIELDS and not name.startswith("__"):
                self.warnings.append(f"{name} is not a lambda-dap launch field; ignored")


def parse_invoke_arguments(args: list[str], where: str) -> dict[str, Any]:
    """`lambda-dap invoke` arguments, parsed by its own click command: {parameter name: value} as given."""
    import click
    from click.core import ParameterSource

    import lambda_dap.cli.main  # noqa: F401  (registers the commands; cli.invoke cannot be imported first)
    from lambda_dap.cli.invoke import invoke_command
    from lambda_dap.cli.options import gather_nargs_option

    tokens = gather_nargs_option(list(args), "--parameter-overrides")
    try:
        # No help option: `--help` would print to stdout, which is the DAP stream under --stdio.
        context = invoke_command.make_context("invoke", tokens, help_option_names=[])
    except click.ClickException as e:
        raise LaunchConfigError(f"{where}: {e.format_message()}") from None
    return {
        name: value
        for name, value in context.params.items()
        if context.get_parameter_source(name) is ParameterSource.COMMANDLINE
    }


# --- paths ----------------------------------------------------------------------------------------------------


class _Paths:
    """Resolves a configuration's paths: `${workspaceFolder}`, `~`, relative to the workspace folder."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = Path(os.path.abspath(workspace))

    def resolve(self, value: str, where: str) -> str:
        substitutions = {
            "workspaceFolder": str(self.workspace),
            "workspaceRoot": str(self.workspace),
            "cwd": str(self.workspace),
            "userHome": str(Path.home()),
        }

        def substitute(found: re.Match[str]) -> str:
            name = found.group(1)
            if name not in substitutions:
                raise LaunchConfigError(
                    f"{where}: {value!r} holds the variable ${{{name}}}, which this editor did "
                    "not substitute; write the path itself"
                )
            return substitutions[name]

        text = os.path.expanduser(_VARIABLE.sub(substitute, value))
        return os.path.abspath(os.path.join(self.workspace, text))

    def exists(self, value: str) -> bool:
        try:
            return Path(self.resolve(value, "")).is_file()
        except (LaunchConfigError, OSError, ValueError):
            return False


# --- value conversions ----------------------------------------------------------------------------------------


def _variables(values: Mapping[str, Any]) -> dict[str, str]:
    """Environment values as text, as SAM writes them: true/false, numbers as written."""
    return {name: _text(value) for name, value in values.items()}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _overrides(value: Any, _where: str) -> Any:
    if isinstance(value, str):
        return value
    return {name: ",".join(item) if isinstance(item, list) else _text(item) for name, item in value.items()}


def _strings(value: Any, _where: str) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _ints(value: Any, _where: str) -> tuple[int, ...]:
    return (value,) if isinstance(value, int) else tuple(value)


def _command_line(value: Any, _where: str) -> str:
    return value if isinstance(value, str) else shlex.join(value)


# --- schema errors as one line ----------------------------------------------------------------------------------

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def _schema_properties(definition: str) -> frozenset[str]:
    schema = load_launch_schema()
    return frozenset(schema["properties"]) | frozenset(schema["definitions"][definition]["properties"])


def _describe(error: Any) -> str:
    """One line: the field's path and what it expects."""
    where = _field(error.absolute_path)
    schema, value, keyword = error.schema, error.instance, error.validator
    keywords = list(error.schema_path)
    if keywords[-2:] == ["propertyNames", "not"]:
        return f"{_join(where, value)}: {schema.get('errorMessage', 'is not allowed here')}"
    if keyword == "not" and isinstance(error.validator_value, Mapping) and "required" in error.validator_value:
        names = " and ".join(_join(where, name) for name in error.validator_value["required"])
        return f"{names}: {schema.get('errorMessage', 'cannot be given together')}"
    if keyword == "required":
        missing = next(name for name in error.validator_value if name not in value)
        hint = schema.get("errorMessage") or _first_sentence(schema.get("properties", {}).get(missing, {}))
        return f"{_join(where, missing)}: missing" + (f"; {hint}" if hint else "")
    if keyword == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = next(name for name in value if name not in allowed)
        return f"{_join(where, extra)}: unknown field; expected one of: {', '.join(allowed)}"
    label = where or "configuration"
    if keyword == "type":
        types = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        expected = " or ".join(_TYPE_NAMES.get(name, name) for name in types)
        return f"{label}: expected {expected}, got {_kind(value)}"
    if keyword in ("enum", "const"):
        choices = error.validator_value if keyword == "enum" else [error.validator_value]
        shown = list({str(choice).lower(): choice for choice in reversed(choices)}.values())[::-1]
        return f"{label}: expected {_choices(shown)}, got {_short(value)}"
    if keyword == "pattern":
        expected = schema.get("patternErrorMessage") or f"a value matching {error.validator_value}"
        return f"{label}: {expected}, got {_short(value)}"
    if keyword in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        bounds = (
            f"from {low} to {high}" if low is not None and high is not None else f"{keyword} {error.validator_value}"
        )
        return f"{label}: expected a whole number {bounds}, got {_short(value)}"
    if keyword == "minLength":
        return f"{label}: must not be empty"
    if keyword == "minItems":
        return f"{label}: must not be an empty list"
    return f"{label}: {schema.get('errorMessage') or error.message}"


def _location(error: Any) -> tuple[str | int, ...]:
    path = tuple(error.absolute_path)
    if list(error.schema_path)[-2:] == ["propertyNames", "not"]:
        return (*path, error.instance)
    if error.validator == "additionalProperties":
        allowed = error.schema.get("properties", {})
        return (*path, next(name for name in error.instance if name not in allowed))
    return path


def _field(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(where: str, name: Any) -> str:
    return f"{where}.{name}" if where else str(name)


def _first_sentence(schema: Mapping[str, Any]) -> str:
    text = str(schema.get("description", "")).split(". ")[0].rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _choices(values: list[Any]) -> str:
    shown = [json.dumps(value) for value in values]
    return shown[0] if len(shown) == 1 else "one of " + ", ".join(shown)


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    kind = "null" if value is None else names.get(type(value), type(value).__name__)
    return kind if value is None or isinstance(value, (dict, list)) else f"{kind} {_short(value)}"


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."
