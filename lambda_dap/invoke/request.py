"""The library API's inputs and outputs: what to invoke, and what came back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lambda_dap.invoke.cases import ScriptedEvent
from lambda_dap.runtime.outcome import Outcome

EXIT_OK = 0
EXIT_FUNCTION_ERROR = 3
EXIT_TIMEOUT = 4


@dataclass(frozen=True)
class DebugOptions:
    """`--debug-port` (every port published, the first given to the debugger), `--debugger-path`, `--debug-args`."""

    ports: tuple[int, ...]
    debugger_path: Path | None = None
    debug_args: str | None = None
    host_ip: str = "127.0.0.1"  # where the ports are published on the host
    relay: bool = True  # lambda-dap serves the first port and relays it; False: the caller connects to the debugger
    keep_timeout: bool = False  # the function's Timeout still applies, paused while the caller says it is stopped
    container_host: str | None = None  # --container-host: reach the published ports there (None: the container's IP)
    upstream_port: int | None = None  # with container_host, the host port the relayed debugger port is published on

    @property
    def port(self) -> int:
        return self.ports[0]


@dataclass(frozen=True)
class CodeTarget:
    """A function given without a template: what the AWS Toolkit's `code` target sends."""

    handler: str
    runtime: str
    code_dir: Path
    memory_mb: int = 128
    timeout_s: int = 3
    environment: dict[str, str] = field(default_factory=dict)
    architecture: str = "x86_64"
    name: str = "Function"


@dataclass
class InvokeRequest:
    """Everything `sam local invoke` takes, already parsed (paths, dicts), as any front door can build it."""

    template: Path | None = None  # None: `code` says what to run
    function_id: str | None = None
    code: CodeTarget | None = None
    event: bytes = b"{}"  # what `invoke()` sends when given no event
    events: tuple[ScriptedEvent, ...] | None = None  # --events: a script, run in order in one warm container
    env_vars_file: Path | None = None
    env_vars: dict | None = None  # the env-vars file's content, given directly (wins over env_vars_file)
    parameter_overrides: dict[str, str] = field(default_factory=dict)
    docker_volume_basedir: Path | None = None
    docker_network: str | None = None
    container_env_vars_file: Path | None = None
    container_env_vars: dict[str, str] | None = None  # given directly (wins over container_env_vars_file)
    layer_cache_dir: Path | None = None
    skip_pull_image: bool = False
    force_image_build: bool = False  # also re-installs dependencies
    skip_dependencies: bool = False  # do not install requirements.txt / package.json (vendored or built)
    profile: str | None = None
    region: str | None = None
    invoke_images: dict[str | None, str] = field(default_factory=dict)  # None: for every function
    runtime: str | None = None
    debug: DebugOptions | None = None
    memory_limit: bool = True
    extra_hosts: dict[str, str] = field(default_factory=dict)
    dns: list[str] = field(default_factory=list)
    tenant_id: str | None = None  # --tenant-id: required by, and only for, functions with TenancyConfig
    mount_symlinks: bool = False  # --mount-symlinks: every top-level symlink of the code dir, not only node_modules
    durable_execution_name: str | None = None  # --durable-execution-name (for DurableConfig functions only)
    language_extensions: bool | None = None  # --language-extensions / --no-language-extensions; None: not given
    log_file: Path | None = None  # for front doors: where the logs are written as well (--log-file)
    debug_logging: bool = False  # for front doors: --debug


@dataclass(frozen=True)
class InvocationResult:
    """One invocation's answer and its measurements."""

    request_id: str
    outcome: Outcome
    payload: bytes  # the function's response bytes as the runtime posted them, or Lambda's error document
    content_type: str
    error_type: str | None
    duration_ms: float
    init_duration_ms: float | None
    memory_size_mb: int
    max_memory_used_mb: int | None
    extension_error: str | None = None  # "Extension.Crash: ..." when an extension failed the invocation

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.SUCCESS and self.extension_error is None

    @property
    def exit_code(self) -> int:
        """What `lambda-dap invoke` exits with: 0 success, 3 function error, 4 timeout."""
        if self.ok:
            return EXIT_OK
        return EXIT_TIMEOUT if self.outcome is Outcome.TIMEOUT else EXIT_FUNCTION_ERROR
