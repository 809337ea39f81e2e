"""From a front door's raw option values to an `InvokeRequest`: one set of rules and errors for every door.

`options` holds `lambda-dap invoke`'s option values under their click parameter names (`template_file`,
`debug_port`, ...); a missing key or None means "not given". Precedence, as `sam local invoke` has it: a given
value, then SAM's environment variable (`SAM_TEMPLATE_FILE`, ...), then `samconfig.toml` (`[<env>.global]` under
`[<env>.local_invoke]`), then the default. Extras no CLI option has: `event_data` (the event itself, bytes or any
JSON value), `debug_relay` (False: the caller connects to the debugger itself), and a function given without a
template: `handler`, `code_dir`, `runtime`, `memory_mb`, `timeout_s`, `environment`.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from lambda_dap.errors import EventError, LambdaDapError, OptionError, OptionValueError, UnsupportedOption
from lambda_dap.invoke.request import CodeTarget, DebugOptions, InvokeRequest

if TYPE_CHECKING:
    from lambda_dap.invoke.cases import ScriptedEvent

PATH, TEXT, FLAG, PORTS, TEXTS = "path", "text", "flag", "ports", "texts"
BOOL = "bool"  # a --x/--no-x flag: False is a value given, None is not given

# option -> (kind, SAM's environment variable)
OPTIONS: dict[str, tuple[str, str | None]] = {
    "function_identifier": (TEXT, None),
    "event": (PATH, None),
    "events": (PATH, None),
    "no_event": (FLAG, None),
    "template_file": (PATH, "SAM_TEMPLATE_FILE"),
    "env_vars": (PATH, None),
    "parameter_overrides": (TEXT, None),
    "debug_port": (PORTS, "SAM_DEBUG_PORT"),
    "debugger_path": (PATH, None),
    "debug_args": (TEXT, "DEBUGGER_ARGS"),
    "docker_volume_basedir": (PATH, "SAM_DOCKER_VOLUME_BASEDIR"),
    "docker_network": (TEXT, "SAM_DOCKER_NETWORK"),
    "container_env_vars": (PATH, None),
    "log_file": (PATH, None),
    "layer_cache_basedir": (PATH, "SAM_LAYER_CACHE_BASEDIR"),
    "skip_pull_image": (FLAG, "SAM_SKIP_PULL_IMAGE"),
    "force_image_build": (FLAG, "SAM_FORCE_IMAGE_BUILD"),
    "skip_dependencies": (FLAG, None),
    "profile": (TEXT, None),
    "region": (TEXT, None),
    "config_file": (PATH, None),
    "config_env": (TEXT, None),
    "invoke_image": (TEXTS, None),
    "runtime": (TEXT, None),
    "shutdown": (FLAG, None),
    "container_host_interface": (TEXT, None),
    "add_host": (TEXTS, None),
    "container_dns": (TEXTS, None),
    "no_memory_limit": (FLAG, None),
    "debug": (FLAG, "SAM_DEBUG"),
    "tenant_id": (TEXT, None),
    "mount_symlinks": (BOOL, None),
    "container_host": (TEXT, None),
    "durable_execution_name": (TEXT, None),
    "language_extensions": (BOOL, None),  # SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS: under samconfig, as SAM reads it
    "beta_features": (BOOL, None),
    "save_params": (FLAG, None),
    "hook_name": (TEXT, None),
    "skip_prepare_infra": (BOOL, None),
    "terraform_plan_file": (PATH, None),
}
_NOT_FROM_CONFIG = {"config_file", "config_env", "events"}
_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off", ""}
DEFAULT_HOST_INTERFACE = "127.0.0.1"
STDIN_NOTICE = "Reading invoke payload from stdin (you can also pass it from file with --event)"
EVENTS_STDIN_NOTICE = "Reading events from stdin, one JSON event per line"
# Option names whose command-line spelling is not `--name-with-dashes`.
_FLAGS = {"template_file": "--template", "function_identifier": "FUNCTION_IDENTIFIER"}
# Options of `sam local invoke` that lambda-dap takes from samconfig without using them (none left).
SAM_ONLY_OPTIONS: frozenset[str] = frozenset()
# samconfig keys SAM writes under another name than lambda-dap's option (`--save-params` writes the argument so).
CONFIG_ALIASES = {"function_logical_id": "function_identifier"}
LANGUAGE_EXTENSIONS_ENV = "SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS"
HOOK_NAMES = ("terraform",)
PREPARED_TEMPLATE = Path(".aws-sam") / "build" / "template.yaml"  # what SAM's prepare hook leaves (and `sam build`)
# SAM's TenantIdType: 1-256 characters of these.
_TENANT_ID = re.compile(r"^[a-zA-Z0-9._:/=+\-@ ]+$")
_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_REGION = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?$")  # botocore's validate_region_name


class _Sources(dict):
    """Where each option's value came from, to name it in an error: `--flag`, `$SAM_VARIABLE` or
    `samconfig.toml: name`; a bad value from the first two is a usage error (exit 2), from a file exit 1."""

    def label(self, name: str) -> str:
        return self.get(name, _flag(name))

    def error(self, name: str, problem: str) -> LambdaDapError:
        label = self.label(name)
        kind = OptionValueError if label.startswith(("-", "$")) or name not in self else OptionError
        return kind(f"{label}: {problem}")


def _flag(name: str) -> str:
    return _FLAGS.get(name, "--" + name.replace("_", "-"))


def build_request(
    options: Mapping[str, Any],
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    stdin: IO[bytes] | None = None,
    notice: Callable[[str], None] = lambda text: None,
    warn: Callable[[str], None] | None = None,
) -> InvokeRequest:
    """The request `options` describe; raises a LambdaDapError (one line, naming the option) on bad input.

    `warn` gets one line per input SAM accepts but that is most likely a mistake (without it, `notice` gets them
    as `Warning: ...` lines)."""
    from lambda_dap.runtime.deadline import check_duration_settings

    if warn is None:
        warn = lambda text: notice(f"Warning: {text}")  # noqa: E731
    cwd = (cwd or Path.cwd()).resolve()
    environ = os.environ if environ is None else environ
    check_duration_settings(environ)
    sources = _Sources()
    values = _given(options, environ, sources)
    code = _code_target(options, cwd)
    template = None if code is not None else _template(values, cwd)
    template_given = "template_file" in values
    _apply_samconfig(values, template.parent if template is not None else cwd, cwd, sources, warn)
    if template is not None and not template_given and values.get("template_file"):
        template = _path(values["template_file"], cwd)
    _check_values(values, sources, cwd)
    template = _check_hook(values, options, template, cwd, sources, notice)
    debug = _debug_options(values, options, cwd, sources)
    scripted = _scripted_events(values, cwd, stdin, notice, sources)
    request = InvokeRequest(
        template=template,
        function_id=values.get("function_identifier"),
        code=code,
        event=b"{}" if scripted else _event(values, options, cwd, stdin, notice, warn, sources),
        events=scripted,
        env_vars_file=_optional_path(values.get("env_vars"), cwd),
        env_vars=values["env_vars"] if isinstance(values.get("env_vars"), Mapping) else None,
        parameter_overrides=_overrides(values, template.parent if template else cwd, sources),
        docker_volume_basedir=_optional_path(values.get("docker_volume_basedir"), cwd),
        docker_network=values.get("docker_network"),
        container_env_vars_file=_optional_path(values.get("container_env_vars"), cwd),
        container_env_vars=_string_map(values.get("container_env_vars"), "container_env_vars"),
        layer_cache_dir=_optional_path(values.get("layer_cache_basedir"), cwd),
        skip_pull_image=bool(values.get("skip_pull_image")),
        force_image_build=bool(values.get("force_image_build")),
        skip_dependencies=bool(values.get("skip_dependencies")),
        profile=values.get("profile"),
        region=values.get("region"),
        invoke_images=parse_invoke_images(values.get("invoke_image") or ()),
        runtime=values.get("runtime") if code is None else None,
        debug=debug,
        memory_limit=not values.get("no_memory_limit"),
        extra_hosts=parse_add_hosts(values.get("add_host") or (), sources.label("add_host")),
        dns=list(values.get("container_dns") or ()),
        log_file=_optional_path(values.get("log_file"), cwd),
        debug_logging=bool(values.get("debug")),
        tenant_id=values.get("tenant_id"),
        mount_symlinks=bool(values.get("mount_symlinks")),
        durable_execution_name=values.get("durable_execution_name"),
        language_extensions=_language_extensions(values, environ),
    )
    if values.get("save_params"):
        _save_params(options, values, request, template.parent if template is not None else cwd, notice)
    return request


def _given(options: Mapping[str, Any], environ: Mapping[str, str], sources: _Sources) -> dict[str, Any]:
    """The options given, then those SAM's environment variables give; typed and checked."""
    values: dict[str, Any] = {}
    for name, (kind, variable) in OPTIONS.items():
        value = options.get(name)
        if _is_given(value) or (kind == BOOL and value is not None):
            values[name] = value
            sources[name] = _flag(name)
        elif variable and environ.get(variable, "") != "":
            values[name] = _convert(environ[variable], kind, f"${variable}", OptionValueError)
            sources[name] = f"${variable}"
    return values


