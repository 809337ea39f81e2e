"""Which Docker engine to talk to, found the way the Docker CLI finds it.

`DOCKER_HOST` first (with `DOCKER_TLS_VERIFY` / `DOCKER_TLS` / `DOCKER_CERT_PATH`), then the context named by
`DOCKER_CONTEXT`, then the Docker CLI's current context (`currentContext` in `$DOCKER_CONFIG/config.json`), then
the usual local sockets: Docker Engine's, rootless Docker's, Docker Desktop's and Podman's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lambda_dap.errors import DockerNotAvailable

DEFAULT_SOCKET = "/var/run/docker.sock"
DEFAULT_HOST = f"unix://{DEFAULT_SOCKET}"
DEFAULT_CONTEXT = "default"
PLAIN_TCP_PORT, TLS_TCP_PORT, SSH_PORT = 2375, 2376, 22


@dataclass(frozen=True)
class TlsSettings:
    """The certificates of a TLS connection to the engine; `verify` checks the engine's certificate against `ca`."""

    ca: Path | None
    cert: Path | None
    key: Path | None
    verify: bool


@dataclass(frozen=True)
class Endpoint:
    """One engine address: a unix socket (`path`), tcp (`host`, `port`, `tls`) or ssh (`user`, `host`, `port`)."""

    url: str
    scheme: str
    origin: str  # where it came from, for messages: "DOCKER_HOST", "Docker context 'x'", "default"
    path: str | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    tls: TlsSettings | None = None


def resolve_endpoint(environ: Mapping[str, str] | None = None, home: Path | None = None) -> Endpoint:
    """The engine the Docker CLI would use with this environment."""
    environ = os.environ if environ is None else environ
    config_dir = docker_config_dir(environ, home)
    host = environ.get("DOCKER_HOST", "")
    if host:
        return parse_host(host, "DOCKER_HOST", _tls_from_environ(environ, config_dir, host))
    name = environ.get("DOCKER_CONTEXT", "")
    origin = "DOCKER_CONTEXT"
    if not name:
        name, origin = _current_context(config_dir), f"{config_dir / 'config.json'}: currentContext"
    if name and name != DEFAULT_CONTEXT:
        return _context_endpoint(name, origin, config_dir)
    return _local_socket(environ, home)


def docker_config_dir(environ: Mapping[str, str], home: Path | None = None) -> Path:
    """The Docker CLI's configuration directory: `$DOCKER_CONFIG`, else `~/.docker`."""
    configured = environ.get("DOCKER_CONFIG")
    return Path(configured) if configured else (home or Path.home()) / ".docker"


