"""lambda-dap's agent itself, frame by frame, in a real container: the Python agent in the Python image and the
Node.js agent in the Node.js image (which has no python3, as Lambda's), each picked by remote mode's entrypoint.
The same frames must come from both: the run directory's set-up, output before any channel data, the launcher's
files, GO, DEADLINE, MEMORY, dials, the launcher's exit status, signals, and an abandoned link."""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

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
    LAUNCHER_STDOUT,
    MEMORY,
    OPEN,
    OPENED,
    OUTPUT,
    RUNTIME_STDERR,
    RUNTIME_STDOUT,
)
from lambda_dap.invoke.spec import AGENT_FILES_MOUNT, AGENTS, FIND_AGENT
from lambda_dap.runtime.rundir import MOUNT as RUN_DIR_MOUNT
from tests.remote.conftest import CONTAINER_LABELS

pytestmark = pytest.mark.docker

CONTAINER_FILES = Path(__file__).resolve().parents[2] / "lambda_dap/runtime/container_files"
LAUNCH = 'exec /bin/bash /var/lambda-dap/scenario.sh "$@"\n'  # launch.sh's stand-in: bash has /dev/tcp
SCENARIO = r"""RUN=/var/lambda-dap
case "$1" in
runtime)  # what a runtime and an extension do, as the test drives them
  tr '\0' ' ' < /proc/1/cmdline; echo
  stat -c '%a %n' "$RUN/scenario.sh" "$RUN/stdout" "$RUN/stderr" "$RUN/go"
  echo "from the launcher" >&2
  printf 'ext says hi\n' >> "$RUN/ext-one.log"
  printf 'one\n' > "$RUN/extensions"
  read -r word < "$RUN/go"
  exec >"$RUN/stdout" 2>"$RUN/stderr"
  printf 'go was: %s\n' "$word" >&2
  printf 'a partial line'
  exec 3<>/dev/tcp/127.0.0.1/9001
  printf 'GET /next' >&3
  read -r reply <&3
  printf ' then %s\n' "$reply"
  cat "$RUN/deadline"
  stat -c '%a' "$RUN/deadline"
  printf 'answer' >&3
  exec 3>&-
  read -r _ < "$RUN/go"  # a runtime waits for its answer: what it sent is out before it ends
  echo 0 > "$RUN/ext-one.exit"
  printf 'last words'
  exit 7
  ;;
go)
  read -r _ < "$RUN/go"
  ;;
sleep)
  echo started
  exec sleep 600
  ;;
trap)
  trap 'echo got TERM; exit 9' TERM
  echo ready
  while :; do sleep 0.1; done
  ;;
killed)
  kill -9 $$
  ;;
env)
  printf '%s|%s\n' "${NODE_OPTIONS-unset}" "${LAMBDA_DAP_NODE_OPTIONS-unset}"
  ;;
esac
"""


class Agent:
    """One container running the agent, attached: frames sent to its stdin, frames read from its stdout."""

    def __init__(
        self, docker_client, image: str, files: Path, scenario: str, environment: dict[str, str] | None = None
    ) -> None:
        from lambda_dap.container.engine import engine

        self.client = docker_client
        self.container = docker_client.api.create_container(
            image,
            command=[scenario],
            entrypoint=["/bin/sh", "-c", FIND_AGENT, "lambda-dap-agent"],
            environment=environment or {},
            stdin_open=True,  # and, not detached, StdinOnce: the attach stream's end is stdin's
            labels=CONTAINER_LABELS,
            host_config=docker_client.api.create_host_config(
                binds={str(files): {"bind": AGENT_FILES_MOUNT, "mode": "ro"}},
                tmpfs={RUN_DIR_MOUNT: "rw,exec,mode=1777"},
                network_mode="none",
            ),
        )["Id"]
        self.sock, self.buffer = engine().attach(self.container)
        self.sock.settimeout(60)
        docker_client.api.start(self.container)
        self.frames = b""
        self.stderr = b""
        self.status: int | None = None

    def send(self, kind: int, channel: int = 0, payload: bytes = b"") -> None:
        self.sock.sendall(HEADER.pack(kind, channel, len(payload)) + payload)

    def _stream(self) -> Iterator[tuple[int, int, bytes]]:
        while True:
            while len(self.frames) >= HEADER.size:
                kind, channel, length = HEADER.unpack_from(self.frames)
                if len(self.frames) < HEADER.size + length:
                    break
                payload = self.frames[HEADER.size : HEADER.size + length]
                self.frames = self.frames[HEADER.size + length :]
                yield kind, channel, payload
            while len(self.buffer) < 8 or len(self.buffer) < 8 + struct.unpack_from(">BxxxL", self.buffer)[1]:
                data = self.sock.recv(65536)
                if not data:
                    return
                self.buffer += data
            stream, size = struct.unpack_from(">BxxxL", self.buffer)
            payload, self.buffer = self.buffer[8 : 8 + size], self.buffer[8 + size :]
            if stream == 1:
                self.frames += payload
            else:
                self.stderr += payload

    def until(self, done: Callable[[tuple[int, int, bytes]], bool]) -> list[tuple[int, int, bytes]]:
        """The frames read up to and including the first for which `done` is true."""
        seen = []
        for frame in self._stream():
            seen.append(frame)
            if done(frame):
                return seen
        raise AssertionError(f"the link ended first; frames {seen}, agent's stderr {self.stderr!r}")

    def rest(self) -> list[tuple[int, int, bytes]]:
        """Every frame until the container's end."""
        return list(self._stream())

    def close(self) -> int | None:
        """Remove the container (once); its exit status."""
        self.sock.close()
        if self.status is None:
            try:
                self.status = self.client.api.wait(self.container, timeout=30)["StatusCode"]
            finally:
                self.client.api.remove_container(self.container, force=True)
        return self.status


