"""Reserving the Runtime API's address before the server itself exists.

The container needs the address in its environment when it is created; the HTTP server (and the http.server
import it brings) can then come up while the container boots: the runtime's first connections wait in the listen
backlog until it does.
"""

from __future__ import annotations

import socket

from lambda_dap.errors import RuntimeApiError

IP_FREEBIND = getattr(socket, "IP_FREEBIND", 15)  # Linux's value: Python does not name it


def reserve(host: str, port: int = 0, *, before_the_address: bool = False) -> socket.socket:
    """A listening TCP socket on host:port (0: any free port). `before_the_address`: bound though no interface
    holds the address yet (IP_FREEBIND), for a bridge the engine creates with the container."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if before_the_address:
            sock.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise RuntimeApiError(f"Cannot serve the Runtime API on {host}:{port}: {e.strerror or e}") from e
    return sock


def address_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"{host}:{port}"