def _is_given(value: Any) -> bool:
    return value is not None and value is not False and value != () and value != []


def _template(values: dict[str, Any], cwd: Path) -> Path | None:
    from lambda_dap.template import default_template_path

    given = values.get("template_file")
    return _path(given, cwd) if given else default_template_path(cwd)


def _apply_samconfig(
    values: dict[str, Any], template_dir: Path, cwd: Path, sources: _Sources, warn: Callable[[str], None]
) -> None:
    """Fill what is still missing from the samconfig file (paths in it are relative to the file)."""
    from lambda_dap.config.samconfig import DEFAULT_ENV, find_config_file, load_command_parameters

    config_path = find_config_file(values.get("config_file"), template_dir, cwd)
    if config_path is None:
        return
    parameters = load_command_parameters(
        config_path,
        values.get("config_env") or DEFAULT_ENV,
        known=(*OPTIONS, *SAM_ONLY_OPTIONS, *CONFIG_ALIASES),
        warn=warn,
        missing_ok=bool(values.get("save_params")),
    )
    for key, raw in parameters.items():
        name = CONFIG_ALIASES.get(key, key)
        kind = OPTIONS.get(name, (None, None))[0]
        if kind is None or name in _NOT_FROM_CONFIG or name in values:
            continue
        if name == "parameter_overrides" and isinstance(raw, list):
            raw = " ".join(str(item) for item in raw)
        if name == "add_host" and isinstance(raw, Mapping):  # as `--save-params` writes it: {host = "ip"}
            raw = [f"{host}:{address}" for host, address in raw.items()]
        value = raw if name == "parameter_overrides" and isinstance(raw, Mapping) else None
        if value is None:
            value = _convert(raw, kind, f"{config_path}: {key}")
        if kind == PATH and value and not Path(str(value)).expanduser().is_absolute():
            value = str(config_path.parent / str(value))
        if _is_given(value) or (kind == BOOL and value is not None):
            values[name] = value
            sources[name] = f"{config_path}: {key}"


