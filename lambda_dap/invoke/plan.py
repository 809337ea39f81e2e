"""From an `InvokeRequest` to a `FunctionPlan`: which function, which image, which environment, which mounts.

Everything here is decided before any container starts, so bad input fails fast and leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambda_dap import LOCAL_ACCOUNT_ID
from lambda_dap.config.credentials import AwsContext, resolve_aws
from lambda_dap.config.envvars import (
    PARAMETERS_KEY,
    FunctionSettings,
    file_overrides,
    lambda_environment,
    load_container_env_vars_file,
    load_env_vars_file,
)
from lambda_dap.errors import (
    FunctionNotFound,
    LambdaDapError,
    OptionError,
    TenancyError,
    UnsupportedFunction,
    UnsupportedOption,
)
from lambda_dap.invoke.code import CodeDirectory, symlink_mounts
from lambda_dap.invoke.request import CodeTarget, InvokeRequest
from lambda_dap.invoke.runtimes import default_image, runtime_family, runtime_of_image
from lambda_dap.template import load_functions
from lambda_dap.template.intrinsics import KNOWN_INTRINSICS, intrinsic_name
from lambda_dap.template.location import show
from lambda_dap.template.model import Function
from lambda_dap.template.paths import display_path

if TYPE_CHECKING:
    from lambda_dap.debug.settings import DebugSettings
    from lambda_dap.deps.install import InstalledDependencies
    from lambda_dap.deps.manifest import Manifest

log = logging.getLogger(__name__)

Warn = Callable[[str], None]

# Lambda's limits (a deployed function outside them is refused; SAM runs it anyway, so lambda-dap warns).
MEMORY_RANGE_MB = (128, 10240)
MAX_TIMEOUT_S = 900
MAX_HANDLER_CHARS = 128  # the Lambda API's Handler: at most 128 characters, no whitespace
RUNTIME_EXAMPLES = "python3.12, nodejs20.x, java21, dotnet8, ruby3.3 or provided.al2023"


@dataclass
class FunctionPlan:
    """A function ready to run: the resolved function and everything its container needs."""

    function: Function
    runtime: str | None
    image: str
    environment: dict[str, str]
    code: CodeDirectory
    aws: AwsContext
    function_arn: str
    container_environment: dict[str, str] = field(default_factory=dict)  # --container-env-vars: applied last
    debug: DebugSettings | None = None
    working_dir: str = "/var/task"
    opt_dir: Path | None = None
    dependencies: Manifest | None = None  # a requirements.txt / package.json lambda-dap installs itself
    installed_dependencies: InstalledDependencies | None = None  # once `InvokeSession.prepare()` installed it
    symlink_mounts: list[tuple[Path, str]] = field(default_factory=list)  # (host target, name under /var/task)

    @property
    def effective_runtime(self) -> str | None:
        """The runtime it runs on: the function's, or the one its image's name tells."""
        return self.runtime or runtime_of_image(self.image)

    @property
    def runtime_family(self) -> str | None:
        runtime = self.effective_runtime
        return runtime_family(runtime) if runtime else None

    @property
    def path_mappings(self) -> list[dict[str, str]]:
        """Local sources to container paths, the most specific first: each local layer's python/ to
        /opt/python, each mounted symlink's target to its place under /var/task, then the code directory."""
        mappings = []
        for layer in self.function.layers:
            if layer.content_path is not None and (layer.content_path / "python").is_dir():
                mappings.append(
                    {"localRoot": str(layer.content_path.resolve() / "python"), "remoteRoot": "/opt/python"}
                )
        for target, name in self.symlink_mounts:
            mappings.append({"localRoot": str(target), "remoteRoot": f"/var/task/{name}"})
        if self.code.path is not None:
            mappings.append({"localRoot": str(self.code.path), "remoteRoot": "/var/task"})
        return mappings

    @property
    def timeout_s(self) -> int:
        return self.function.timeout_s

    @property
    def memory_mb(self) -> int:
        return self.function.memory_mb

    def close(self) -> None:
        self.code.close()


