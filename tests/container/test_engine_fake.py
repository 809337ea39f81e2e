"""The Engine API client (container/engine.py over container/wire.py) against a fake engine on a unix socket.

The fake records every request exactly as it arrived (request line, headers, body) and answers with raw bytes, so
each framing the real engine uses (Content-Length, chunked, read-to-close) is spoken on purpose. Streams are gated:
the fake holds the connection open until the test has seen the first items, which proves they were streamed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import struct
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest

from lambda_dap.container import engine as engine_module
from lambda_dap.container.endpoint import parse_host
from lambda_dap.container.engine import Engine, engine
from lambda_dap.container.locality import bridge_comes_with_containers
from lambda_dap.container.memory import peak_memory_from_cgroup, peak_memory_from_stats
from lambda_dap.errors import DockerNotAvailable, EngineError

SAFETY_S = 30  # only bounds a test that is already failing; nothing waits this long when the client works


@dataclass
class Recorded:
    """One request as the fake engine received it."""

    line: str
    headers: dict[str, str]
    body: bytes

    @property
    def method(self) -> str:
        return self.line.split()[0]

    @property
    def target(self) -> str:
        return self.line.split()[1]

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)


Answer = Callable[[Recorded, Callable[[bytes], None]], None]  # (request, send raw bytes)


@dataclass
class FakeEngine:
    """Serves `answers[(method, path)]` on a socket, one thread per connection; unknown routes get a JSON 404."""

    listener: socket.socket
    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self.listener.listen(8)
        threading.Thread(target=self._accept, name="fake-engine", daemon=True).start()

    def answer(self, method: str, path: str, answer: Answer) -> None:
        self.answers[(method, path)] = answer

    def wait_for_requests(self, count: int) -> list[Recorded]:
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.requests) >= count, SAFETY_S), self.requests
            return list(self.requests)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            line = reader.readline().decode("latin-1").rstrip("\r\n")
            headers = {}
            while (header := reader.readline()) not in (b"\r\n", b""):
                name, _, value = header.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = reader.read(int(headers.get("content-length", "0")))
            request = Recorded(line, headers, body)
            with self._arrived:
                self.requests.append(request)
                self._arrived.notify_all()
            answer = self.answers.get((request.method, request.path), not_found)
            with contextlib.suppress(OSError):  # the client may go away first: kill_nowait does
                answer(request, conn.sendall)


def response_head(status: int, *headers: str) -> bytes:
    reason = {200: "OK", 201: "Created", 204: "No Content", 404: "Not Found", 409: "Conflict"}.get(status, "Whatever")
    return ("\r\n".join([f"HTTP/1.1 {status} {reason}", *headers]) + "\r\n\r\n").encode("latin-1")


def with_length(status: int, body: bytes = b"", content_type: str = "application/json") -> Answer:
    def answer(request: Recorded, send: Callable[[bytes], None]) -> None:
        send(response_head(status, f"Content-Type: {content_type}", f"Content-Length: {len(body)}") + body)

    return answer


def chunked(status: int, pieces: list[bytes], gate: threading.Event | None = None, gate_after: int = 0) -> Answer:
    """A chunked body, one chunk per piece (a chunk extension and a trailer thrown in); with `gate`, the fake stops
    after `gate_after` pieces until the test sets it."""

    def answer(request: Recorded, send: Callable[[bytes], None]) -> None:
        send(response_head(status, "Content-Type: application/json", "Transfer-Encoding: chunked"))
        for index, piece in enumerate(pieces):
            if gate is not None and index == gate_after:
                assert gate.wait(SAFETY_S)
            send(f"{len(piece):x};name=value\r\n".encode() + piece + b"\r\n")
        send(b"0\r\nX-Trailer: yes\r\n\r\n")

    return answer


def until_close(status: int, pieces: list[bytes], gate: threading.Event | None = None, gate_after: int = 0) -> Answer:
    """Neither Content-Length nor chunked: the body ends when the fake closes the connection."""

    def answer(request: Recorded, send: Callable[[bytes], None]) -> None:
        send(response_head(status, "Content-Type: application/json"))
        for index, piece in enumerate(pieces):
            if gate is not None and index == gate_after:
                assert gate.wait(SAFETY_S)
            send(piece)

    return answer


def raw(data: bytes) -> Answer:
    return lambda request, send: send(data)


def not_found(request: Recorded, send: Callable[[bytes], None]) -> None:
    with_length(404, json.dumps({"message": f"page not found: {request.path}"}).encode())(request, send)


def frame(stream: int, data: bytes) -> bytes:
    """One frame of a container's multiplexed output: stream, three zero bytes, big-endian size, data."""
    return struct.pack(">BxxxL", stream, len(data)) + data