def output(frames: list[tuple[int, int, bytes]], channel: int) -> bytes:
    return b"".join(payload for kind, number, payload in frames if kind == OUTPUT and number == channel)


def files(frames: list[tuple[int, int, bytes]]) -> list[bytes]:
    return [payload for kind, _, payload in frames if kind == FILE]


@pytest.fixture(params=[agent.file for agent in AGENTS], ids=[agent.interpreter for agent in AGENTS])
def agent(request, docker_client, lambda_images, tmp_path):
    """`agent(scenario)`: the agent of this parameter running the scenario, in the image that has its interpreter
    only (nodejs: no python3) or first (python)."""
    files = tmp_path / "files"
    files.mkdir()
    (files / request.param).write_bytes((CONTAINER_FILES / request.param).read_bytes())
    (files / "launch.sh").write_text(LAUNCH)
    (files / "scenario.sh").write_text(SCENARIO)
    (files / ".hidden").write_text("not copied")
    image = lambda_images["nodejs" if request.param.endswith(".js") else "python"]
    started: list[Agent] = []

    def start(scenario: str, environment: dict[str, str] | None = None) -> Agent:
        started.append(Agent(docker_client, image, files, scenario, environment))
        return started[-1]

    start.file = request.param  # type: ignore[attr-defined]
    start.files = files  # type: ignore[attr-defined]
    yield start
    for running in started:
        running.close()


def test_output_and_files_go_out_before_channel_data_and_the_exit_status_last(agent):
    run = agent("runtime")
    before_go = run.until(lambda frame: frame[0] == FILE and frame[2].startswith(b"wextensions\0"))
    assert files(before_go) == [b"aext-one.log\0ext says hi\n", b"wextensions\0one\n"]  # a log before whole files
    run.send(GO)
    accepted = run.until(lambda frame: frame[0] == ACCEPT)
    assert accepted[-1] == (ACCEPT, 2, b"")  # the agent's channels are even
    run.send(MEMORY)
    first_data = run.until(lambda frame: frame[0] == DATA)
    assert first_data[-1] == (DATA, 2, b"GET /next")
    so_far = before_go + accepted + first_data
    launcher = output(so_far, LAUNCHER_STDOUT).decode().splitlines()
    assert launcher[0].split()[-2:] == [f"{AGENT_FILES_MOUNT}/{agent.file}", "runtime"]  # the entrypoint's pick
    mode = oct((agent.files / "scenario.sh").stat().st_mode & 0o777)[2:]
    assert launcher[1:] == [  # copied with its mode; go as mkfifo(0o666) under the umask, the runtime's output 666
        f"{mode} /var/lambda-dap/scenario.sh",
        "666 /var/lambda-dap/stdout",
        "666 /var/lambda-dap/stderr",
        "644 /var/lambda-dap/go",
    ]
    assert output(so_far, LAUNCHER_STDERR) == b"from the launcher\n"
    # all the runtime wrote, a partial line too, is out before the request that followed it
    assert output(so_far, RUNTIME_STDERR) == b"go was: go\n"
    assert output(so_far, RUNTIME_STDOUT) == b"a partial line"
    if not any(kind == MEMORY for kind, _, _ in so_far):  # the runtime waits for its reply: nothing else comes
        so_far += run.until(lambda frame: frame[0] == MEMORY)
    (memory,) = [payload for kind, _, payload in so_far if kind == MEMORY]
    assert memory.isdigit() and int(memory) > 0, memory  # the container's cgroup (v2 memory.peak, or v1's)

    run.send(DEADLINE, 0, b"id running 123\n")
    run.send(DATA, 2, b"hello\n")
    answered = run.until(lambda frame: frame[0] == DATA)
    assert answered[-1] == (DATA, 2, b"answer")
    assert output(answered, RUNTIME_STDOUT) == b" then hello\nid running 123\n644\n"  # DEADLINE applied, 0644
    ended = run.until(lambda frame: frame[0] in (EOF, CLOSE))
    assert ended[-1] == (EOF, 2, b"")  # the runtime closed its connection
    run.send(EOF, 2)
    assert run.until(lambda frame: True) == [(CLOSE, 2, b"")]
    run.send(GO)
    rest = run.rest()
    assert rest[-1] == (EXIT, 0, b"7")  # last: after everything the launcher and the runtime wrote
    assert output(rest, RUNTIME_STDOUT) == b"last words"
    assert files(rest) == [b"wext-one.exit\0000\n"]
    assert run.close() == 7
    assert run.stderr == b""


