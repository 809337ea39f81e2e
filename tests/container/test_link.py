"""lambda-dap's side of the link to its agent, against a fake agent on a socket pair that speaks as the engine's
attach stream does (docker's 8-byte stream headers around the agent's frames): channels joined to a local server,
dials answered or refused, the runtime's output and the launcher's files, the container's own output."""

from __future__ import annotations

import socket
import struct
import threading

import pytest

from lambda_dap.container.link import (
    ACCEPT,
    CLOSE,
    DATA,
    DEADLINE,
    EOF,
    EXIT,
    FILE,
    GO,
    HEADER,
    LAUNCHER_STDERR,
    OPEN,
    OPENED,
    OUTPUT,
    RUNTIME_STDOUT,
    SYNC,
    AgentLink,
)
from tests.conftest import unavailable


class FakeAgent:
    """The container's end: frames it sends go out in docker stdout frames; what lambda-dap sends is read back."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.inbox = b""

    def send(self, kind: int, channel: int = 0, payload: bytes = b"", stream: int = 1) -> None:
        frame = HEADER.pack(kind, channel, len(payload)) + payload if stream == 1 else payload
        self.sock.sendall(struct.pack(">BxxxL", stream, len(frame)) + frame)

    def receive(self) -> tuple[int, int, bytes]:
        while len(self.inbox) < HEADER.size or len(self.inbox) < HEADER.size + HEADER.unpack_from(self.inbox)[2]:
            data = self.sock.recv(65536)
            assert data, "lambda-dap closed the link"
            self.inbox += data
        kind, channel, length = HEADER.unpack_from(self.inbox)
        payload = self.inbox[HEADER.size : HEADER.size + length]
        self.inbox = self.inbox[HEADER.size + length :]
        return kind, channel, payload


@pytest.fixture
def linked():
    """(link, fake agent, the local server's listening socket, what lambda-dap received: outputs, files, frames)."""
    server = socket.create_server(("127.0.0.1", 0))
    ours, theirs = socket.socketpair()
    got: dict[str, list] = {"output": [], "files": [], "container": []}
    link = AgentLink(
        ours,
        b"",
        accept_to=server.getsockname()[:2],
        on_output=lambda stream, data: got["output"].append((stream, data)),
        on_file=lambda name, append, data: got["files"].append((name, append, data)),
    )
    reader = threading.Thread(target=lambda: got["container"].extend(link.frames()), daemon=True)
    reader.start()
    got["reader"] = [reader]
    yield link, FakeAgent(theirs), server, got
    link.close()
    theirs.close()
    server.close()
    reader.join(5)


def test_an_accepted_connection_reaches_the_local_server_both_ways(linked):
    _, agent, server, got = linked
    agent.send(OUTPUT, RUNTIME_STDOUT, b"printed before the request\n")
    agent.send(ACCEPT, 2)
    agent.send(DATA, 2, b"GET /next HTTP/1.1\r\n\r\n")
    connection, _ = server.accept()
    with connection:
        assert connection.recv(100) == b"GET /next HTTP/1.1\r\n\r\n"
        assert got["output"] == [(RUNTIME_STDOUT, b"printed before the request\n")]  # delivered first
        connection.sendall(b"HTTP/1.1 200 OK\r\n\r\n{}")
        assert agent.receive() == (DATA, 2, b"HTTP/1.1 200 OK\r\n\r\n{}")
        agent.send(EOF, 2)
        assert connection.recv(100) == b""  # the runtime's side ended: so does the local connection's
        connection.shutdown(socket.SHUT_WR)
        assert agent.receive() == (EOF, 2, b"")


def test_a_dial_is_answered_and_carries_bytes(linked):
    link, agent, _, _ = linked
    result: list = []
    dialer = threading.Thread(target=lambda: result.append(link.dial(("127.0.0.1", 5678), timeout=5)))
    dialer.start()
    kind, channel, payload = agent.receive()
    assert (kind, payload) == (OPEN, b"127.0.0.1:5678")
    assert channel % 2 == 1  # lambda-dap's channels are odd, the agent's even
    agent.send(OPENED, channel)
    dialer.join(5)
    (sock,) = result
    with sock:
        sock.sendall(b"Content-Length: 2\r\n\r\n{}")
        assert agent.receive() == (DATA, channel, b"Content-Length: 2\r\n\r\n{}")
        agent.send(DATA, channel, b"hello")
        assert sock.recv(100) == b"hello"


def test_a_refused_dial_raises_as_a_socket_would(linked):
    link, agent, _, _ = linked
    errors: list = []

    def dial() -> None:
        try:
            link.dial(("127.0.0.1", 5678), timeout=5)
        except OSError as error:
            errors.append(error)

    dialer = threading.Thread(target=dial)
    dialer.start()
    _, channel, _ = agent.receive()
    agent.send(CLOSE, channel, b"Connection refused")
    dialer.join(5)
    (error,) = errors
    assert isinstance(error, ConnectionRefusedError) and "Connection refused" in str(error)


def test_files_go_and_deadline_exit_and_the_containers_own_output(linked):
    link, agent, _, got = linked
    agent.send(FILE, 0, b"wextensions\0one\ntwo\n")
    agent.send(FILE, 0, b"aext-one.log\0partial")
    agent.send(OUTPUT, LAUNCHER_STDERR, b"lambda-dap: no bootstrap\n")
    agent.send(0, 0, b"Traceback of the agent itself\n", stream=2)
    link.release_runtime()
    assert agent.receive() == (GO, 0, b"")
    link.write_deadline("id running 123\n")
    assert agent.receive() == (DEADLINE, 0, b"id running 123\n")
    agent.send(EXIT, 0, b"3")
    agent.sock.shutdown(socket.SHUT_WR)  # the container ended: the attach stream ends, and so does the reading
    got["reader"][0].join(5)
    assert link.exit_status == 3
    assert got["files"] == [("extensions", False, b"one\ntwo\n"), ("ext-one.log", True, b"partial")]
    assert got["container"] == [(2, b"lambda-dap: no bootstrap\n"), (2, b"Traceback of the agent itself\n")]


def test_a_sync_returns_once_what_the_agent_sent_before_its_answer_is_delivered(linked):
    link, agent, _, got = linked
    result: list = []
    syncing = threading.Thread(target=lambda: result.append(link.sync(5)))
    syncing.start()
    kind, number, _ = agent.receive()
    assert kind == SYNC
    agent.send(OUTPUT, RUNTIME_STDOUT, b"the runtime's last words\n")
    agent.send(SYNC, number)
    syncing.join(5)
    assert result == [True]
    assert got["output"] == [(RUNTIME_STDOUT, b"the runtime's last words\n")]


def test_a_sync_is_false_when_the_container_ends_first(linked):
    link, agent, _, _ = linked
    result: list = []
    syncing = threading.Thread(target=lambda: result.append(link.sync(30)))
    syncing.start()
    assert agent.receive()[0] == SYNC
    agent.sock.shutdown(socket.SHUT_WR)  # the agent is gone without an answer
    syncing.join(10)
    assert result == [False]


def test_the_agent_is_standard_library_python_3_6():
    """The agent runs on whatever python3 the function's image has: no newer syntax, no package beyond the
    standard library."""
    import ast
    import sys
    from importlib import resources

    source = (resources.files("lambda_dap.runtime") / "container_files" / "lambda_dap_agent.py").read_text()
    tree = ast.parse(source, feature_version=(3, 6))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported and imported <= sys.stdlib_module_names, imported - sys.stdlib_module_names
    assert "__future__" not in imported  # `from __future__ import annotations` needs 3.7


def test_the_agent_frees_what_it_sent_of_an_extension_log_and_loses_nothing():
    """The run directory is a tmpfs in the container: sent pages of a log are freed; its size and the bytes after
    them stay, and an extension appends on."""
    import importlib.util
    import os
    from pathlib import Path

    shm = Path("/dev/shm")
    if not shm.is_dir() or os.statvfs(shm).f_blocks == 0:
        unavailable("no tmpfs at /dev/shm", "the agent's log-file tests")
    agent_path = Path(__file__).resolve().parents[2] / "lambda_dap/runtime/container_files/lambda_dap_agent.py"
    spec = importlib.util.spec_from_file_location("lambda_dap_agent_under_test", agent_path)
    agent = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(agent)
    log = shm / f"lambda-dap-test-{os.getpid()}.log"
    try:
        with open(log, "ab") as writer:  # as launch.sh opens it: appending
            writer.write(b"a" * 1_000_000)
            writer.flush()
            before = log.stat().st_blocks
            agent.release_memory(str(log), 900_001)  # what went out so far
            writer.write(b"tail")
        assert log.stat().st_size == 1_000_004
        assert log.stat().st_blocks < before / 2
        with open(log, "rb") as reader:
            reader.seek(900_001)
            assert reader.read() == b"a" * 99_999 + b"tail"
    finally:
        log.unlink(missing_ok=True)


def test_the_agent_in_sidecar_mode_prepares_the_run_directory_and_relays_without_a_launcher(tmp_path):
    """`--sidecar`: the run directory ready (files copied, FIFOs any user can write) before it answers SYNC; the
    runtime's output written to the FIFO in another container comes out before the next SYNC's answer; the Runtime
    API's listener relays; stdin's end is its end (exit 0), with no launcher of its own."""
    import os
    import stat
    import subprocess
    import sys
    from pathlib import Path

    run, files = tmp_path / "run", tmp_path / "files"
    files.mkdir()
    (files / "launch.sh").write_text("echo never run here\n")
    agent_path = Path(__file__).resolve().parents[2] / "lambda_dap/runtime/container_files/lambda_dap_agent.py"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    driver = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('agent', {str(agent_path)!r})\n"
        "agent = importlib.util.module_from_spec(spec); spec.loader.exec_module(agent)\n"
        f"agent.RUN, agent.FILES = {str(run)!r}, {str(files)!r}\n"
        "sys.exit(agent.main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}"}
    process = subprocess.Popen(
        [sys.executable, "-c", driver, "--sidecar"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
    )
    frames = FrameReader(process.stdout)
    try:
        process.stdin.write(HEADER.pack(SYNC, 7, 0))
        process.stdin.flush()
        assert frames.next() == (SYNC, 7, b"")
        assert (run / "launch.sh").read_text() == "echo never run here\n"
        for name in ("go", "stdout", "stderr"):
            assert stat.S_ISFIFO((run / name).stat().st_mode)
        assert stat.S_IMODE((run / "stdout").stat().st_mode) == 0o666
        with open(run / "stdout", "wb") as runtime_stdout:  # the runtime, in the function's container
            runtime_stdout.write(b"printed\n")
        process.stdin.write(HEADER.pack(SYNC, 8, 0))
        process.stdin.flush()
        assert frames.next() == (OUTPUT, RUNTIME_STDOUT, b"printed\n")
        assert frames.next() == (SYNC, 8, b"")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as runtime:
            runtime.sendall(b"GET /next")
            kind, channel, _ = frames.next()
            assert kind == ACCEPT
            assert frames.next() == (DATA, channel, b"GET /next")
        process.stdin.close()
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


class FrameReader:
    """The agent's frames, read from its stdout (no docker headers: the raw stream)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def next(self) -> tuple[int, int, bytes]:
        header = self.stream.read(HEADER.size)
        assert len(header) == HEADER.size, "the agent ended"
        kind, channel, length = HEADER.unpack(header)
        return kind, channel, self.stream.read(length)
