"""Per-runtime debugger settings, as data: what a function container needs to start under its debugger.

One entry per runtime family (SAM keeps one near-copy per runtime version). Each produces the launcher arguments
(see runtime/container_files/launch.sh), the environment, the mounts and the container options. Python works with
no setup at all: lambda-dap mounts its own debugpy and starts the runtime under it, waiting for a client.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lambda_dap.errors import DebuggingNotSupported, OptionError

DEBUGGER_MOUNT = "/tmp/lambci_debug_files"  # where SAM mounts --debugger-path; kept for drop-in compatibility
DEBUGPY_MOUNT = "/var/lambda-dap-debugpy/debugpy"
DEBUGPY_WRAPPER = "/var/lambda-dap/lambda_dap_debugpy.py"  # starts debugpy without Nagle stalls (run directory)


@dataclass(frozen=True)
class Mount:
    """A host path mounted read-only into the container."""

    source: str
    target: str


@dataclass(frozen=True)
class DebugRequest:
    """What the user asked for: the debugger's port, `--debugger-path`, `--debug-args`."""

    port: int
    debugger_path: Path | None = None
    debug_args: str | None = None


@dataclass(frozen=True)
class DebugSettings:
    """What the container needs to run the function under a debugger."""

    debugger: str  # a name for messages: "debugpy", "Node.js inspector", ...
    launcher_args: tuple[str, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    mounts: tuple[Mount, ...] = ()
    security_opt: tuple[str, ...] = ()
    cap_add: tuple[str, ...] = ()
    port_is_protocol: bool = True  # False: the debugger is reached another way (vsdbg over `docker exec`)


def split_debug_args(debug_args: str | None) -> list[str]:
    """--debug-args split as a shell would (quotes honoured), without any shell."""
    if not debug_args:
        return []
    try:
        return shlex.split(debug_args)
    except ValueError as e:
        raise OptionError(f"Invalid --debug-args {debug_args!r}: {e}") from e


def bundled_debugpy() -> Path:
    """The host's debugpy package directory (a dependency of lambda-dap), without importing it."""
    spec = importlib.util.find_spec("debugpy")
    if spec is None or not spec.submodule_search_locations:
        raise DebuggingNotSupported("debugpy is not installed with lambda-dap: pip install debugpy")
    return Path(spec.submodule_search_locations[0])


def _debugger_mounts(options: DebugRequest) -> tuple[Mount, ...]:
    return (Mount(str(options.debugger_path), DEBUGGER_MOUNT),) if options.debugger_path else ()


def _python(options: DebugRequest, runtime: str, listen_host: str) -> DebugSettings:
    args = split_debug_args(options.debug_args)
    mounts = list(_debugger_mounts(options))
    provided = options.debugger_path / "debugpy" if options.debugger_path else None
    if provided is not None and (provided / "__main__.py").is_file():
        debugpy_in_container = f"{DEBUGGER_MOUNT}/debugpy"
    else:
        mounts.append(Mount(str(bundled_debugpy()), DEBUGPY_MOUNT))
        debugpy_in_container = DEBUGPY_MOUNT
    if not args:
        args = [
            "-m",
            "debugpy",
            "--listen",
            f"{listen_host}:{options.port}",
            "--wait-for-client",
            "--configure-subProcess",
            "false",
        ]
    if args[:2] == ["-m", "debugpy"]:  # run the mounted debugpy: it needs nothing on the image's sys.path
        args = [DEBUGPY_WRAPPER, debugpy_in_container, *args[2:]]
    return DebugSettings(
        debugger="debugpy",
        launcher_args=("--python", "-Xfrozen_modules=off", *args),
        environment={"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
        mounts=tuple(mounts),
    )


def _nodejs(options: DebugRequest, runtime: str, listen_host: str) -> DebugSettings:
    node_options = " ".join([f"--inspect-brk={listen_host}:{options.port}", *split_debug_args(options.debug_args)])
    return DebugSettings(
        debugger="Node.js inspector", environment={"NODE_OPTIONS": node_options}, mounts=_debugger_mounts(options)
    )


def _java(options: DebugRequest, runtime: str, listen_host: str) -> DebugSettings:
    address = str(options.port) if runtime.startswith("java8") else f"{_jdwp_host(listen_host)}:{options.port}"
    flags = [
        f"-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,quiet=y,address={address}",
        "-XX:+TieredCompilation",
        "-XX:TieredStopAtLevel=1",
        "-Djava.net.preferIPv4Stack=true",
        *split_debug_args(options.debug_args),
    ]
    return DebugSettings(
        debugger="JDWP", environment={"_JAVA_OPTIONS": " ".join(flags)}, mounts=_debugger_mounts(options)
    )


def _dotnet(options: DebugRequest, runtime: str, listen_host: str) -> DebugSettings:
    if options.debugger_path is None:
        raise DebuggingNotSupported(
            f"Debugging {runtime} needs --debugger-path: a directory holding vsdbg for Linux "
            "(attach through `docker exec` with a pipeTransport)"
        )
    return DebugSettings(
        debugger="vsdbg",
        launcher_args=("/var/runtime/bootstrap", *split_debug_args(options.debug_args)),
        environment={"_AWS_LAMBDA_DOTNET_DEBUGGING": "1"},
        mounts=_debugger_mounts(options),
        port_is_protocol=False,
    )


def _delve(options: DebugRequest, runtime: str, listen_host: str) -> DebugSettings:
    if options.debugger_path is None or not (options.debugger_path / "dlv").is_file():
        raise DebuggingNotSupported(
            f"Debugging {runtime} needs --debugger-path: a directory holding a Linux `dlv` binary "
            "(GOOS=linux go install github.com/go-delve/delve/cmd/dlv@latest)"
        )
    api_version, extra = "2", []
    for arg in split_debug_args(options.debug_args):
        match = _DELVE_API.fullmatch(arg)
        if match:  # SAM's own delve option, which dlv itself does not know
            api_version = match["version"]
        else:
            extra.append(arg)
    dlv = [
        f"{DEBUGGER_MOUNT}/dlv",
        f"--listen={listen_host}:{options.port}",
        "--headless=true",
        f"--api-version={api_version}",
        "--accept-multiclient",
        *extra,
        "exec",
    ]
    return DebugSettings(
        debugger="delve",
        launcher_args=("--wrap", *dlv),
        mounts=_debugger_mounts(options),
        security_opt=("seccomp=unconfined",),
        cap_add=("SYS_PTRACE",),
    )


_DELVE_API = re.compile(r"-delveAPI=(?P<version>\d+)")


def _ruby(options: DebugRequest, runtime: str, listen_host: str) -> DebugSettings:
    rubyopt = " ".join(["-rdebug/open", *split_debug_args(options.debug_args)])
    return DebugSettings(
        debugger="rdbg",
        environment={"RUBYOPT": rubyopt, "RUBY_DEBUG_HOST": listen_host, "RUBY_DEBUG_PORT": str(options.port)},
        mounts=_debugger_mounts(options),
    )


def _image_without_runtime(options: DebugRequest, runtime: str, listen_host: str) -> DebugSettings:
    args = split_debug_args(options.debug_args)
    return DebugSettings(debugger="your debugger", launcher_args=tuple(args), mounts=_debugger_mounts(options))


_BY_FAMILY: dict[str, Callable[[DebugRequest, str, str], DebugSettings]] = {
    "python": _python,
    "nodejs": _nodejs,
    "java": _java,
    "dotnet": _dotnet,
    "go": _delve,
    "provided": _delve,
    "ruby": _ruby,
}


def debug_settings(
    family: str | None, runtime: str | None, options: DebugRequest, listen_host: str = "0.0.0.0"
) -> DebugSettings:
    """The settings for `runtime` of `family` ("python", ...; None: an image function whose runtime is unknown).

    `listen_host` is where the debugger listens inside the container: all of the container's interfaces normally
    (the container is reached through lambda-dap's relay), the host interface with `--docker-network host`.
    """
    if family is None or runtime is None:
        return _image_without_runtime(options, "", listen_host)
    return _BY_FAMILY[family](options, runtime, listen_host)


def _jdwp_host(listen_host: str) -> str:
    return "*" if listen_host == "0.0.0.0" else listen_host