def _check_values(values: dict[str, Any], sources: _Sources, cwd: Path) -> None:
    """What click's types cannot check: IP addresses, a directory option naming a file, a runtime, a region."""
    for name in ("container_dns", "container_host_interface"):
        for value in _as_tuple(values.get(name)):
            if not _is_ip(value):
                raise sources.error(name, f"'{value}' is not an IP address (expected one such as 127.0.0.1)")
    cache = values.get("layer_cache_basedir")
    if cache and _path(cache, cwd).exists() and not _path(cache, cwd).is_dir():
        raise sources.error("layer_cache_basedir", f"'{cache}' is a file; expected a directory (or a new path)")
    runtime = values.get("runtime")
    if runtime:
        from lambda_dap.invoke.plan import runtime_problem

        problem = runtime_problem(str(runtime))
        if problem is not None:
            raise sources.error("runtime", problem)
    region = values.get("region")
    if region and not _REGION.match(str(region)):
        raise sources.error("region", f"'{region}' is not a region name (expected one such as us-east-1)")
    tenant = values.get("tenant_id")
    if tenant is not None:
        problem = tenant_id_problem(str(tenant))
        if problem is not None:
            raise sources.error("tenant_id", problem)
    host = values.get("container_host")
    if host is not None and not _is_host(str(host)):
        raise sources.error(
            "container_host",
            f"'{host}' is not a host name or IP address (expected e.g. localhost or host.docker.internal)",
        )


def tenant_id_problem(tenant_id: str) -> str | None:
    """What is wrong with a tenant id, in SAM's words (its TenantIdType), or None."""
    if not 1 <= len(tenant_id) <= 256:
        return "must be between 1 and 256 characters"
    if not tenant_id.strip():
        return "cannot be empty or contain only whitespace"
    if not _TENANT_ID.match(tenant_id):
        return (
            "contains invalid characters. "
            "Allowed characters are a-z, A-Z, numbers, spaces, and the characters _ . : / = + - @"
        )
    return None


