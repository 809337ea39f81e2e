"""The remote engine's TLS endpoint: listens on HOST:PORT, asks every client for a certificate signed by the CA,
and passes the bytes on to the engine's plain API at UPSTREAM_HOST:UPSTREAM_PORT.

dockerd.py runs it in the engine's network namespace, so the client meets TLS on 198.51.100.2:2376 as a dockerd
started with `--tlsverify` would answer (one dockerd serves TLS on all its tcp listeners or on none, and the plain
one is the harness's own way in). Standard library only; run as a script:

    python3 tls_front.py CERT_DIR HOST PORT UPSTREAM_HOST UPSTREAM_PORT
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import threading
from pathlib import Path


def pump(source: socket.socket, target: socket.socket) -> None:
    """Copy `source` into `target` until either ends, then shut both."""
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def _relay(context: ssl.SSLContext, raw: socket.socket, upstream: tuple[str, int]) -> None:
    try:
        client = context.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError):
        raw.close()
        return
    try:
        engine = socket.create_connection(upstream, timeout=10)
    except OSError:
        client.close()
        return
    engine.settimeout(None)
    threading.Thread(target=pump, args=(engine, client), daemon=True).start()
    pump(client, engine)


def main(argv: list[str]) -> int:
    certificates, host, port, upstream_host, upstream_port = argv
    directory = Path(certificates)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "server-cert.pem", directory / "server-key.pem")
    context.load_verify_locations(directory / "ca.pem")
    context.verify_mode = ssl.CERT_REQUIRED
    upstream = (upstream_host, int(upstream_port))
    with socket.create_server((host, int(port))) as listener:
        while True:
            raw, _ = listener.accept()
            threading.Thread(target=_relay, args=(context, raw, upstream), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
