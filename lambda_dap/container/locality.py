"""Whether the Docker engine runs on this machine: lambda-dap's containers reach its Runtime API on the Docker
bridge's gateway address and see its files through bind mounts, which only an engine on this machine allows."""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache

from lambda_dap.container.endpoint import Endpoint
from lambda_dap.errors import EngineElsewhere


def check_engine_is_here(endpoint: Endpoint) -> None:
    """Raise EngineElsewhere, in one line, for an engine reached over the network from another machine."""
    if endpoint.scheme == "unix" or endpoint.host is None or is_this_machine(endpoint.host):
        return
    raise EngineElsewhere(
        f"The Docker engine at {endpoint.url} ({endpoint.origin}) runs on another machine; lambda-dap needs an "
        "engine that shares this machine's network and files (remote engines are not supported yet): run "
        "lambda-dap on the engine's machine, or use a local engine"
    )


def check_gateway_is_here(gateway: str, endpoint: Endpoint) -> None:
    """Raise EngineElsewhere when the engine's bridge gateway is no address of this machine (a VM's engine)."""
    if not is_this_machine(gateway):
        raise EngineElsewhere(
            f"The Docker engine at {endpoint.url} runs elsewhere (a VM or another machine: its bridge gateway "
            f"{gateway} is no address of this machine); lambda-dap needs an engine on this machine for now"
        )


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