def _is_host(value: str) -> bool:
    """An IP address or a DNS host name (labels of letters, digits and inner hyphens)."""
    if _is_ip(value.strip("[]")):
        return True
    return 0 < len(value) <= 253 and all(_HOST_LABEL.match(label) for label in value.removesuffix(".").split("."))


def _check_hook(
    values: dict[str, Any],
    options: Mapping[str, Any],
    template: Path | None,
    cwd: Path,
    sources: _Sources,
    notice: Callable[[str], None],
) -> Path | None:
    """SAM's rules for `--hook-name` and its companions; lambda-dap does not run Terraform, so a hook goes on only
    when its prepare step is already done (`.aws-sam/build/template.yaml` exists, as SAM then skips it too)."""
    hook = values.get("hook_name")
    if not hook:
        for name in ("skip_prepare_infra", "terraform_plan_file"):
            if values.get(name):
                raise sources.error(name, "Missing option --hook-name")
        return template
    if hook not in HOOK_NAMES:
        raise sources.error("hook_name", f"{hook} is not a valid hook name. valid package ids: {list(HOOK_NAMES)}")
    if any(_is_given(options.get(name)) for name in ("template_file", "parameter_overrides")):
        raise OptionValueError(
            "Parameters hook-name, and t,template-file,template,parameter-overrides cannot be used together"
        )
    prepared = cwd / PREPARED_TEMPLATE
    if not prepared.is_file():
        raise UnsupportedOption(
            f"{sources.label('hook_name')} {hook}: lambda-dap does not run Terraform (SAM's prepare hook); "
            f"run `sam build --hook-name {hook}` first, then invoke again (it uses {PREPARED_TEMPLATE})"
        )
    notice("Skipped prepare hook. Current application is already prepared.")
    return template if template is not None and values.get("template_file") else prepared


def _language_extensions(values: dict[str, Any], environ: Mapping[str, str]) -> bool | None:
    """The flag, else samconfig's value, else SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS (truthy: 1, true, yes); None when
    none of them says anything."""
    if values.get("language_extensions") is not None:
        return bool(values["language_extensions"])
    variable = environ.get(LANGUAGE_EXTENSIONS_ENV)
    if variable is None or variable.strip() == "":
        return None
    return variable.strip().lower() in {"1", "true", "yes"}


# What `--save-params` leaves out: itself, where the config is, and what SAM does not keep among its parameters.
_NOT_SAVED = {"save_params", "config_file", "config_env", "debug", "profile", "region", "beta_features"}


def _save_params(
    options: Mapping[str, Any],
    values: dict[str, Any],
    request: InvokeRequest,
    template_dir: Path,
    notice: Callable[[str], None],
) -> None:
    """`--save-params`: the options given on the command line into `[<env>.local_invoke.parameters]`, and the
    region into `[<env>.global.parameters]`, with the values SAM's own types make of them."""
    from lambda_dap.config.samconfig import DEFAULT_ENV, config_file_to_write, save_command_parameters

    saved: dict[str, Any] = {}
    for name, (kind, _variable) in OPTIONS.items():
        value = options.get(name)
        if name in _NOT_SAVED or not (_is_given(value) or (kind == BOOL and value is not None)):
            continue
        saved["function_logical_id" if name == "function_identifier" else name] = _saved_value(name, value, request)
    region = values.get("region") or _default_region()
    path = config_file_to_write(values.get("config_file"), template_dir)
    env = values.get("config_env") or DEFAULT_ENV
    save_command_parameters(path, saved, env=env, global_parameters={"region": region})
    shown = {**saved, "region": region}
    notice(f"Saved parameters to config file '{path.name}' under environment '{env}': {shown}")


def _saved_value(name: str, value: Any, request: InvokeRequest) -> Any:
    if name == "template_file" and request.template is not None:
        return str(request.template)
    if name == "parameter_overrides":
        return dict(request.parameter_overrides)
    if name == "add_host":
        return dict(request.extra_hosts)
    if name == "debug_port":
        return [int(port) for port in _as_tuple(value)]
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return value if isinstance(value, bool) else str(value)


def _default_region() -> str:
    """The region SAM saves when none is given: the AWS configuration's, else us-east-1."""
    import botocore.session

    return botocore.session.get_session().get_config_variable("region") or "us-east-1"


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _is_ip(value: Any) -> bool:
    try:
        ipaddress.ip_address(str(value))
    except ValueError:
        return False
    return True