def plan_function(
    request: InvokeRequest,
    *,
    notice: Callable[[str], None],
    host_env: Mapping[str, str] | None = None,
    warn: Warn | None = None,
) -> FunctionPlan:
    """Resolve the function and what its container needs; raises `LambdaDapError` on any bad input.

    `warn` gets one line per input that SAM accepts but Lambda would not, or that cannot be resolved locally
    (without it, warnings go to `notice` as `Warning: ...` lines)."""
    if warn is None:
        warn = lambda text: notice(f"Warning: {text}")  # noqa: E731
    host_env = os.environ if host_env is None else host_env
    aws = resolve_aws(request.profile, request.region, host_env)
    function = _find_function(request, aws, warn)
    _check_tenancy(request, function)
    _check_durable(request, function, warn)
    runtime = request.runtime or function.runtime
    if function.package_type != "Image":
        _check_runtime(request, function, runtime)
    image = _choose_image(request, function, runtime)
    _warn_on_limits(request, function, warn)

    env_file = request.env_vars
    if env_file is None and request.env_vars_file:
        env_file = load_env_vars_file(request.env_vars_file)
    settings = function_settings(function)
    _warn_on_environment(request, function, settings, env_file, host_env, warn)
    container_env = request.container_env_vars
    if container_env is None and request.container_env_vars_file:
        container_env = load_container_env_vars_file(request.container_env_vars_file)
    environment = lambda_environment(
        settings, env_file=env_file, host_env=host_env, aws=aws, timeout_s=function.timeout_s
    )
    if function.package_type != "Image":
        environment.update(_runtime_variables(function, runtime))
    debug = None
    if request.debug:
        from lambda_dap.debug.settings import DebugRequest, debug_settings

        listen_host = request.debug.host_ip if request.docker_network == "host" else "0.0.0.0"
        effective = runtime or runtime_of_image(image)
        wanted = DebugRequest(request.debug.port, request.debug.debugger_path, request.debug.debug_args)
        debug = debug_settings(runtime_family(effective) if effective else None, effective, wanted, listen_host)

    code = CodeDirectory(function, runtime)
    try:
        opt_dir = _prepare_layers(request, function, aws, notice)
        symlinks = symlink_mounts(code.path, every=request.mount_symlinks, notice=notice)
        dependencies = _find_dependencies(request, function, runtime, code.path)
    except BaseException:
        code.close()
        raise
    name = function.function_name or function.logical_id
    return FunctionPlan(
        function=function,
        runtime=runtime,
        image=image,
        environment=environment,
        code=code,
        aws=aws,
        function_arn=f"arn:aws:lambda:{aws.region}:{LOCAL_ACCOUNT_ID}:function:{name}",
        container_environment=container_env or {},
        debug=debug,
        working_dir=str(function.image_config.get("WorkingDirectory") or "/var/task"),
        opt_dir=opt_dir,
        dependencies=dependencies,
        symlink_mounts=symlinks,
    )


def _check_tenancy(request: InvokeRequest, function: Function) -> None:
    """SAM's rule: a function with TenancyConfig needs a tenant id, any other refuses one."""
    multi_tenant = isinstance(function.tenancy_config, dict) and bool(function.tenancy_config)
    if multi_tenant and not request.tenant_id:
        raise TenancyError(
            f"{_field(function, 'TenancyConfig')}: The invoked function is enabled with tenancy configuration. "
            "Add a valid tenant ID in your request and try again (--tenant-id)."
        )
    if not multi_tenant and request.tenant_id:
        raise TenancyError(
            f"--tenant-id {request.tenant_id}: The invoked function is not enabled with tenancy configuration. "
            f"Remove the tenant ID from your request and try again ({function.full_path} has no TenancyConfig)."
        )


def _check_durable(request: InvokeRequest, function: Function, warn: Warn) -> None:
    """A durable execution name is for DurableConfig functions, whose executions SAM runs in its durable emulator."""
    name = request.durable_execution_name
    if not name:
        return
    if function.durable_config:
        raise UnsupportedOption(
            f"--durable-execution-name {name}: {_field(function, 'DurableConfig')} makes it a durable function; "
            "lambda-dap does not emulate durable executions (SAM runs them in its durable execution emulator)"
        )
    warn(
        f"--durable-execution-name {name}: {function.full_path} has no DurableConfig (the name is for durable "
        "functions only); ignored, as SAM does"
    )


