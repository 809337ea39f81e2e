"""What to run: a plain description of one function container, free of docker SDK types."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mount:
    source: str  # host path
    target: str  # path in the container
    read_only: bool = True


@dataclass(frozen=True)
class VolumeMount:
    """A named Docker volume holding a copy of a directory of this machine (an engine that cannot see it)."""

    name: str
    target: str  # path in the container
    source: str  # the directory on this machine it is a copy of
    read_only: bool = True
    names: tuple[str, ...] = ()  # only these entries of `source` (empty: all of it)
    grafts: tuple[tuple[str, str], ...] = ()  # (top-level name, path on this machine): its content stands there
    labels: tuple[tuple[str, str], ...] = ()  # an anonymous volume's (`name` empty): created with the container
    driver_options: tuple[tuple[str, str], ...] = ()  # ... and the local driver's options (a tmpfs)


@dataclass(frozen=True)
class PortBinding:
    container_port: int
    host_port: int
    host_ip: str = "127.0.0.1"


@dataclass
class ContainerSpec:
    image: str
    entrypoint: list[str] | None = None
    command: list[str] | None = None
    environment: dict[str, str] = field(default_factory=dict)
    mounts: list[Mount] = field(default_factory=list)
    working_dir: str | None = None
    memory_mb: int | None = None
    labels: dict[str, str] = field(default_factory=dict)
    ports: list[PortBinding] = field(default_factory=list)
    network_mode: str | None = None  # "host", "container:ID" (another's), or None for the default bridge
    pid_mode: str | None = None  # "container:ID": in another container's PID namespace
    networks: list[str] = field(default_factory=list)  # joined besides the default bridge
    extra_hosts: dict[str, str] = field(default_factory=dict)
    dns: list[str] = field(default_factory=list)
    security_opt: list[str] = field(default_factory=list)
    cap_add: list[str] = field(default_factory=list)
    platform: str | None = None
    init: bool = False  # an init process as PID 1: SIGTERM reaches the runtime, orphans are reaped
    volumes: list[VolumeMount] = field(default_factory=list)  # instead of bind mounts, for an engine elsewhere
    tmpfs: dict[str, str] = field(default_factory=dict)  # path -> mount options
    volumes_from: list[str] = field(default_factory=list)  # containers whose volumes it mounts too
    attach_stdio: bool = False  # lambda-dap speaks to the container over its stdin and stdout (an engine elsewhere)
    log_driver: str | None = None  # None: the engine's default
    binds_must_exist: bool = False  # bind mounts as mounts of type bind: a source the engine cannot see is refused