def _convert(raw: Any, kind: str, where: str, error: type[OptionError] = OptionError) -> Any:
    """A value from the environment or a config file, as its option's kind wants it."""
    if kind in (FLAG, BOOL):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        raise error(f"{where}: expected true or false, not {raw!r}")
    if kind == PORTS:
        items = raw if isinstance(raw, (list, tuple)) else str(raw).split()
        return tuple(_port(item, where, error) for item in items)
    if kind == TEXTS:
        items = raw if isinstance(raw, (list, tuple)) else [raw]
        return tuple(str(item) for item in items)
    if isinstance(raw, (dict, list)):
        raise error(f"{where}: expected a string, not {type(raw).__name__}")
    return str(raw)


def _port(value: Any, where: str, error: type[OptionError] = OptionError) -> int:
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise error(f"{where}: '{value}' is not a port number") from None
    if not 0 <= port < 65536:
        raise error(f"{where}: port {port} is not between 1 and 65535 (or 0: any free port)")
    return port


def free_port(host: str) -> int:
    """A port nothing listens on at `host` now (what `--debug-port 0` asks for)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host if host != "0.0.0.0" else "127.0.0.1", 0))
        return probe.getsockname()[1]


def _path(value: str | os.PathLike, cwd: Path) -> Path:
    path = Path(value).expanduser()
    return (path if path.is_absolute() else cwd / path).resolve()


def _optional_path(value: Any, cwd: Path) -> Path | None:
    return _path(value, cwd) if isinstance(value, (str, os.PathLike)) and str(value) else None


def _string_map(value: Any, name: str) -> dict[str, str] | None:
    if not isinstance(value, Mapping):
        return None
    from lambda_dap.config.envvars import stringify

    if any(isinstance(item, (dict, list)) for item in value.values()):
        raise OptionError(f"{name}: every value must be a string, number or boolean")
    return {str(key): stringify(item) for key, item in value.items()}


def _overrides(values: dict[str, Any], base_dir: Path, sources: _Sources) -> dict[str, str]:
    value, label = values.get("parameter_overrides"), sources.label("parameter_overrides")
    if not value:
        return {}
    from lambda_dap.config.overrides import parse_parameter_overrides
    from lambda_dap.errors import ParameterOverrideError

    try:
        return parse_parameter_overrides(value if isinstance(value, Mapping) else [value], base_dir)
    except ParameterOverrideError as e:
        if label.startswith("-") and "file://" not in str(value):
            raise OptionValueError(e.message) from e  # the command line's own text: a usage error
        raise


def _debug_options(
    values: dict[str, Any], options: Mapping[str, Any], cwd: Path, sources: _Sources
) -> DebugOptions | None:
    ports = values.get("debug_port")
    if not ports:
        for name in ("debugger_path", "debug_args"):
            if values.get(name):
                raise sources.error(name, "--debugger-path and --debug-args need --debug-port")
        return None
    host_ip = values.get("container_host_interface") or DEFAULT_HOST_INTERFACE
    label = sources.label("debug_port")
    kind = OptionValueError if label.startswith(("-", "$")) else OptionError
    given = tuple(_port(port, label, kind) for port in ports)
    if len({port for port in given if port}) != len([port for port in given if port]):
        raise kind(f"{label}: each port may be given once, not {', '.join(map(str, given))}")
    ports = tuple(port or free_port(host_ip) for port in given)
    debugger_path = None
    if values.get("debugger_path"):
        debugger_path = _path(values["debugger_path"], cwd)
        if not debugger_path.is_dir():
            raise OptionError(f"--debugger-path '{values['debugger_path']}' is not a directory")
    relay = options.get("debug_relay")
    container_host = values.get("container_host")
    if container_host:
        _check_resolves(str(container_host), sources)
    return DebugOptions(
        ports=ports,
        debugger_path=debugger_path,
        debug_args=values.get("debug_args"),
        host_ip=host_ip,
        relay=relay is None or bool(relay),
        keep_timeout=relay is not None and not relay,
        container_host=str(container_host).strip("[]") if container_host else None,
        upstream_port=free_port(host_ip) if container_host else None,
    )


def _check_resolves(host: str, sources: _Sources) -> None:
    """The host lambda-dap reaches the published debug ports at must have an address."""
    import socket

    try:
        socket.getaddrinfo(host.strip("[]"), None, type=socket.SOCK_STREAM)
    except OSError as e:
        raise sources.error("container_host", f"'{host}' cannot be resolved ({e.strerror or e})") from e


def _code_target(options: Mapping[str, Any], cwd: Path) -> CodeTarget | None:
    handler, code_dir = options.get("handler"), options.get("code_dir")
    if not handler and not code_dir:
        return None
    if not handler or not code_dir or not options.get("runtime"):
        raise OptionError("A function without a template needs a handler, a runtime and a code directory")
    environment = _string_map(options.get("environment") or {}, "environment") or {}
    return CodeTarget(
        handler=str(handler),
        runtime=str(options["runtime"]),
        code_dir=_path(code_dir, cwd),
        memory_mb=_positive(options.get("memory_mb"), "memory_mb", 128),
        timeout_s=_positive(options.get("timeout_s"), "timeout_s", 3),
        environment=environment,
        architecture=str(options.get("architecture") or "x86_64"),
    )


def _positive(value: Any, name: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise OptionError(f"{name}: expected a positive number, not {value!r}")
    return int(value)


def _event(
    values: dict[str, Any],
    options: Mapping[str, Any],
    cwd: Path,
    stdin: IO[bytes] | None,
    notice: Callable[[str], None],
    warn: Callable[[str], None],
    sources: _Sources,
) -> bytes:
    inline = options.get("event_data")
    if inline is not None:
        if isinstance(inline, (bytes, bytearray)):
            return load_event_bytes(bytes(inline), "the launch configuration's event")
        return json.dumps(inline).encode()
    source = values.get("event")
    if source and values.get("no_event"):
        warn(f"{sources.label('no_event')} wins over {sources.label('event')} {source}: the event is {{}}")
    if not source or values.get("no_event"):
        return b"{}"
    if source == "-":
        notice(STDIN_NOTICE)
        return load_event_bytes((stdin or sys.stdin.buffer).read(), "stdin")
    return load_event(_path(source, cwd), shown=str(source))


def _scripted_events(
    values: dict[str, Any], cwd: Path, stdin: IO[bytes] | None, notice: Callable[[str], None], sources: _Sources
) -> tuple[ScriptedEvent, ...] | None:
    """`--events`: read and checked now, before anything runs. An `--event` from samconfig gives way to it; one
    given alongside it on the command line is a usage error."""
    source = values.get("events")
    if not source:
        return None
    for name in ("event", "no_event"):
        if values.get(name) and sources.label(name).startswith("-"):
            raise OptionValueError(f"{sources.label('events')} and {sources.label(name)} cannot be used together")
    from lambda_dap.invoke.cases import read_events

    if source == "-":
        notice(EVENTS_STDIN_NOTICE)
    return read_events(str(source), cwd, stdin=stdin)


def load_event(path: Path, *, shown: str | None = None) -> bytes:
    """An event file's bytes, checked to be JSON as Lambda requires."""
    if path.is_dir():
        raise EventError(f"--event {shown or path}: expected a JSON file, got a directory")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise EventError(f"Cannot read event file {shown or path}: {e.strerror or e}") from e
    return load_event_bytes(data, shown or str(path))