FRAMINGS = {"content-length": None, "chunked": chunked, "until-close": until_close}


def framed(framing: str, status: int, body: bytes) -> Answer:
    """`body` in the given framing, cut into uneven pieces for the streaming ones."""
    if framing == "content-length":
        return with_length(status, body)
    pieces = [body[i : i + 7] for i in range(0, len(body), 7)]
    return FRAMINGS[framing](status, pieces)


@pytest.fixture
def socket_dir() -> Iterator[str]:
    """A short directory under /tmp (a unix socket path must stay below 108 bytes; tmp_path can be longer)."""
    directory = tempfile.mkdtemp(prefix="ld-engine-", dir="/tmp")
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def fresh_engine() -> Iterator[None]:
    """`engine()` caches one client per process: forget it around each test so DOCKER_HOST is read again."""
    engine_module.engine.cache_clear()
    yield
    engine_module.engine.cache_clear()


@pytest.fixture
def fake(socket_dir, monkeypatch, fresh_engine) -> Iterator[FakeEngine]:
    path = os.path.join(socket_dir, "docker.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    running = FakeEngine(listener)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
    monkeypatch.delenv("DOCKER_TLS_VERIFY", raising=False)
    yield running
    running.close()


# --- response bodies -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("framing", list(FRAMINGS))
def test_a_json_answer_is_read_whole_in_every_framing(fake, framing):
    document = {"Id": "sha256:" + "ab" * 32, "RepoTags": ["python:3.12"], "Size": 123456, "Note": "x" * 5000}
    fake.answer("GET", "/images/python:3.12/json", framed(framing, 200, json.dumps(document).encode()))
    assert engine().inspect_image("python:3.12") == document


@pytest.mark.parametrize("framing", list(FRAMINGS))
def test_an_empty_answer_is_none(fake, framing):
    fake.answer("POST", "/containers/abc/start", framed(framing, 200, b""))
    assert engine().start("abc") is None


def test_no_content_ends_the_answer_without_a_length(fake):
    release = threading.Event()

    def no_content_held_open(request, send):
        send(response_head(204))
        assert release.wait(SAFETY_S)  # the connection stays open: the client must not read on to its close

    fake.answer("POST", "/containers/abc/start", no_content_held_open)
    try:
        assert engine().start("abc") is None
    finally:
        release.set()


def test_requests_name_the_endpoint_and_close_the_connection(fake):
    fake.answer("GET", "/images/public.ecr.aws/lambda/python:3.12/json", with_length(200, b"{}"))
    engine().inspect_image("public.ecr.aws/lambda/python:3.12")
    (request,) = fake.requests
    assert request.line == "GET /images/public.ecr.aws/lambda/python:3.12/json HTTP/1.1"
    assert request.headers["host"] == "docker"
    assert request.headers["connection"] == "close"
    assert "content-length" not in request.headers and request.body == b""


def test_create_container_sends_its_config_as_json_and_returns_the_id(fake):
    config = {"Image": "python:3.12", "Env": ["A=1", "Ü=ü"], "Labels": {"lambda-dap": ""}, "HostConfig": {}}
    fake.answer("POST", "/containers/create", with_length(201, b'{"Id": "c0ffee", "Warnings": []}'))
    assert engine().create_container(config) == "c0ffee"
    assert engine().create_container(config, platform="linux/arm64") == "c0ffee"
    plain, with_platform = fake.requests
    assert (plain.method, plain.path, plain.query) == ("POST", "/containers/create", {})  # (a bare "?" is sent)
    assert plain.headers["content-type"] == "application/json"
    assert int(plain.headers["content-length"]) == len(plain.body)
    assert json.loads(plain.body) == config
    assert with_platform.line == "POST /containers/create?platform=linux%2Farm64 HTTP/1.1"
    assert json.loads(with_platform.body) == config


def test_a_post_without_a_body_says_content_length_zero(fake):
    fake.answer("POST", "/containers/abc/kill", with_length(204))
    engine().kill("abc", "TERM")
    (request,) = fake.requests
    assert request.line == "POST /containers/abc/kill?signal=TERM HTTP/1.1"
    assert request.headers["content-length"] == "0"
    assert "content-type" not in request.headers


def test_query_values_flags_and_filters(fake):
    fake.answer("DELETE", "/containers/abc", with_length(204))
    fake.answer("GET", "/containers/json", with_length(200, b'[{"Id": "abc"}]'))
    fake.answer("POST", "/networks/my%20net/connect", with_length(200))
    engine().remove("abc")
    assert engine().list_containers("lambda-dap.owner=42") == [{"Id": "abc"}]
    engine().connect_network("abc", "my net")
    remove, listing, connect = fake.requests
    assert remove.line == "DELETE /containers/abc?force=1&v=1 HTTP/1.1"
    assert listing.query == {"all": ["1"], "filters": ['{"label": ["lambda-dap.owner=42"]}']}
    assert connect.target == "/networks/my%20net/connect"
    assert json.loads(connect.body) == {"Container": "abc"}


def test_wait_reads_an_answer_that_ends_with_the_connection(fake):
    fake.answer("POST", "/containers/abc/wait", until_close(200, [b'{"StatusCode": ', b'137, "Error": null}\n']))
    assert engine().wait("abc") == {"StatusCode": 137, "Error": None}
    assert fake.requests[0].query == {"condition": ["not-running"]}


# --- errors the engine answers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        pytest.param(404, b'{"message": "No such container: abc"}', "No such container: abc", id="404"),
        pytest.param(
            409,
            b'{"message": "Conflict. The container name \\"/x\\" is already in use.\\nRemove it first."}',
            'Conflict. The container name "/x" is already in use.',
            id="409-first-line-only",
        ),
        pytest.param(
            500,
            b'{"message": "  driver failed programming external connectivity  "}',
            "driver failed programming external connectivity",
            id="500",
        ),
        pytest.param(500, b"plain text from a proxy\n", "plain text from a proxy", id="500-not-json"),
        pytest.param(500, b'{"cause": "no message"}', '{"cause": "no message"}', id="500-json-without-message"),
        pytest.param(503, b"", "HTTP 503", id="503-empty"),
    ],
)
def test_an_error_answer_becomes_an_engine_error_with_status_and_message(fake, status, body, message):
    fake.answer("POST", "/containers/abc/start", with_length(status, body))
    with pytest.raises(EngineError) as caught:
        engine().start("abc")
    assert caught.value.status == status
    assert caught.value.message == message
    assert str(caught.value) == message


