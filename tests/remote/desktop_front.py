"""A Docker Desktop look-alike in front of the shared-files engine (dockerd.SHARED_FILES): a unix socket that passes
every request through to the engine's own socket, but answers `GET /info` as Docker Desktop does (OperatingSystem
"Docker Desktop", Name "docker-desktop") and words a bind mount the engine cannot see as Desktop does ("Mounts
denied: ... is not shared from the host and is not known to Docker", over several lines). lambda-dap, with nothing
forced, then meets what it meets on a Desktop user's machine: an engine on a local socket whose bridge gateway is no
address here and which shares this machine's files but one directory.
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

    def __init__(self, upstream: Path, directory: Path) -> None:
        self._upstream = str(upstream)
        self.path = directory / "docker.sock"
        self.requests: list[str] = []  # "METHOD path" of each request, in order
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
            upstream.connect(self._upstream)
            upstream.sendall(received)
            threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
            if (method, path) in (("GET", "/info"), ("POST", "/containers/create")):
                answer = _read_all(upstream)  # lambda-dap asks a local socket with "Connection: close"
                client.sendall(_as_desktop(path, answer))
            else:
                _pipe(upstream, client)
        except OSError:
            pass
        finally:
            upstream.close()
            client.close()


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
    return (
        f"{status_line}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body


def _unchunk(data: bytes) -> bytes:
    body = b""
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return body
        body, data = body + data[:size], data[size + 2 :]
