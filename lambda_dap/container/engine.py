"""A thin client of the Docker Engine API, and the one place where its errors become lambda-dap's.

Why not the docker SDK here: importing it (requests, urllib3, charset_normalizer, ...) costs ~140 ms, a third of a
whole cold invoke on a fast machine. The few endpoints an invoke needs are plain HTTP over the engine's socket,
spoken here with the standard library: one method per endpoint, as docker-py's `APIClient` does.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, BinaryIO
from urllib.parse import quote, urlencode

from lambda_dap.container.endpoint import Endpoint, parse_host, resolve_endpoint
from lambda_dap.container.transport import ConnectionPool, SshConnection, connector
from lambda_dap.container.wire import HttpResponse, send_request
from lambda_dap.errors import ContainerError, DockerNotAvailable, EngineError

LABEL = "lambda-dap"  # every container lambda-dap starts carries it: `docker ps -a --filter label=lambda-dap`


class Engine:
    """The Docker Engine API at an endpoint: the one the Docker CLI would use (`resolve_endpoint`) by default."""

    def __init__(self, host: str | None = None, endpoint: Endpoint | None = None) -> None:
        if endpoint is None:
            endpoint = parse_host(host, "host") if host else resolve_endpoint()
        self.endpoint = endpoint
        self.host = endpoint.url
        connect = connector(endpoint)
        # A local socket costs nothing to open: one connection per request. TLS and ssh keep connections open.
        self._pool = ConnectionPool(connect) if endpoint.scheme != "unix" else None
        self._connect = connect
        self._info: dict[str, Any] | None = None

    # --- transport -----------------------------------------------------------------------------------------------

    def _open(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        timeout: float | None = 120.0,
        raw: BinaryIO | None = None,
    ) -> HttpResponse:
        """`body` goes as JSON; `raw`, a file, is streamed as a tar archive."""
        if query:
            path += "?" + urlencode({k: _query_value(v) for k, v in query.items() if v is not None})
        data: bytes | BinaryIO | None = json.dumps(body).encode() if body is not None else raw
        content_type = "application/json" if body is not None else "application/x-tar" if raw is not None else None
        start = raw.tell() if raw is not None else 0
        while True:
            sock, reused = self._pool.take(timeout) if self._pool is not None else (self._connect(timeout), False)
            try:
                if raw is not None:
                    raw.seek(start)
                send_request(sock, method, path, data, content_type, keep_alive=self._pool is not None)
                release = self._pool.give_back if self._pool is not None else None
                response = HttpResponse(sock, release=release, head=method == "HEAD")
                break
            except OSError as e:
                why = sock.diagnostic() if isinstance(sock, SshConnection) else ""
                sock.close()
                if reused:
                    continue  # a kept connection the engine closed while idle: the request goes on a new one
                raise DockerNotAvailable(f"Lost the Docker engine at {self.host}: {why or e}") from e
        if response.status >= 400:
            payload = response.read()
            response.close()
            raise EngineError(response.status, _error_message(payload, response.status), _full_message(payload))
        return response

    def call(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        timeout: float | None = 120.0,
        raw: BinaryIO | None = None,
    ) -> Any:
        """One request; the decoded JSON answer (None when empty, or plain text)."""
        response = self._open(method, path, query=query, body=body, timeout=timeout, raw=raw)
        try:
            payload = response.read()
        except OSError as e:
            raise DockerNotAvailable(f"Lost the Docker engine at {self.host}: {e}") from e
        finally:
            response.close()
        if response.headers.get("content-type", "").startswith("text/plain"):
            return None  # an acknowledgement in words (Podman answers a network connect with "OK")
        return json.loads(payload) if payload.strip() else None

    # --- endpoints -----------------------------------------------------------------------------------------------

    def inspect_image(self, name: str) -> dict[str, Any] | None:
        try:
            return self.call("GET", f"/images/{quote(name, safe='/:@')}/json")
        except EngineError as e:
            if e.status == 404:
                return None
            raise

    def pull(self, repository: str, tag: str | None) -> Iterator[dict[str, Any]]:
        response = self._open("POST", "/images/create", query={"fromImage": repository, "tag": tag}, timeout=None)
        try:
            for line in response.lines():
                if line.strip():
                    yield json.loads(line)
        finally:
            response.close()

    def info(self) -> dict[str, Any]:
        """The engine's system information (`docker info`): its host's name, kernel, data root... Asked once: it
        does not change while lambda-dap runs (Podman's and Docker Desktop's checks both read it)."""
        if self._info is None:
            self._info = self.call("GET", "/info") or {}
        return self._info

    def inspect_network(self, name: str) -> dict[str, Any]:
        return self.call("GET", f"/networks/{quote(name, safe='')}")

    def create_container(self, config: dict[str, Any], platform: str | None = None, name: str | None = None) -> str:
        """The new container's id; a `name` already taken is EngineError 409."""
        query = {"platform": platform, "name": name}
        return self.call("POST", "/containers/create", query=query, body=config)["Id"]

    def connect_network(self, container_id: str, network: str) -> None:
        self.call("POST", f"/networks/{quote(network, safe='')}/connect", body={"Container": container_id})

    def start(self, container_id: str) -> None:
        self.call("POST", f"/containers/{container_id}/start")

    def kill(self, container_id: str, signal: str = "KILL") -> None:
        self.call("POST", f"/containers/{container_id}/kill", query={"signal": signal})

    def kill_nowait(self, container_id: str, signal: str = "KILL") -> None:
        """Send the kill request without waiting for the engine's answer (which comes only once the container is
        torn down); the engine acts on it all the same. Callers learn the end from the output stream."""
        sock = self._connect(timeout=5)
        try:
            send_request(sock, "POST", f"/containers/{container_id}/kill?signal={signal}")
        except OSError as e:
            raise DockerNotAvailable(f"Lost the Docker engine at {self.host}: {e}") from e
        finally:
            sock.close()

    def remove(self, container_id: str) -> None:
        self.call("DELETE", f"/containers/{container_id}", query={"force": True, "v": True})

    def wait(self, container_id: str, condition: str = "not-running", timeout: float | None = None) -> dict[str, Any]:
        """Block until the container meets `condition` ("removed": until it is deleted); its exit status
        ({"StatusCode": N})."""
        return self.call("POST", f"/containers/{container_id}/wait", query={"condition": condition}, timeout=timeout)

    def exit_code_from_events(self, container_id: str, since: float) -> int | None:
        """The exit code of the container's last "die" event since the time `since` (None when it has none within a
        couple of seconds): the record that stays once an engine has lost the status itself (Podman 4 answers a wait
        for an auto-removed container that is gone already with StatusCode 0 and an error)."""
        query = {
            "since": int(since) - 1,  # whole seconds: Podman 4 finds nothing with fractions
            "until": int(time.time()) + 2,  # the stream ends then, or earlier once the event is read
            "filters": json.dumps({"container": [container_id]}),  # one filter: Podman 4 matches none when combined
        }
        response = self._open("GET", "/events", query=query, timeout=5.0)
        code = None
        try:
            for line in response.lines():
                event = json.loads(line) if line.strip() else {}
                if event.get("Action", event.get("status")) == "die" and event.get("id", container_id) == container_id:
                    exit_code = ((event.get("Actor") or {}).get("Attributes") or {}).get("exitCode")
                    if isinstance(exit_code, str) and exit_code.lstrip("-").isdigit():
                        code = int(exit_code)
                        break
        except (OSError, ValueError) as e:
            raise DockerNotAvailable(f"Lost the Docker engine at {self.host}: {e}") from e
        finally:
            response.close()
        return code

    def inspect_container(self, container_id: str) -> dict[str, Any]:
        return self.call("GET", f"/containers/{container_id}/json")

    def stats(self, container_id: str) -> dict[str, Any]:
        return self.call("GET", f"/containers/{container_id}/stats", query={"stream": False, "one-shot": True})

    def list_containers(self, label: str) -> list[dict[str, Any]]:
        """Every container (running or not) carrying `label` ("key" or "key=value")."""
        return self.call("GET", "/containers/json", query={"all": True, "filters": json.dumps({"label": [label]})})

    # --- files and streams, for an engine that shares no files or network with this machine ------------------------

    def path_exists(self, container_id: str, path: str) -> bool:
        """Whether `path` exists in the container (created or running; volumes mounted in it included)."""
        try:
            self.call("HEAD", f"/containers/{container_id}/archive", query={"path": path})
        except EngineError as e:
            if e.status == 404:
                return False
            raise
        return True

    def put_archive(self, container_id: str, path: str, archive: BinaryIO) -> None:
        """Unpack a tar archive (a file, sent from its current position) into the container's directory `path`."""
        self.call("PUT", f"/containers/{container_id}/archive", query={"path": path}, raw=archive, timeout=None)

    def create_volume(self, name: str, labels: dict[str, str]) -> None:
        """Create the named volume (the engine answers as well when it exists already)."""
        self.call("POST", "/volumes/create", body={"Name": name, "Labels": labels})

    def list_volumes(self, label: str) -> list[str]:
        """The names of the volumes carrying `label` ("key" or "key=value")."""
        return [volume["Name"] for volume in self.volumes(label)]

    def volumes(self, label: str) -> list[dict[str, Any]]:
        """The volumes carrying `label`, as the engine describes them (Name, Labels...)."""
        answer = self.call("GET", "/volumes", query={"filters": json.dumps({"label": [label]})}) or {}
        return answer.get("Volumes") or []

    def remove_volume(self, name: str) -> None:
        """Delete the volume (EngineError 409 while a container still uses it, 404 when it is gone)."""
        self.call("DELETE", f"/volumes/{quote(name, safe='')}")

    def exec_output(self, container_id: str, command: list[str], timeout: float = 10.0) -> bytes:
        """Run `command` in the running container (`docker exec`); what it wrote to its stdout."""
        body = {"Cmd": command, "AttachStdout": True, "AttachStderr": False, "Tty": False}
        exec_id = self.call("POST", f"/containers/{container_id}/exec", body=body)["Id"]
        response = self._open("POST", f"/exec/{exec_id}/start", body={"Detach": False, "Tty": False}, timeout=timeout)
        try:
            return b"".join(data for stream, data in _multiplexed(response) if stream == 1)
        except OSError as e:
            raise DockerNotAvailable(f"Lost the Docker engine at {self.host}: {e}") from e
        finally:
            response.close()

    def attach(self, container_id: str) -> tuple[socket.socket, bytes]:
        """The container's stdin, stdout and stderr as one connection (attach before the start to miss nothing):
        the socket, and what the engine sent after its answer's headers. Output comes multiplexed (8-byte frame
        headers, no TTY); what is sent is the container's stdin."""
        sock = self._connect(30.0)
        path = f"/containers/{container_id}/attach?stream=1&stdin=1&stdout=1&stderr=1"
        try:
            send_request(sock, "POST", path, headers={"Connection": "Upgrade", "Upgrade": "tcp"})
            received = b""
            while b"\r\n\r\n" not in received:
                data = sock.recv(4096)
                if not data:
                    raise OSError("the engine closed the connection")
                received += data
        except OSError as e:
            sock.close()
            raise DockerNotAvailable(f"Lost the Docker engine at {self.host}: {e}") from e
        head, _, rest = received.partition(b"\r\n\r\n")
        status_line = head.split(b"\r\n", 1)[0].split(None, 2)
        status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0
        if status not in (101, 200):
            sock.close()
            raise EngineError(status, _error_message(rest, status))
        sock.settimeout(None)
        return sock, rest

    def logs(
        self, container_id: str, opened: Callable[[HttpResponse], None] | None = None
    ) -> Iterator[tuple[int, bytes]]:
        """(stream, data) frames the container writes, from its start, until it stops (1 stdout, 2 stderr);
        `opened(response)` gets the stream once it is open (`abort()` ends it)."""
        response = self._open(
            "GET",
            f"/containers/{container_id}/logs",
            query={"stdout": True, "stderr": True, "follow": True},
            timeout=None,
        )
        if opened is not None:
            opened(response)
        try:
            yield from _multiplexed(response)
        finally:
            response.close()