def load_event_bytes(data: bytes, where: str) -> bytes:
    try:
        json.loads(data)
    except ValueError as e:
        raise EventError(f"Event from {where} is not valid JSON: {e}") from e
    return data


def parse_invoke_images(values: tuple[str, ...] | list[str]) -> dict[str | None, str]:
    """`--invoke-image URI` (every function) or `--invoke-image Function=URI`."""
    images: dict[str | None, str] = {}
    for value in values:
        name, sep, uri = value.partition("=")
        if sep and name and "/" not in name and ":" not in name:
            images[name] = uri
        else:
            images[None] = value
    return images


def parse_add_hosts(values: tuple[str, ...] | list[str], label: str = "--add-host") -> dict[str, str]:
    """`HOST:IP` (IP may be an IPv6 address, or Docker's `host-gateway`)."""
    hosts: dict[str, str] = {}
    kind = OptionValueError if label.startswith(("-", "$")) else OptionError
    for value in values:
        host, sep, address = value.partition(":")
        if not sep or not host or not address:
            raise kind(f"{label}: '{value}' is not HOST:IP (expected e.g. db.local:10.0.0.5)")
        if address != "host-gateway" and not _is_ip(address):
            raise kind(f"{label}: '{address}' in '{value}' is not an IP address (or host-gateway)")
        hosts[host] = address
    return hosts