def test_an_error_answer_in_chunks_is_read_whole(fake):
    fake.answer("POST", "/containers/create", chunked(409, [b'{"mess', b'age": "name in use"}']))
    with pytest.raises(EngineError) as caught:
        engine().create_container({"Image": "x"})
    assert (caught.value.status, caught.value.message) == (409, "name in use")


def test_inspect_image_of_an_absent_image_is_none(fake):
    fake.answer("GET", "/images/absent:1/json", with_length(404, b'{"message": "No such image: absent:1"}'))
    assert engine().inspect_image("absent:1") is None


def test_inspect_image_raises_on_other_errors(fake):
    fake.answer("GET", "/images/broken:1/json", with_length(500, b'{"message": "layer does not exist"}'))
    with pytest.raises(EngineError) as caught:
        engine().inspect_image("broken:1")
    assert (caught.value.status, caught.value.message) == (500, "layer does not exist")


# --- streams ---------------------------------------------------------------------------------------------------


def test_pull_streams_json_lines_as_they_come(fake):
    lines = [
        {"status": "Pulling from lambda/python", "id": "3.12"},
        {"status": "Downloading", "id": "a1b2c3d4e5f6", "progressDetail": {"current": 10, "total": 100}},
        {"status": "Pull complete", "id": "a1b2c3d4e5f6"},
        {"status": "Digest: sha256:" + "0" * 64},
        {"status": "Status: Downloaded newer image for public.ecr.aws/lambda/python:3.12"},
    ]
    body = b"".join(json.dumps(line).encode() + b"\r\n" for line in lines[:2])
    body += b"\n" + json.dumps(lines[2]).encode() + b"\n" + json.dumps(lines[3]).encode()  # a blank line; the
    rest = b"\n" + json.dumps(lines[4]).encode()  # fourth ends only after the gate, the last one never does
    gate = threading.Event()
    pieces = [body[:5], body[5:40], body[40:], rest[:9], rest[9:]]
    fake.answer("POST", "/images/create", chunked(200, pieces, gate=gate, gate_after=3))
    stream = engine().pull("public.ecr.aws/lambda/python", "3.12")
    try:
        first = [next(stream) for _ in range(3)]  # while the engine still holds the rest back
        assert first == lines[:3]
        gate.set()
        assert list(stream) == lines[3:]
    finally:
        gate.set()
    (request,) = fake.requests
    assert request.line == "POST /images/create?fromImage=public.ecr.aws%2Flambda%2Fpython&tag=3.12 HTTP/1.1"


