"""From an `InvokeRequest` to a `FunctionPlan`: which function, which image, which environment, which mounts.

Everything here is decided before any container starts, so bad input fails fast and leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambda_dap import LOCAL_ACCOUNT_ID
from lambda_dap.config.credentials import AwsContext, resolve_aws
from lambda_dap.config.envvars import (
    FunctionSettings,
    lambda_environment,
    load_container_env_vars_file,
    load_env_vars_file,
)
from lambda_dap.errors import OptionError, UnsupportedFunction
from lambda_dap.invoke.code import CodeDirectory
from lambda_dap.invoke.request import CodeTarget, InvokeRequest
from lambda_dap.invoke.runtimes import default_image, runtime_family, runtime_of_image
from lambda_dap.template import load_functions
from lambda_dap.template.model import Function

if TYPE_CHECKING:
    from lambda_dap.debug.settings import DebugSettings

log = logging.getLogger(__name__)


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
        /opt/python, then the code directory to /var/task."""
        mappings = []
        for layer in self.function.layers:
            if layer.content_path is not None and (layer.content_path / "python").is_dir():
                mappings.append(
                    {"localRoot": str(layer.content_path.resolve() / "python"), "remoteRoot": "/opt/python"}
                )
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
    request: InvokeRequest, *, notice: Callable[[str], None], host_env: Mapping[str, str] | None = None
) -> FunctionPlan:
    """Resolve the function and what its container needs; raises `LambdaDapError` on any bad input."""
    host_env = os.environ if host_env is None else host_env
    aws = resolve_aws(request.profile, request.region, host_env)
    function = _find_function(request, aws)
    runtime = request.runtime or function.runtime
    image = _choose_image(request, function, runtime)

    env_file = request.env_vars
    if env_file is None and request.env_vars_file:
        env_file = load_env_vars_file(request.env_vars_file)
    container_env = request.container_env_vars
    if container_env is None and request.container_env_vars_file:
        container_env = load_container_env_vars_file(request.container_env_vars_file)
    environment = lambda_environment(
        function_settings(function), env_file=env_file, host_env=host_env, aws=aws, timeout_s=function.timeout_s
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
        _check_handler_file(function, runtime, code.path)
        opt_dir = _prepare_layers(request, function, aws, notice)
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
    )


def _find_function(request: InvokeRequest, aws: AwsContext) -> Function:
    if request.code is not None:
        return code_target_function(request.code)
    if request.template is None:
        raise OptionError("Nothing to invoke: give a template (and a function in it), or a handler and code directory")
    overrides = dict(request.parameter_overrides)
    if request.region:
        overrides["AWS::Region"] = request.region
    overrides.setdefault("AWS::Region", aws.region)
    catalog = load_functions(request.template, parameter_overrides=overrides, base_dir=request.docker_volume_basedir)
    return catalog.find(request.function_id)


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
            f"{function.template_path.name}: Resources.{function.logical_id}.Properties.Runtime: "
            "a Zip function needs a Runtime (or pass --runtime)"
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


_HANDLER_SUFFIXES = {"python": (".py", "/__init__.py", ".pyc"), "nodejs": (".js", ".mjs", ".cjs")}


def handler_module_file(handler: str, family: str) -> str | None:
    """The code file a handler names, without suffix: Python 'pkg.mod.fn' -> 'pkg/mod', 'dir/mod.fn' -> 'dir/mod';
    Node.js 'dir/file.a.b' -> 'dir/file' (everything before the first dot of the last path segment)."""
    if family == "python":
        module = handler.rpartition(".")[0]
        return module.replace(".", "/") if module else None
    directory, _, name = handler.rpartition("/")
    module = name.partition(".")[0]
    if not module or "." not in name:
        return None
    return f"{directory}/{module}" if directory else module


def _check_handler_file(function: Function, runtime: str | None, code_dir: Path | None) -> None:
    """Catch a Handler naming a file that is not in the code directory before any container starts.

    Only for Python and Node.js functions without layers (a layer may provide the module).
    """
    if code_dir is None or function.layers or not runtime or not function.handler:
        return
    family = runtime_family(runtime)
    suffixes = _HANDLER_SUFFIXES.get(family)
    module = handler_module_file(function.handler, family) if suffixes else None
    if not suffixes or not module:
        return
    if any((code_dir / f"{module}{suffix}").exists() for suffix in suffixes):
        return
    raise UnsupportedFunction(
        f"{function.template_path.name}: Resources.{function.logical_id}.Properties.Handler: "
        f"'{function.handler}' names {module}{suffixes[0]}, which does not exist in {code_dir}"
    )


def _prepare_layers(
    request: InvokeRequest, function: Function, aws: AwsContext, notice: Callable[[str], None]
) -> Path | None:
    if not function.layers:
        return None
    from lambda_dap.layers import default_layer_cache_dir, prepare_opt_dir

    cache_dir = request.layer_cache_dir or default_layer_cache_dir()
    return prepare_opt_dir(function.layers, cache_dir=cache_dir, aws=aws, force=request.force_image_build, log=notice)


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