def test_dials_are_opened_refused_and_carry_bytes_both_ways(agent):
    run = agent("go")
    run.send(OPEN, 1, b"127.0.0.1:1")
    assert run.until(lambda frame: frame[1] == 1) == [(CLOSE, 1, b"Connection refused")]
    run.send(OPEN, 3, b"127.0.0.1:port")
    assert run.until(lambda frame: frame[1] == 3) == [(CLOSE, 3, b"invalid literal for int() with base 10: 'port'")]
    run.send(OPEN, 5, b"127.0.0.1:9001")  # the agent's own listener: the dialled connection comes back as ACCEPT
    opened = run.until(lambda frame: frame[0] == OPENED)
    opened += [] if (ACCEPT, 2, b"") in opened else run.until(lambda frame: frame[0] == ACCEPT)
    assert sorted(opened) == [(ACCEPT, 2, b""), (OPENED, 5, b"")]
    run.send(DATA, 5, b"ping")
    assert run.until(lambda frame: frame[0] == DATA) == [(DATA, 2, b"ping")]
    run.send(DATA, 2, b"pong")
    assert run.until(lambda frame: frame[0] == DATA) == [(DATA, 5, b"pong")]
    run.send(EOF, 5)
    assert run.until(lambda frame: True) == [(EOF, 2, b"")]  # half closed: the other way still carries
    run.send(DATA, 2, b"still")
    assert run.until(lambda frame: True) == [(DATA, 5, b"still")]
    run.send(EOF, 2)
    ends = run.until(lambda frame: frame[0] == CLOSE and frame[1] == 5)
    ends += [] if (CLOSE, 2, b"") in ends else run.until(lambda frame: frame[0] == CLOSE)
    assert sorted(ends) == [(EOF, 5, b""), (CLOSE, 2, b""), (CLOSE, 5, b"")]
    assert ends.index((EOF, 5, b"")) < ends.index((CLOSE, 5, b""))
    run.send(OPEN, 7, b"127.0.0.1:9001")
    run.until(lambda frame: frame[0] == OPENED)
    run.send(CLOSE, 7)  # lambda-dap's end of a channel: the agent says nothing back
    run.send(GO)  # the launcher waits for it
    assert run.rest()[-1] == (EXIT, 0, b"0")
    assert run.close() == 0


def test_a_signal_to_the_container_reaches_the_launcher(agent):
    run = agent("trap")
    run.until(lambda frame: frame[0] == OUTPUT)
    run.client.api.kill(run.container, signal="SIGTERM")
    rest = run.rest()
    assert output(rest, LAUNCHER_STDOUT) == b"got TERM\n"
    assert rest[-1] == (EXIT, 0, b"9")
    assert run.close() == 9


def test_a_launcher_killed_by_a_signal_exits_128_plus_its_number(agent):
    run = agent("killed")
    assert run.rest() == [(EXIT, 0, b"137")]
    assert run.close() == 137


def test_a_link_that_ends_ends_the_launcher_and_the_container(agent):
    """lambda-dap gone (its end of the attach stream closed): the container's stdin ends, the agent kills the
    launcher and exits 137 without an EXIT (nobody is there to read it)."""
    run = agent("sleep")
    assert run.until(lambda frame: frame[0] == OUTPUT) == [(OUTPUT, LAUNCHER_STDOUT, b"started\n")]
    run.sock.shutdown(socket.SHUT_WR)
    assert run.rest() == []
    assert run.close() == 137


@pytest.mark.parametrize("options", [None, "", "--inspect-brk=127.0.0.1:9229"], ids=["unset", "empty", "inspect-brk"])
def test_node_options_are_the_launchers_and_not_the_agents(agent, options):
    """The function's NODE_OPTIONS (a debugger's --inspect-brk, which would stop a node agent on its first line)
    reach the launcher as they were, unset staying unset; the agent's own node runs without them."""
    run = agent("env", None if options is None else {"NODE_OPTIONS": options})
    rest = run.rest()
    assert output(rest, LAUNCHER_STDOUT) == f"{'unset' if options is None else options}|unset\n".encode()
    assert rest[-1] == (EXIT, 0, b"0")
    assert run.close() == 0