def test_pull_without_a_tag_leaves_it_out(fake):
    fake.answer("POST", "/images/create", chunked(200, [b'{"status": "Pulling"}\n']))
    assert list(engine().pull("repo/image@sha256:" + "1" * 64, None)) == [{"status": "Pulling"}]
    assert fake.requests[0].query == {"fromImage": ["repo/image@sha256:" + "1" * 64]}


def test_pull_refused_up_front_is_an_engine_error(fake):
    fake.answer("POST", "/images/create", with_length(404, b'{"message": "pull access denied for nope"}'))
    with pytest.raises(EngineError) as caught:
        list(engine().pull("nope", "latest"))
    assert (caught.value.status, caught.value.message) == (404, "pull access denied for nope")


LOG_FRAMES = [
    (1, b"START of output\n"),
    (2, b"to stderr, no newline"),
    (1, b""),
    (2, "ünïcödé split inside a character\n".encode()),
    (1, b"x" * 70000),  # larger than one read of the body
]


@pytest.mark.parametrize("framing", ["chunked", "until-close"])
def test_logs_demultiplex_frames_split_anywhere(fake, framing):
    data = b"".join(frame(stream, payload) for stream, payload in LOG_FRAMES)
    # cut inside the first header, inside a payload, between header and payload, inside a multibyte character
    cuts = [3, 8 + 5, 8 + 16 + 8, 8 + 16 + 8 + 21 + 8 + 8 + 1, len(data) - 70000 + 123]
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    gate = threading.Event()
    fake.answer("GET", "/containers/abc/logs", FRAMINGS[framing](200, pieces, gate=gate, gate_after=3))
    frames = engine().logs("abc")
    try:
        assert next(frames) == LOG_FRAMES[0]  # the container is still running: the engine holds the rest back
        gate.set()
        assert list(frames) == LOG_FRAMES[1:]
    finally:
        gate.set()
    (request,) = fake.requests
    assert request.line == "GET /containers/abc/logs?stdout=1&stderr=1&follow=1 HTTP/1.1"


def test_logs_end_at_a_truncated_header(fake):
    fake.answer("GET", "/containers/abc/logs", until_close(200, [frame(1, b"last words"), b"\x02\x00\x00"]))
    assert list(engine().logs("abc")) == [(1, b"last words")]


def test_kill_nowait_sends_the_kill_and_does_not_wait_for_the_answer(fake):
    answered = threading.Event()

    def answer_when_torn_down(request, send):
        assert answered.wait(SAFETY_S)  # the engine answers a kill only once the container is gone
        send(response_head(204))

    fake.answer("POST", "/containers/abc/kill", answer_when_torn_down)
    try:
        engine().kill_nowait("abc", "TERM")  # returns although the engine has not answered
    finally:
        answered.set()
    (request,) = fake.wait_for_requests(1)
    assert request.line == "POST /containers/abc/kill?signal=TERM HTTP/1.1"
    assert request.headers["content-length"] == "0"


def test_ensure_image_pulls_an_absent_image_through_the_engine(fake):
    from lambda_dap.container.images import PullStatus, ensure_image

    inspections = iter([with_length(404, b'{"message": "No such image"}'), with_length(200, b'{"Id": "sha256:1"}')])
    fake.answer("GET", "/images/python:3.12/json", lambda request, send: next(inspections)(request, send))
    fake.answer(
        "POST",
        "/images/create",
        chunked(
            200,
            [
                b'{"status": "Pulling fs layer", "id": "aaaaaaaaaaaa", "progressDetail": {}}\n',
                b'{"status": "Downloading", "id": "aaaaaaaaaaaa", "progressDetail": {"current": 5, "total": 9}}\n',
                b'{"status": "Digest: sha256:00"}\n',
            ],
        ),
    )
    progress = []
    assert ensure_image("python:3.12", skip_pull=False, progress=progress.append) == {"Id": "sha256:1"}
    assert progress == [
        PullStatus("", "Pulling"),
        PullStatus("aaaaaaaaaaaa", "Pulling fs layer"),
        PullStatus("aaaaaaaaaaaa", "Downloading", 5, 9),
        PullStatus("", "Digest: sha256:00"),
        PullStatus("", "Pulled", done=True),
    ]
    assert [request.line.split("?")[0] for request in fake.requests] == [
        "GET /images/python:3.12/json HTTP/1.1",
        "POST /images/create",
        "GET /images/python:3.12/json HTTP/1.1",
    ]


