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

from lambda_dap.code import CodeDirectory
from lambda_dap.config.credentials import AwsContext, resolve_aws
from lambda_dap.config.envvars import lambda_environment, load_container_env_vars_file, load_env_vars_file
from lambda_dap.errors import OptionError, UnsupportedFunction
from lambda_dap.request import InvokeRequest
from lambda_dap.runtimes import default_image, runtime_family
from lambda_dap.template import load_functions
from lambda_dap.template.model import Function

if TYPE_CHECKING:
    from lambda_dap.debug.settings import DebugSettings

log = logging.getLogger(__name__)

ACCOUNT_ID = "123456789012"


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
    def runtime_family(self) -> str | None:
        from lambda_dap.debug.settings import runtime_of_image

        runtime = self.runtime or runtime_of_image(self.image)
        return runtime_family(runtime) if runtime else None

    @property
    def timeout_s(self) -> int:
        return self.function.timeout_s

    @property
    def memory_mb(self) -> int:
        return self.function.memory_mb

    def close(self) -> None:
        self.code.close()


def plan_function(request: InvokeRequest, *, log_line: Callable[[str], None],
                  host_env: Mapping[str, str] | None = None) -> FunctionPlan:
    """Resolve the function and what its container needs; raises `LambdaDapError` on any bad input."""
    host_env = os.environ if host_env is None else host_env
    aws = resolve_aws(request.profile, request.region, host_env)
    overrides = dict(request.parameter_overrides)
    if request.region:
        overrides["AWS::Region"] = request.region
    overrides.setdefault("AWS::Region", aws.region)
    catalog = load_functions(request.template, parameter_overrides=overrides,
                             base_dir=request.docker_volume_basedir)
    function = catalog.find(request.function_id)
    runtime = request.runtime or function.runtime
    image = _choose_image(request, function, runtime)

    env_file = load_env_vars_file(request.env_vars_file) if request.env_vars_file else None
    container_env = (load_container_env_vars_file(request.container_env_vars_file)
                     if request.container_env_vars_file else None)
    environment = lambda_environment(function, env_file=env_file, host_env=host_env, aws=aws,
                                     timeout_s=function.timeout_s)
    if function.package_type != "Image":
        environment.update(_runtime_variables(function, runtime))
    debug = None
    if request.debug:
        from lambda_dap.debug.settings import debug_settings, runtime_of_image

        listen_host = request.debug.host_ip if request.docker_network == "host" else "0.0.0.0"
        debug = debug_settings(runtime or runtime_of_image(image), request.debug, listen_host)

    code = CodeDirectory(function, runtime)
    try:
        _check_handler_file(function, runtime, code.path)
        opt_dir = _prepare_layers(request, function, aws, log_line)
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
        function_arn=f"arn:aws:lambda:{aws.region}:{ACCOUNT_ID}:function:{name}",
        container_environment=container_env or {},
        debug=debug,
        working_dir=str(function.image_config.get("WorkingDirectory") or "/var/task"),
        opt_dir=opt_dir,
    )


def _choose_image(request: InvokeRequest, function: Function, runtime: str | None) -> str:
    chosen = (request.invoke_images.get(function.logical_id) or request.invoke_images.get(function.full_path)
              or request.invoke_images.get(None))
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


def _prepare_layers(request: InvokeRequest, function: Function, aws: AwsContext,
                    log_line: Callable[[str], None]) -> Path | None:
    if not function.layers:
        return None
    from lambda_dap.layers import default_layer_cache_dir, prepare_opt_dir

    cache_dir = request.layer_cache_dir or default_layer_cache_dir()
    return prepare_opt_dir(function.layers, cache_dir=cache_dir, aws=aws, force=request.force_image_build,
                           log=log_line)


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
