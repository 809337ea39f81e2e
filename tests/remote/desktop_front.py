"""A Docker Desktop look-alike in front of the shared-files engine (dockerd.SHARED_FILES): a unix socket that passes
every request through to the engine's own socket, but answers `GET /info` as Docker Desktop does (OperatingSystem
"Docker Desktop", Name "docker-desktop") and words a bind mount the engine cannot see as Desktop does ("Mounts
denied: ... is not shared from the host and is not known to Docker", over several lines). lambda-dap, with nothing
forced, then meets what it meets on a Desktop user's machine: an engine on a local socket whose bridge gateway is no
address here and which shares this machine's files but one directory.

`refuse_at="create"` passes on the engine's own refusal of the create, in Desktop's words; `refuse_at="start"` is
Desktop's other way: the container is created (without the unshared mounts, which the engine could not create) and
its start refused.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

DESKTOP_INFO = {"OperatingSystem": "Docker Desktop", "Name": "docker-desktop"}
DESKTOP_REFUSAL = (
    "Mounts denied: \nThe path {path} is not shared from the host and is not known to Docker.\n"
    "You can configure shared paths from Docker -> Preferences... -> Resources -> File Sharing.\n"
    "See https://docs.docker.com/ for more info."
)
_LINUX_REFUSAL = re.compile(r"bind source path does not exist: (\S+)")
_CHUNK = 65536


class DesktopFront:
    """The look-alike's socket at `directory`/docker.sock, served by threads until `close()`."""

    def __init__(self, upstream: Path, directory: Path, *, hidden: Path, refuse_at: str = "create") -> None:
        """`hidden`: the directory the engine does not see (dockerd.SHARED_FILES.hidden)."""
        self._upstream = str(upstream)
        self._hidden = hidden
        self.refuse_at = refuse_at
        self._refused: dict[str, str] = {}  # container id -> the unshared path its start is refused for
        self.path = directory / "docker.sock"
        self.requests: list[str] = []  # "METHOD path" of each request, in order
        self.refusals: list[str] = []  # the unshared path of each create or start refused, in order
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(self.path))
        self._server.listen(64)
        self._thread = threading.Thread(target=self._accept, name="desktop-front", daemon=True)
        self._thread.start()

    @property
    def docker_host(self) -> str:
        return f"unix://{self.path}"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        self._thread.join(5)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            received = b""
            while b"\r\n\r\n" not in received:
                data = client.recv(_CHUNK)
                if not data:
                    return
                received += data
            method, target = received.split(b"\r\n", 1)[0].decode().split()[:2]
            path = re.sub(r"^/v[0-9.]+", "", urlsplit(target).path)
            self.requests.append(f"{method} {path}")
            start = re.fullmatch(r"/containers/([0-9a-f]+)/start", path)
            if method == "POST" and start and start.group(1) in self._refused:
                self.refusals.append(self._refused[start.group(1)])
                body = json.dumps({"message": DESKTOP_REFUSAL.format(path=self._refused[start.group(1)])}).encode()
                client.sendall(_response("HTTP/1.1 500 Internal Server Error", body))
                return
            upstream.connect(self._upstream)
            if (method, path) == ("POST", "/containers/create") and self.refuse_at == "start":
                self._create_to_refuse_at_start(client, upstream, received)
                return
            upstream.sendall(received)
            threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
            if (method, path) in (("GET", "/info"), ("POST", "/containers/create")):
                answer = _as_desktop(path, _read_all(upstream))  # lambda-dap asks with "Connection: close"
                if refused := re.search(r"The path (\S+) is not shared", answer.decode(errors="replace")):
                    self.refusals.append(refused.group(1))
                client.sendall(answer)
            else:
                _pipe(upstream, client)
        except OSError:
            pass
        finally:
            upstream.close()
            client.close()

    def _create_to_refuse_at_start(self, client: socket.socket, upstream: socket.socket, received: bytes) -> None:
        """Create the container without its unshared bind mounts, and remember to refuse its start."""
        head, _, body = received.partition(b"\r\n\r\n")
        length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
        while len(body) < length:
            body += client.recv(_CHUNK)
        config = json.loads(body)
        mounts = (config.get("HostConfig") or {}).get("Mounts") or []
        unshared = [m["Source"] for m in mounts if m.get("Type") == "bind" and self._is_hidden(m["Source"])]
        config["HostConfig"]["Mounts"] = [m for m in mounts if m.get("Source") not in unshared]
        body = json.dumps(config).encode()
        head = re.sub(rb"(?im)^content-length:\s*\d+", b"Content-Length: %d" % len(body), head)
        upstream.sendall(head + b"\r\n\r\n" + body)
        answer = _as_desktop("/containers/create", _read_all(upstream))
        if unshared and answer.startswith(b"HTTP/1.1 201"):
            self._refused[json.loads(answer.partition(b"\r\n\r\n")[2])["Id"]] = unshared[0]
        client.sendall(answer)

    def _is_hidden(self, source: str) -> bool:
        return Path(source).is_relative_to(self._hidden)


def _response(status_line: str, body: bytes) -> bytes:
    head = f"{status_line}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close"
    return f"{head}\r\n\r\n".encode() + body


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(_CHUNK):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)


def _read_all(sock: socket.socket) -> bytes:
    parts = []
    while data := sock.recv(_CHUNK):
        parts.append(data)
    return b"".join(parts)


def _as_desktop(path: str, answer: bytes) -> bytes:
    """The engine's whole answer, as Docker Desktop would give it."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    status = int(status_line.split()[1])
    if path == "/info" and status == 200:
        body = json.dumps({**json.loads(body), **DESKTOP_INFO}).encode()
    elif status >= 400 and (refused := _LINUX_REFUSAL.search(json.loads(body).get("message", ""))):
        status_line = "HTTP/1.1 500 Internal Server Error"
        body = json.dumps({"message": DESKTOP_REFUSAL.format(path=refused.group(1))}).encode()
    return _response(status_line, body)


def _unchunk(data: bytes) -> bytes:
    body = b""
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return body
        body, data = body + data[:size], data[size + 2 :]