def test_an_error_in_the_pull_stream_is_an_image_pull_error(fake):
    from lambda_dap.container.images import pull_image
    from lambda_dap.errors import ImagePullError

    fake.answer(
        "POST",
        "/images/create",
        chunked(200, [b'{"status": "Pulling from x"}\n', b'{"error": "manifest unknown", "errorDetail": {}}\n']),
    )
    with pytest.raises(ImagePullError) as caught:
        pull_image("x:1", progress=lambda status: None)
    assert str(caught.value) == "Cannot pull image 'x:1': manifest unknown"


# --- the engine misbehaving or absent --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(b"", id="closed-without-answering"),
        pytest.param(b"SSH-2.0-OpenSSH_9.2\r\n", id="not-http"),
        pytest.param(b"HTTP/1.1\r\n\r\n", id="no-status"),
        pytest.param(b"HTTP/1.1 OK\r\nContent-Length: 2\r\n\r\n{}", id="status-not-a-number"),
    ],
)
def test_a_malformed_status_line_is_docker_not_available(fake, answer):
    fake.answer("GET", "/containers/abc/json", raw(answer))
    with pytest.raises(DockerNotAvailable) as caught:
        engine().inspect_container("abc")
    message = str(caught.value)
    assert "\n" not in message
    assert os.environ["DOCKER_HOST"] in message


def test_no_socket_is_docker_not_available_in_one_line(socket_dir, monkeypatch, fresh_engine):
    host = f"unix://{socket_dir}/absent.sock"
    monkeypatch.setenv("DOCKER_HOST", host)
    with pytest.raises(DockerNotAvailable) as caught:
        engine().inspect_image("python:3.12")
    message = str(caught.value)
    assert message.startswith(f"Cannot reach the Docker engine at {host}: is Docker running?")
    assert "\n" not in message