def _multiplexed(response: HttpResponse) -> Iterator[tuple[int, bytes]]:
    """(stream, data) pieces of a multiplexed answer (no TTY: an 8-byte header, stream and size, before each;
    1 stdout, 2 stderr), until it ends."""
    while True:
        header = response.read(8)
        if len(header) < 8:
            return
        stream, size = struct.unpack(">BxxxL", header)
        yield stream, response.read(size)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _error_message(payload: bytes, status: int) -> str:
    """The first line of the engine's error message (HTTP STATUS when it says nothing)."""
    text = _full_message(payload)
    return text.splitlines()[0] if text else f"HTTP {status}"


def _full_message(payload: bytes) -> str:
    """The engine's whole error message, all its lines (Docker Desktop names a path it refuses on the second)."""
    try:
        message = json.loads(payload).get("message")
    except (ValueError, AttributeError):
        message = None
    return str(message or payload.decode(errors="replace")).strip()


@lru_cache(maxsize=1)
def engine() -> Engine:
    """One engine client per process."""
    return Engine()


def ensure_network(network: str) -> None:
    """Fail early, and clearly, when a network to join (--docker-network) does not exist."""
    from lambda_dap.errors import NetworkNotFound

    try:
        engine().inspect_network(network)
    except EngineError as e:
        if e.status == 404:
            raise NetworkNotFound(
                f"Docker network '{network}' (--docker-network) does not exist: network {network} not found"
            ) from e
        raise ContainerError(f"Cannot inspect the Docker network '{network}': {e.message}") from e