def parse_host(url: str, origin: str, tls: TlsSettings | None = None) -> Endpoint:
    """An endpoint from a Docker host URL (`unix:///path`, `tcp://host:port`, `ssh://user@host:port`)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise DockerNotAvailable(f"{origin}={url}: the port is not a number from 1 to 65535") from None
    if parts.scheme == "unix":
        if not parts.path:
            raise DockerNotAvailable(f"{origin}={url}: expected unix:///path/to/docker.sock")
        return Endpoint(url=url, scheme="unix", origin=origin, path=parts.path)
    if parts.scheme in ("tcp", "http", "https"):
        if not parts.hostname:
            raise DockerNotAvailable(f"{origin}={url}: expected tcp://HOST:PORT")
        if parts.scheme == "https" and tls is None:
            tls = TlsSettings(ca=None, cert=None, key=None, verify=False)
        default_port = TLS_TCP_PORT if tls is not None else PLAIN_TCP_PORT
        return Endpoint(url=url, scheme="tcp", origin=origin, host=parts.hostname, port=port or default_port, tls=tls)
    if parts.scheme == "ssh":
        if not parts.hostname:
            raise DockerNotAvailable(f"{origin}={url}: expected ssh://[USER@]HOST[:PORT]")
        if parts.path not in ("", "/"):
            raise DockerNotAvailable(f"{origin}={url}: an ssh:// engine address has no path (ssh://[USER@]HOST[:PORT])")
        return Endpoint(url=url, scheme="ssh", origin=origin, host=parts.hostname, port=port, user=parts.username)
    if parts.scheme == "npipe":
        raise DockerNotAvailable(f"{origin}={url}: Windows named pipes are not supported")
    raise DockerNotAvailable(f"{origin}={url}: expected unix://, tcp:// or ssh://")


def _tls_from_environ(environ: Mapping[str, str], config_dir: Path, host: str) -> TlsSettings | None:
    verify = environ.get("DOCKER_TLS_VERIFY", "") != ""  # as the Docker CLI: any non-empty value turns it on
    if not verify and environ.get("DOCKER_TLS", "") == "":
        return None
    cert_dir = Path(environ.get("DOCKER_CERT_PATH") or config_dir)
    tls = _tls_files(cert_dir, verify)
    if verify and tls.ca is None:
        raise DockerNotAvailable(
            f"DOCKER_HOST={host} with DOCKER_TLS_VERIFY: {cert_dir / 'ca.pem'} does not exist; set DOCKER_CERT_PATH "
            "to the directory holding ca.pem, cert.pem and key.pem"
        )
    return tls


def _tls_files(directory: Path, verify: bool) -> TlsSettings:
    def existing(name: str) -> Path | None:
        path = directory / name
        return path if path.is_file() else None

    cert, key = existing("cert.pem"), existing("key.pem")
    if (cert is None) != (key is None):
        raise DockerNotAvailable(f"{directory}: a client certificate needs both cert.pem and key.pem")
    return TlsSettings(ca=existing("ca.pem"), cert=cert, key=key, verify=verify)


def _current_context(config_dir: Path) -> str:
    path = config_dir / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ""
    except (OSError, ValueError) as error:
        raise DockerNotAvailable(f"{path}: not a readable Docker CLI configuration ({error})") from None
    name = config.get("currentContext", "") if isinstance(config, dict) else ""
    return name if isinstance(name, str) else ""


def _context_endpoint(name: str, origin: str, config_dir: Path) -> Endpoint:
    """The docker endpoint of a context in the Docker CLI's context store (`contexts/meta/<sha256 of name>`)."""
    import hashlib

    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = config_dir / "contexts" / "meta" / digest / "meta.json"
    label = f"Docker context '{name}'"
    try:
        document = json.loads(meta.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DockerNotAvailable(
            f"{origin}: {label} does not exist (no {meta}); `docker context ls` lists the contexts"
        ) from None
    except (OSError, ValueError) as error:
        raise DockerNotAvailable(f"{meta}: {label} is unreadable ({error})") from None
    docker = ((document.get("Endpoints") or {}) if isinstance(document, dict) else {}).get("docker") or {}
    host = docker.get("Host") if isinstance(docker, dict) else None
    if not isinstance(host, str) or not host:
        raise DockerNotAvailable(f"{meta}: {label} has no Endpoints.docker.Host")
    tls_dir = config_dir / "contexts" / "tls" / digest / "docker"
    tls = _tls_files(tls_dir, verify=not docker.get("SkipTLSVerify", False)) if tls_dir.is_dir() else None
    if tls is not None and tls.ca is None and tls.cert is None:
        tls = None
    return parse_host(host, label, tls)


def _local_socket(environ: Mapping[str, str], home: Path | None) -> Endpoint:
    """Docker Engine's socket when it exists, else the first socket of rootless Docker, Docker Desktop or Podman."""
    if os.path.exists(DEFAULT_SOCKET):
        return Endpoint(url=DEFAULT_HOST, scheme="unix", origin="default", path=DEFAULT_SOCKET)
    for path in local_socket_candidates(environ, home):
        if os.path.exists(path):
            return Endpoint(url=f"unix://{path}", scheme="unix", origin="found", path=path)
    return Endpoint(url=DEFAULT_HOST, scheme="unix", origin="default", path=DEFAULT_SOCKET)


def local_socket_candidates(environ: Mapping[str, str], home: Path | None = None) -> list[str]:
    """Where engines other than a system dockerd put their Docker-compatible socket, most specific first."""
    home = home or Path.home()
    runtime_dir = environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    return [
        f"{runtime_dir}/docker.sock",  # rootless Docker
        str(home / ".docker" / "desktop" / "docker.sock"),  # Docker Desktop on Linux
        str(home / ".docker" / "run" / "docker.sock"),  # Docker Desktop on macOS
        f"{runtime_dir}/podman/podman.sock",  # rootless Podman (`systemctl --user start podman.socket`)
        "/run/podman/podman.sock",  # Podman as root
        str(home / ".colima" / "default" / "docker.sock"),  # Colima
        str(home / ".rd" / "docker.sock"),  # Rancher Desktop
    ]
