"""Connections to the Docker engine: a unix socket, tcp (plain or TLS) or ssh, one connection per request.

Local sockets and plain tcp use the standard library's sockets, nothing more. TLS is Python's `ssl` (imported only
for a TLS engine). ssh is OpenSSH itself, as the Docker CLI does it: `ssh HOST docker system dial-stdio` carries
the connection, with the user's ssh configuration, keys and agent; the ssh sessions share one master connection
(`ControlMaster`) that ends by itself a while after the last request, so each request costs no handshake.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambda_dap.container.endpoint import Endpoint, TlsSettings
from lambda_dap.errors import DockerNotAvailable, SettingError

if TYPE_CHECKING:
    import subprocess

SSH_COMMAND_VARIABLE = "LAMBDA_DAP_SSH_COMMAND"  # the ssh program and options, like GIT_SSH_COMMAND
SSH_MASTER_PERSIST_S = 30

Connector = Callable[[float | None], socket.socket]


def connector(endpoint: Endpoint, environ: dict[str, str] | None = None) -> Connector:
    """A function opening one new connection to `endpoint` (raises DockerNotAvailable when it cannot)."""
    if endpoint.scheme == "unix":
        return lambda timeout: _connect(endpoint, socket.AF_UNIX, endpoint.path, timeout)
    if endpoint.scheme == "tcp":
        address = (endpoint.host, endpoint.port)
        if endpoint.tls is None:
            return lambda timeout: _connect(endpoint, socket.AF_INET, address, timeout)
        context = _tls_context(endpoint.tls, endpoint)
        return lambda timeout: _connect_tls(endpoint, context, address, timeout)
    if endpoint.scheme == "ssh":
        command = ssh_command(endpoint, os.environ if environ is None else environ)
        return lambda timeout: SshConnection.open(command, endpoint, timeout)
    raise DockerNotAvailable(f"{endpoint.origin}={endpoint.url}: expected unix://, tcp:// or ssh://")


def _connect(endpoint: Endpoint, family: int, address: Any, timeout: float | None) -> socket.socket:
    if family == socket.AF_INET:
        try:
            sock = socket.create_connection(address, timeout=timeout)
        except OSError as error:
            raise _unreachable(endpoint, error) from error
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except OSError as error:
        sock.close()
        raise _unreachable(endpoint, error) from error
    return sock


def _unreachable(endpoint: Endpoint, error: OSError) -> DockerNotAvailable:
    if isinstance(error, (FileNotFoundError, ConnectionRefusedError, PermissionError)):
        return DockerNotAvailable(
            f"Cannot reach the Docker engine at {endpoint.url}: is Docker running? ({error.strerror or error})"
        )
    return DockerNotAvailable(f"Cannot reach the Docker engine at {endpoint.url}: {error.strerror or error}")


def _tls_context(tls: TlsSettings, endpoint: Endpoint) -> Any:
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        if tls.verify:
            context.load_verify_locations(cafile=str(tls.ca) if tls.ca else None)
        else:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if tls.cert is not None and tls.key is not None:
            context.load_cert_chain(str(tls.cert), str(tls.key))
    except (OSError, ssl.SSLError) as error:
        raise DockerNotAvailable(
            f"{endpoint.origin}={endpoint.url}: cannot load the TLS certificates ({tls.ca}, {tls.cert}): {error}"
        ) from None
    return context


def _connect_tls(endpoint: Endpoint, context: Any, address: tuple[Any, Any], timeout: float | None) -> socket.socket:
    import ssl

    sock = _connect(endpoint, socket.AF_INET, address, timeout)
    try:
        return context.wrap_socket(sock, server_hostname=endpoint.host)
    except ssl.SSLCertVerificationError as error:
        sock.close()
        raise DockerNotAvailable(
            f"The Docker engine at {endpoint.url} failed TLS verification: {error.verify_message}"
        ) from None
    except (ssl.SSLError, OSError) as error:
        sock.close()
        raise DockerNotAvailable(f"TLS to the Docker engine at {endpoint.url} failed: {error}") from None


def ssh_command(endpoint: Endpoint, environ: dict[str, str] | Any) -> list[str]:
    """The command whose stdin/stdout is a connection to the engine's socket on the ssh host."""
    import shlex

    configured = environ.get(SSH_COMMAND_VARIABLE, "")
    try:
        program = shlex.split(configured) if configured else ["ssh"]
    except ValueError as error:
        raise SettingError(
            f"{SSH_COMMAND_VARIABLE}: {error}; expected an ssh command line such as 'ssh -F FILE'"
        ) from None
    if not program:
        raise SettingError(f"{SSH_COMMAND_VARIABLE}: empty; expected an ssh command line such as 'ssh -F FILE'")
    options = ["-T", "-o", "ControlMaster=auto", "-o", f"ControlPath={_control_dir()}/%C"]
    options += ["-o", f"ControlPersist={SSH_MASTER_PERSIST_S}"]
    if endpoint.user:
        options += ["-l", endpoint.user]
    if endpoint.port:
        options += ["-p", str(endpoint.port)]
    return [*program, *options, "--", str(endpoint.host), "docker", "system", "dial-stdio"]