def _find_function(request: InvokeRequest, aws: AwsContext, warn: Warn) -> Function:
    if request.code is not None:
        return code_target_function(request.code)
    if request.template is None:
        raise OptionError("Nothing to invoke: give a template (and a function in it), or a handler and code directory")
    overrides = dict(request.parameter_overrides)
    if request.region:
        overrides["AWS::Region"] = request.region
    overrides.setdefault("AWS::Region", aws.region)
    catalog = load_functions(
        request.template,
        parameter_overrides=overrides,
        base_dir=request.docker_volume_basedir,
        warn=warn,
        language_extensions=request.language_extensions,
    )
    for name, image in request.invoke_images.items():
        if name is not None and catalog.get(name) is None:
            raise FunctionNotFound(
                f"--invoke-image {name}={image}: no function {name} in {display_path(request.template)} "
                f"(functions: {', '.join(catalog.full_paths) or 'none'}); give IMAGE alone for every function"
            )
    return catalog.find(request.function_id)


def _field(function: Function, key: str) -> str:
    """A function's property as messages name it: `template.yaml: Resources.Fn.Properties.Key`."""
    return f"{display_path(function.template_path)}: Resources.{function.logical_id}.Properties.{key}"


# Each family's identifiers, and the versions Lambda has had (or may have: later ones pass).
_RUNTIME_VERSIONS: dict[str, tuple[re.Pattern[str], Callable[[tuple[int, ...]], bool]]] = {
    "python": (re.compile(r"^python(\d+)\.(\d+)$"), lambda v: v == (2, 7) or (v[0] == 3 and v[1] >= 6)),
    "nodejs": (re.compile(r"^nodejs(\d+)\.x$"), lambda v: v[0] >= 10),
    "java": (re.compile(r"^java(\d+)"), lambda v: v[0] >= 8),
    "dotnet": (re.compile(r"^dotnet(\d+)$"), lambda v: v[0] >= 6),
    "ruby": (re.compile(r"^ruby(\d+)\.(\d+)$"), lambda v: v in ((2, 5), (2, 7)) or v[0] >= 3),
}


def runtime_problem(runtime: str) -> str | None:
    """Why `runtime` is not a Lambda runtime identifier, or None when it is one (past, current or to come)."""
    try:
        family = runtime_family(runtime)
    except LambdaDapError:
        family = None
    if family is not None and family not in _RUNTIME_VERSIONS:
        return None  # provided, provided.al2, provided.al2023, go1.x
    if family is not None:
        pattern, known = _RUNTIME_VERSIONS[family]
        match = pattern.match(runtime)
        if match and known(tuple(int(part) for part in match.groups())):
            return None
    return f"'{runtime}' is not a Lambda runtime; expected one such as {RUNTIME_EXAMPLES}"


def _check_runtime(request: InvokeRequest, function: Function, runtime: str | None) -> None:
    """A Zip function runs on a known runtime, even in a given image: SAM refuses it otherwise too
    ("Unsupported Runtime", LambdaContainer); --runtime itself is checked with the other options."""
    if request.code is not None or (request.runtime and runtime_problem(request.runtime) is None):
        return
    if not runtime:
        raise UnsupportedFunction(
            f"{_field(function, 'Runtime')}: a Zip function needs a Runtime such as python3.12 (or pass --runtime)"
        )
    problem = runtime_problem(runtime)
    if problem is not None:
        raise UnsupportedFunction(f"{_field(function, 'Runtime')}: {problem}")