@lru_cache(maxsize=8)
def network_gateway(network: str = "bridge") -> str:
    """The host's address on a Docker network: where a container reaches a server on the host."""
    try:
        details = engine().inspect_network(network)
    except EngineError as e:
        raise ContainerError(f"Cannot inspect the Docker network '{network}': {e.message}") from e
    for config in (details.get("IPAM") or {}).get("Config") or []:
        gateway = config.get("Gateway")
        if gateway and ":" not in gateway:
            return gateway
        subnet = config.get("Subnet", "")
        if subnet and ":" not in subnet:  # the default bridge may not say: Docker gives the gateway the first host
            import ipaddress

            return str(next(ipaddress.ip_network(subnet, strict=False).hosts()))
    raise ContainerError(f"The Docker network '{network}' has no IPv4 gateway to serve the Runtime API on")


HOST_GATEWAY = "host-gateway"  # Docker's word, in an extra host, for the host's address on the default bridge


@lru_cache(maxsize=1)
def host_gateway() -> str:
    """What to send for `host-gateway` in an extra host: the word itself where the engine resolves it, else the
    default bridge's gateway, as Docker Engine resolves it (Podman before 5 writes the word into /etc/hosts)."""
    try:
        components = engine().call("GET", "/version").get("Components") or []
    except EngineError as e:
        raise ContainerError(f"Cannot ask the Docker engine its version: {e.message}") from e
    podman = next((c for c in components if isinstance(c, dict) and c.get("Name") == "Podman Engine"), None)
    major = str((podman or {}).get("Version", "")).split(".")[0]
    if podman is None or (major.isdigit() and int(major) >= 5):
        return HOST_GATEWAY
    return network_gateway("bridge")
