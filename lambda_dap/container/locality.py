"""Whether the Docker engine runs on this machine: lambda-dap's containers reach its Runtime API on the Docker
bridge's gateway address and see its files through bind mounts, which only an engine on this machine allows.
Elsewhere (another machine, a VM), lambda-dap runs in remote mode: files copied into volumes, the network carried
over the container's attached stdin and stdout (container/volumes.py, container/link.py). Between the two, an engine
in a VM of this machine that sees its files (Docker Desktop's file sharing, OrbStack) runs in shared-files mode: the
network carried as in remote mode, the files bind-mounted as locally (invoke/shared.py)."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from lambda_dap.container.endpoint import Endpoint
from lambda_dap.errors import ContainerError, EngineElsewhere, SettingError

if TYPE_CHECKING:
    from lambda_dap.container.engine import Engine

MODE_ENV = "LAMBDA_DAP_ENGINE_MODE"  # force the mode (one of MODES); unset: decided from the engine
SHARED_FILES = "shared-files"
MODES = ("local", "remote", SHARED_FILES)


def forced_mode() -> str | None:
    """The mode LAMBDA_DAP_ENGINE_MODE asks for, if any (SettingError for anything but MODES)."""
    value = os.environ.get(MODE_ENV, "").strip().lower()
    if not value:
        return None
    if value not in MODES:
        raise SettingError(f"{MODE_ENV}={value}: expected local, remote or {SHARED_FILES}")
    return value


def file_sharing_engine(info: dict[str, Any]) -> str | None:
    """The product name of an engine that runs in a VM of this machine and sees its files, from its `GET /info`
    answer (Docker Desktop on macOS, Windows and Linux; OrbStack); None for any other engine."""
    system = str(info.get("OperatingSystem") or "")
    name = str(info.get("Name") or "")
    labels = [str(label) for label in info.get("Labels") or []]
    if system.startswith("Docker Desktop") or name == "docker-desktop":
        return "Docker Desktop"
    if any(label.startswith("com.docker.desktop.") for label in labels):
        return "Docker Desktop"
    if system.startswith("OrbStack") or name == "orbstack":
        return "OrbStack"
    return None


def engine_shares_files(engine: Engine) -> str | None:
    """file_sharing_engine() of `engine`'s own answer; None when it does not answer /info."""
    try:
        return file_sharing_engine(engine.info())
    except ContainerError:
        return None


def engine_is_elsewhere(endpoint: Endpoint) -> bool:
    """True for an engine reached over the network from another machine."""
    return not (endpoint.scheme == "unix" or endpoint.host is None or is_this_machine(endpoint.host))


def check_engine_is_here(endpoint: Endpoint) -> None:
    """Raise EngineElsewhere, in one line, for an engine reached over the network from another machine (where
    LAMBDA_DAP_ENGINE_MODE=local asks for bind mounts and the bridge gateway)."""
    if not engine_is_elsewhere(endpoint):
        return
    raise EngineElsewhere(
        f"The Docker engine at {endpoint.url} ({endpoint.origin}) runs on another machine, and {MODE_ENV}=local "
        "asks for an engine that shares this machine's network and files: unset it (remote mode copies the files "
        "and carries the network through the container), or use a local engine"
    )


def check_gateway_is_here(gateway: str, endpoint: Endpoint) -> None:
    """Raise EngineElsewhere when the engine's bridge gateway is no address of this machine (a VM's engine)."""
    if not is_this_machine(gateway):
        raise EngineElsewhere(
            f"The Docker engine at {endpoint.url} runs elsewhere (a VM or another machine: its bridge gateway "
            f"{gateway} is no address of this machine), and {MODE_ENV}=local asks for one that shares this machine's "
            "network: unset it for remote mode"
        )


def bridge_comes_with_containers(endpoint: Endpoint, info: Callable[[], Mapping[str, Any]]) -> bool:
    """Whether an engine whose bridge gateway is no address of this machine still runs on it, in its network, so
    that the bridge appears once a container uses it (Podman with netavark creates its bridge with the first
    container on it and deletes it with the last): its unix socket is served from this network namespace, and its
    system information (`info()`, asked only then) names this machine's host name and kernel (an engine in a VM,
    behind a local socket, names the VM's)."""
    if endpoint.scheme != "unix" or endpoint.path is None or not _served_from_this_network(endpoint.path):
        return False
    details = info()
    return details.get("Name") == socket.gethostname() and details.get("KernelVersion") == os.uname().release


def _served_from_this_network(path: str) -> bool:
    """Whether the process listening on the unix socket `path` is in this process's network namespace (Linux
    only: elsewhere, macOS say, an engine behind a local socket is in Docker Desktop's VM, never in this network)."""
    import struct

    if not hasattr(socket, "SO_PEERCRED") or not os.path.isdir("/proc/self/ns"):
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(2.0)
            probe.connect(path)
            credentials = probe.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        pid = struct.unpack("3i", credentials)[0]
        if pid <= 0:  # in another PID namespace: not this machine's view
            return False
        return os.stat(f"/proc/{pid}/ns/net").st_ino == os.stat("/proc/self/ns/net").st_ino
    except OSError:
        return False


@lru_cache(maxsize=32)
def is_this_machine(host: str) -> bool:
    """True when every address `host` names is this machine's own (loopback, or one its interfaces hold)."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False  # unresolvable here: certainly not known as this machine
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(_is_own_address(address) for address in addresses)


def _is_own_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.is_loopback:
        return True
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((address, 0))  # only an address of one of this machine's interfaces can be bound
        except OSError:
            return False
    return True