def _warn_on_limits(request: InvokeRequest, function: Function, warn: Warn) -> None:
    """MemorySize, Timeout and Handler beyond what Lambda allows: SAM runs them as given, and so does lambda-dap.

    Whether the Handler names a module that imports is the runtime's to say (Runtime.ImportModuleError, ...): a
    module may be a compiled extension, a package, or come from a layer or the image."""
    low, high = MEMORY_RANGE_MB
    memory_field = "memory_mb" if request.code is not None else _field(function, "MemorySize")
    timeout_field = "timeout_s" if request.code is not None else _field(function, "Timeout")
    if not low <= function.memory_mb <= high:
        warn(
            f"{memory_field}: {function.memory_mb} MB is outside Lambda's {low}-{high} MB, so Lambda would refuse "
            f"it; running with {function.memory_mb} MB"
        )
    if function.timeout_s > MAX_TIMEOUT_S:
        warn(
            f"{timeout_field}: {function.timeout_s} seconds is beyond Lambda's {MAX_TIMEOUT_S}-second limit, so "
            f"Lambda would refuse it; running with {function.timeout_s} seconds"
        )
    handler = function.handler
    if handler and function.package_type != "Image":
        handler_field = "handler" if request.code is not None else _field(function, "Handler")
        if len(handler) > MAX_HANDLER_CHARS:
            warn(
                f"{handler_field}: {len(handler)} characters is beyond Lambda's {MAX_HANDLER_CHARS}-character limit, "
                "so Lambda would refuse it; running it as given"
            )
        if any(character.isspace() for character in handler):
            warn(f"{handler_field}: {handler!r} contains whitespace, so Lambda would refuse it; running it as given")


def _warn_on_environment(
    request: InvokeRequest,
    function: Function,
    settings: FunctionSettings,
    env_file: Any,
    host_env: Mapping[str, str],
    warn: Warn,
) -> None:
    """Values that become "" in the container, as SAM makes them: an intrinsic that cannot be resolved locally in
    the template (unless the shell or the env-vars file gives the variable), an object or a list in the env-vars
    file."""
    replaced = set(host_env) | set(file_overrides(settings, env_file if isinstance(env_file, Mapping) else {}))
    if request.code is None:
        for name, value in function.environment.items():
            if isinstance(value, (dict, list)) and name not in replaced:
                why = _unresolved(value)
                warn(f"{_field(function, f'Environment.Variables.{name}')}: {why}; {name} is set to an empty string")
    if not isinstance(env_file, Mapping):
        return
    source = display_path(request.env_vars_file) if request.env_vars_file and request.env_vars is None else "envVars"
    blocks = [PARAMETERS_KEY, next((key for key in settings.names if isinstance(env_file.get(key), Mapping)), None)]
    for block in dict.fromkeys(key for key in blocks if key is not None):
        values = env_file.get(block)
        if not isinstance(values, Mapping):
            continue
        for name, value in values.items():
            if isinstance(value, (dict, list)):
                kind = "an object" if isinstance(value, dict) else "a list"
                warn(
                    f"{source}: {block}.{name}: expected a string, number or boolean, got {kind}; "
                    f"{name} is set to an empty string"
                )


def _unresolved(value: Any) -> str:
    """Why an environment value is not text: the intrinsic that cannot be resolved, or its type."""
    name = intrinsic_name(value)
    if name is None:
        kind = "an object" if isinstance(value, dict) else "a list"
        return f"expected a string, number or boolean, got {kind} {show(value)}"
    tag = "!" + name.removeprefix("Fn::")
    argument = value[name]
    if name == "Ref":
        shown = argument if isinstance(argument, str) else show(argument)
        return f"{tag} {shown} names no parameter with a value, pseudo parameter or resource"
    if name == "Fn::GetAtt":
        shown = ".".join(map(str, argument)) if isinstance(argument, list) else show(argument)
        return f"{tag} {shown} cannot be resolved locally (only a function's Arn can)"
    if name not in KNOWN_INTRINSICS:
        return f"{tag} is not a CloudFormation intrinsic function"
    return f"{tag} {show(argument)} cannot be resolved locally"


