"""The library API's inputs and outputs: what to invoke, and what came back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lambda_dap.runtime.invocation import Outcome


@dataclass(frozen=True)
class DebugOptions:
    """`--debug-port` (every port published, the first given to the debugger), `--debugger-path`, `--debug-args`."""

    ports: tuple[int, ...]
    debugger_path: Path | None = None
    debug_args: str | None = None
    host_ip: str = "127.0.0.1"  # where the ports are published on the host

    @property
    def port(self) -> int:
        return self.ports[0]


@dataclass
class InvokeRequest:
    """Everything `sam local invoke` takes, already parsed (paths, dicts), as any front door can build it."""

    template: Path
    function_id: str | None = None
    env_vars_file: Path | None = None
    parameter_overrides: dict[str, str] = field(default_factory=dict)
    docker_volume_basedir: Path | None = None
    docker_network: str | None = None
    container_env_vars_file: Path | None = None
    layer_cache_dir: Path | None = None
    skip_pull_image: bool = False
    force_image_build: bool = False
    profile: str | None = None
    region: str | None = None
    invoke_images: dict[str | None, str] = field(default_factory=dict)  # None: for every function
    runtime: str | None = None
    debug: DebugOptions | None = None
    shutdown: bool = False
    memory_limit: bool = True
    extra_hosts: dict[str, str] = field(default_factory=dict)
    dns: list[str] = field(default_factory=list)


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