def _control_dir() -> str:
    """A private directory for the ssh master connections' sockets (short: unix socket paths are limited)."""
    import tempfile

    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    path = Path(base) / f"lambda-dap-ssh-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    if path.stat().st_uid != os.getuid():
        raise DockerNotAvailable(f"{path}: owned by another user; cannot keep ssh connections there")
    return str(path)


class SshConnection(socket.socket):
    """One end of a socket pair whose other end is an ssh process's stdin and stdout."""

    _process: subprocess.Popen | None = None
    _endpoint: Endpoint | None = None

    @classmethod
    def open(cls, command: list[str], endpoint: Endpoint, timeout: float | None) -> SshConnection:
        import subprocess

        ours, theirs = socket.socketpair()
        try:
            process = subprocess.Popen(
                command, stdin=theirs, stdout=theirs, stderr=subprocess.PIPE, start_new_session=True
            )
        except OSError as error:
            ours.close()
            raise DockerNotAvailable(f"Cannot run ssh for the Docker engine at {endpoint.url}: {error}") from None
        finally:
            theirs.close()
        connection = cls(ours.family, ours.type, ours.proto, fileno=ours.detach())
        connection._process, connection._endpoint = process, endpoint
        connection.settimeout(timeout)
        return connection

    def diagnostic(self) -> str:
        """ssh's last line of complaint once it has ended (why the connection failed), else ''."""
        import subprocess

        process = self._process
        if process is None or process.stderr is None:
            return ""
        try:
            process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            return ""
        os.set_blocking(process.stderr.fileno(), False)  # a backgrounded ssh master may still hold the pipe
        try:
            text = process.stderr.read() or b""
        except BlockingIOError:
            text = b""
        lines = text.decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"ssh exited with {process.returncode}"

    def close(self) -> None:
        super().close()
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:  # dial-stdio ends once its stdin closes and the engine's answer is through
            import threading

            threading.Thread(target=_reap, args=(process,), name="lambda-dap-ssh-reaper", daemon=True).start()
        elif process.stderr is not None:
            process.stderr.close()


def _reap(process: subprocess.Popen) -> None:
    import subprocess

    try:
        process.wait(timeout=10.0)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stderr is not None:
        process.stderr.close()


class ConnectionPool:
    """Connections kept open between requests (HTTP keep-alive), for transports where opening one is dear:
    a TLS handshake, or an ssh session and `docker system dial-stdio` on the engine's host."""

    MAX_IDLE = 4

    def __init__(self, connect: Connector) -> None:
        import threading

        self._connect = connect
        self._idle: list[socket.socket] = []
        self._lock = threading.Lock()

    def take(self, timeout: float | None) -> tuple[socket.socket, bool]:
        """A connection, and whether it carried a request before (the engine may have closed it meanwhile)."""
        with self._lock:
            sock = self._idle.pop() if self._idle else None
        if sock is None:
            return self._connect(timeout), False
        sock.settimeout(timeout)
        return sock, True

    def give_back(self, sock: socket.socket) -> None:
        with self._lock:
            if len(self._idle) < self.MAX_IDLE:
                self._idle.append(sock)
                return
        sock.close()