def code_target_function(target: CodeTarget) -> Function:
    """A function given without a template (handler, runtime, code directory), as a template would define it."""
    runtime_family(target.runtime)  # an unknown runtime fails here, with the runtimes it could be
    code_dir = target.code_dir.expanduser().resolve()
    if not code_dir.is_dir():
        raise OptionError(f"The code directory {target.code_dir} does not exist")
    return Function(
        logical_id=target.name,
        full_path=target.name,
        template_path=code_dir / "template.yaml",  # none exists: names messages only
        runtime=target.runtime,
        handler=target.handler,
        code_path=code_dir,
        memory_mb=target.memory_mb,
        timeout_s=target.timeout_s,
        environment=dict(target.environment),
        architecture=target.architecture,
    )


def function_settings(function: Function) -> FunctionSettings:
    """The template's function as the environment rules see it (an image function's handler: its Command)."""
    command = function.image_config.get("Command") or [""]
    return FunctionSettings(
        logical_id=function.logical_id,
        full_path=function.full_path,
        function_name=function.function_name,
        handler=function.handler or str(command[0]),
        memory_mb=function.memory_mb,
        environment=function.environment,
        logging_config=function.logging_config,
    )


def _choose_image(request: InvokeRequest, function: Function, runtime: str | None) -> str:
    chosen = (
        request.invoke_images.get(function.logical_id)
        or request.invoke_images.get(function.full_path)
        or request.invoke_images.get(None)
    )
    if chosen:
        return chosen
    if function.package_type == "Image":
        if not function.image_uri:
            raise UnsupportedFunction(
                f"{function.template_path.name}: Resources.{function.logical_id}.Properties.ImageUri: "
                "an Image function needs an ImageUri (or pass --invoke-image)"
            )
        return function.image_uri
    if not runtime:
        raise UnsupportedFunction(
            f"{_field(function, 'Runtime')}: a Zip function needs a Runtime such as python3.12 (or pass --runtime)"
        )
    runtime_family(runtime)
    return default_image(runtime, function.architecture)


def _runtime_variables(function: Function, runtime: str | None) -> dict[str, str]:
    if not function.handler:
        raise UnsupportedFunction(
            f"{function.template_path.name}: Resources.{function.logical_id}.Properties.Handler: "
            "a Zip function needs a Handler such as app.lambda_handler"
        )
    variables = {
        "_HANDLER": function.handler,
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
    }
    if runtime:
        variables["AWS_EXECUTION_ENV"] = f"AWS_Lambda_{runtime}"
    return variables


def _prepare_layers(
    request: InvokeRequest, function: Function, aws: AwsContext, notice: Callable[[str], None]
) -> Path | None:
    if not function.layers:
        return None
    from lambda_dap.layers import default_layer_cache_dir, prepare_opt_dir

    cache_dir = request.layer_cache_dir or default_layer_cache_dir()
    return prepare_opt_dir(function.layers, cache_dir=cache_dir, aws=aws, force=request.force_image_build, log=notice)


def _find_dependencies(
    request: InvokeRequest, function: Function, runtime: str | None, code_dir: Path | None
) -> Manifest | None:
    """The manifest to install for a function run from its sources (none with --skip-dependencies, or for a
    build output, an archive or inline code: only the template's own code directory counts)."""
    source = function.code_path
    if request.skip_dependencies or function.inline_code is not None or source is None or not source.is_dir():
        return None
    from lambda_dap.deps.manifest import find_manifest

    return find_manifest(
        code_dir=code_dir,
        runtime=runtime,
        architecture=function.architecture,
        package_type=function.package_type,
        template=request.template,
    )


def image_launcher_args(function: Function, image_details: dict[str, Any]) -> tuple[list[str], str | None]:
    """An Image function's entrypoint and command (ImageConfig first, then the image's own), and its handler."""
    config = image_details.get("Config") or {}
    entrypoint = function.image_config.get("EntryPoint") or config.get("Entrypoint") or []
    command = function.image_config.get("Command") or config.get("Cmd") or []
    if isinstance(entrypoint, str) or isinstance(command, str):
        raise OptionError(
            f"{function.template_path.name}: Resources.{function.logical_id}.Properties.ImageConfig: "
            "EntryPoint and Command must be lists of strings"
        )
    handler = command[0] if command else None
    return [str(part) for part in (*entrypoint, *command)], handler