def test_a_socket_nobody_listens_on_is_docker_not_available(socket_dir, monkeypatch, fresh_engine):
    path = os.path.join(socket_dir, "stale.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as stale:
        stale.bind(path)  # the file stays behind, as a crashed dockerd leaves it
    monkeypatch.setenv("DOCKER_HOST", f"unix://{path}")
    with pytest.raises(DockerNotAvailable) as caught:
        engine().start("abc")
    assert "is Docker running?" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_plain_tcp_is_spoken(monkeypatch, fresh_engine):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    running = FakeEngine(listener)
    try:
        running.answer("GET", "/containers/abc/json", with_length(200, b'{"State": {"Running": true}}'))
        monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{listener.getsockname()[1]}")
        monkeypatch.delenv("DOCKER_TLS_VERIFY", raising=False)
        assert engine().inspect_container("abc") == {"State": {"Running": True}}
    finally:
        running.close()


@pytest.mark.parametrize(
    ("host", "tls_verify", "says"),
    [
        pytest.param("tcp://127.0.0.1:2376", "1", "ca.pem does not exist", id="tcp-tls-without-certificates"),
        pytest.param("ftp://build-host", None, "expected unix://, tcp:// or ssh://", id="ftp"),
        pytest.param("tcp://127.0.0.1:99999", None, "port", id="bad-port"),
        pytest.param("npipe:////./pipe/docker_engine", None, "not supported", id="npipe"),
    ],
)
def test_an_unusable_docker_host_is_a_clear_error_before_any_connection(
    monkeypatch, tmp_path, fresh_engine, host, tls_verify, says
):
    monkeypatch.setenv("DOCKER_HOST", host)
    monkeypatch.setenv("DOCKER_CERT_PATH", str(tmp_path))  # no certificates there
    if tls_verify is None:
        monkeypatch.delenv("DOCKER_TLS_VERIFY", raising=False)
    else:
        monkeypatch.setenv("DOCKER_TLS_VERIFY", tls_verify)
    with pytest.raises(DockerNotAvailable) as caught:
        engine().inspect_image("python:3.12")
    message = str(caught.value)
    assert host in message and says in message
    assert "\n" not in message


def test_engine_caches_one_client_until_cleared(fake):
    assert engine() is engine()
    assert engine().host == os.environ["DOCKER_HOST"]
    assert Engine("unix:///elsewhere.sock").host == "unix:///elsewhere.sock"


def test_over_tcp_a_connection_the_engine_closed_while_kept_is_replaced_without_sending_twice(
    monkeypatch, fresh_engine
):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    running = FakeEngine(listener)  # answers one request per connection, then closes it
    try:
        running.answer("GET", "/containers/abc/json", with_length(200, b'{"Id": "abc"}'))
        monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{listener.getsockname()[1]}")
        monkeypatch.delenv("DOCKER_TLS_VERIFY", raising=False)
        for _ in range(3):
            assert engine().inspect_container("abc") == {"Id": "abc"}
        assert len(running.requests) == 3
        assert "connection" not in running.requests[0].headers, "keep-alive asked for over tcp"
    finally:
        running.close()


def test_over_tcp_requests_share_a_kept_connection(monkeypatch, fresh_engine):
    listener = socket.create_server(("127.0.0.1", 0))
    connections: list[int] = []

    def serve() -> None:
        conn, _ = listener.accept()
        connections.append(1)
        with conn, conn.makefile("rb") as reader:
            while reader.readline():
                while reader.readline() not in (b"\r\n", b""):
                    pass
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")

    threading.Thread(target=serve, daemon=True).start()
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.delenv("DOCKER_TLS_VERIFY", raising=False)
    try:
        for _ in range(5):
            assert engine().inspect_container("abc") == {}
        assert connections == [1]
    finally:
        listener.close()


# --- what Podman's Docker-compatible API answers differently (the real Podman: tests/podman) --------------------

PODMAN_CONTAINER = "c0ffee" * 10 + "abcd"


def test_an_answer_in_plain_words_is_no_document(fake):
    """Podman acknowledges a network connect with "OK" as text/plain (Docker with an empty body)."""
    fake.answer("POST", "/networks/net/connect", with_length(200, b"OK", content_type="text/plain; charset=us-ascii"))
    assert engine().connect_network(PODMAN_CONTAINER, "net") is None


def test_the_exit_code_comes_from_the_die_event_without_waiting_for_the_stream_to_end(fake):
    gate = threading.Event()  # the fake holds the stream open after the die event until the test is done
    events = [
        {"Type": "container", "Action": "start", "id": PODMAN_CONTAINER, "Actor": {"Attributes": {"name": "x"}}},
        {"Type": "container", "Action": "die", "id": PODMAN_CONTAINER, "Actor": {"Attributes": {"exitCode": "7"}}},
        {"Type": "container", "Action": "remove", "id": PODMAN_CONTAINER, "Actor": {"Attributes": {}}},
    ]
    pieces = [json.dumps(event).encode() + b"\n" for event in events]
    fake.answer("GET", "/events", chunked(200, pieces, gate=gate, gate_after=2))
    try:
        assert engine().exit_code_from_events(PODMAN_CONTAINER, since=1_700_000_000.7) == 7
    finally:
        gate.set()
    query = fake.wait_for_requests(1)[0].query
    assert query["since"] == ["1699999999"]  # whole seconds, one before: Podman 4 finds nothing with fractions
    assert json.loads(query["filters"][0]) == {"container": [PODMAN_CONTAINER]}  # Podman 4 matches none when combined
    assert int(query["until"][0]) > 1_700_000_000  # the stream is bounded


def test_no_die_event_is_no_exit_code(fake):
    start = {"Type": "container", "Action": "start", "id": PODMAN_CONTAINER, "Actor": {"Attributes": {}}}
    fake.answer("GET", "/events", with_length(200, json.dumps(start).encode() + b"\n"))
    assert engine().exit_code_from_events(PODMAN_CONTAINER, since=0) is None


def test_podmans_cgroups_give_the_peak_memory(tmp_path):
    for pattern in (
        "memory/libpod_parent/libpod-{id}/memory.max_usage_in_bytes",  # cgroup v1, cgroupfs
        "machine.slice/libpod-{id}.scope/memory.peak",  # cgroup v2, systemd
    ):
        peak = tmp_path / pattern.format(id=PODMAN_CONTAINER)
        peak.parent.mkdir(parents=True)
        peak.write_text("123456789\n")
        assert peak_memory_from_cgroup(PODMAN_CONTAINER, root=tmp_path) == 123456789
        peak.unlink()
    assert peak_memory_from_cgroup(PODMAN_CONTAINER, root=tmp_path) is None


def test_an_empty_stats_answer_is_no_figure():
    assert peak_memory_from_stats(None) is None  # Podman's answer once the container stopped
    assert peak_memory_from_stats({"memory_stats": {"max_usage": 4096}}) == 4096


def test_a_bridge_still_to_come_needs_the_engine_on_this_socket_host_and_kernel(socket_dir):
    path = os.path.join(socket_dir, "engine.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # the engine's socket, served by this process
    listener.bind(path)
    listener.listen(4)
    endpoint = parse_host(f"unix://{path}", "DOCKER_HOST")
    here = {"Name": socket.gethostname(), "KernelVersion": os.uname().release}
    assert bridge_comes_with_containers(endpoint, lambda: here)
    assert not bridge_comes_with_containers(endpoint, lambda: {**here, "Name": "docker-desktop"})  # a VM behind it
    assert not bridge_comes_with_containers(endpoint, lambda: {**here, "KernelVersion": "6.10.14-linuxkit"})
    assert not bridge_comes_with_containers(parse_host("tcp://127.0.0.1:2375", "DOCKER_HOST"), lambda: here)
    gone = parse_host(f"unix://{socket_dir}/nobody.sock", "DOCKER_HOST")
    assert not bridge_comes_with_containers(gone, lambda: here)
    listener.close()


def test_without_peer_credentials_a_local_socket_is_no_engine_here(socket_dir, monkeypatch):
    """macOS has no SO_PEERCRED (nor /proc): Docker Desktop's local socket leads to its VM, never to a bridge to
    come here; the check says no, without an error and without asking the engine."""
    path = os.path.join(socket_dir, "desktop.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(4)
    monkeypatch.delattr(socket, "SO_PEERCRED")

    def not_asked() -> dict:
        raise AssertionError("the engine's information is asked only of an engine in this network namespace")

    try:
        assert not bridge_comes_with_containers(parse_host(f"unix://{path}", "DOCKER_HOST"), not_asked)
    finally:
        listener.close()


def test_a_socket_served_from_another_network_namespace_is_no_engine_here(socket_dir):
    """An engine in its own network namespace (its bridge there, not here), on a socket this machine can open."""
    import subprocess
    import sys
    import time

    from tests.conftest import unavailable

    path = os.path.join(socket_dir, "elsewhere.sock")
    serve = "import socket, sys, time; s = socket.socket(socket.AF_UNIX);s.bind(sys.argv[1]); s.listen(); time.sleep(9)"
    server = subprocess.Popen(["unshare", "--net", "--", sys.executable, "-c", serve, path], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(path) and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if not os.path.exists(path):
            unavailable(f"no network namespace of its own: {server.stderr.read().decode().strip()}", "this test")

        def not_asked() -> dict:
            raise AssertionError("the engine's information is asked only of an engine in this network namespace")

        assert not bridge_comes_with_containers(parse_host(f"unix://{path}", "DOCKER_HOST"), not_asked)
    finally:
        server.kill()
        server.wait()


@pytest.mark.parametrize(
    ("components", "expected"),
    [
        ([{"Name": "Engine", "Version": "20.10.24"}], "host-gateway"),  # Docker Engine resolves the word itself
        ([{"Name": "Podman Engine", "Version": "5.0.1"}], "host-gateway"),
        ([{"Name": "Podman Engine", "Version": "4.3.1"}], "10.88.0.1"),  # the word would land in /etc/hosts
    ],
)
def test_host_gateway_is_the_bridges_gateway_where_the_engine_would_not_resolve_it(fake, components, expected):
    fake.answer("GET", "/version", with_length(200, json.dumps({"Components": components}).encode()))
    bridge = {"IPAM": {"Config": [{"Subnet": "10.88.0.0/16", "Gateway": "10.88.0.1"}]}}
    fake.answer("GET", "/networks/bridge", with_length(200, json.dumps(bridge).encode()))
    engine_module.host_gateway.cache_clear()
    engine_module.network_gateway.cache_clear()
    try:
        assert engine_module.host_gateway() == expected
    finally:
        engine_module.host_gateway.cache_clear()
        engine_module.network_gateway.cache_clear()
