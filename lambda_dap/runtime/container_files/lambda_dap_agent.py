"""lambda-dap's agent: the container's entrypoint when the Docker engine shares neither network nor files with
lambda-dap (a remote engine, a VM's).

    python3 lambda_dap_agent.py [launch.sh arguments...]

Standard library only (any python3 an image has). lambda-dap attached to the container's stdin and stdout before
it started; the two speak frames over them: a type byte, a channel (u32), a length (u32), the payload. The agent

- sets up the run directory /var/lambda-dap (a tmpfs) as lambda-dap would: the container files, copied from the
  volume at /var/lambda-dap-files, and the FIFOs `go`, `stdout` and `stderr`;
- listens on the Runtime API's address in the container ($AWS_LAMBDA_RUNTIME_API); each connection becomes a
  channel (ACCEPT) that lambda-dap joins to its own Runtime API server, and OPEN(host:port) from lambda-dap connects
  inside the container (the debugger, telemetry listeners);
- runs `/bin/sh /var/lambda-dap/launch.sh ARGS` and forwards what the runtime writes (OUTPUT) and the files the
  launcher writes for the extensions (FILE), and before any data of a channel leaves, everything written so far:
  a function's output arrives before its answer;
- applies lambda-dap's GO (let the runtime start) and DEADLINE (the context's clock) to the run directory;
- exits with the launcher's status, once all it wrote is out.

    python3 lambda_dap_agent.py --sidecar

Sidecar mode, for a function image without python3: the agent runs in a container of its own whose network and PID
namespaces the function's container joins, the run directory a volume both mount. It prepares that directory and
listens as above but starts nothing (the function's container runs launch.sh; its own output goes the engine's way);
SYNC (answered in kind once everything written so far is out) tells lambda-dap the directory is ready, and that the
runtime's last words are in when the function's container has ended. It reaps orphans (it is PID 1 of both
containers) and exits when its stdin ends, which ends the function's processes too.
"""

import contextlib
import errno
import fcntl
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading

ACCEPT, OPEN, OPENED, DATA, EOF, CLOSE, OUTPUT, FILE, GO, DEADLINE, EXIT, MEMORY = range(1, 13)
SYNC = 13  # sidecar mode: everything written so far goes out, then the same frame back
# The container's peak memory as its own cgroup counts it (v2, then v1): lambda-dap cannot read it from elsewhere.
PEAK_FILES = ("/sys/fs/cgroup/memory.peak", "/sys/fs/cgroup/memory/memory.max_usage_in_bytes")
HEADER = struct.Struct(">BII")
RUNTIME_STDOUT, RUNTIME_STDERR, LAUNCHER_STDOUT, LAUNCHER_STDERR = 1, 2, 3, 4
RUN = "/var/lambda-dap"
FILES = "/var/lambda-dap-files"
CHUNK = 65536
POLL_S = 0.01  # how often the run directory is looked at for the extensions' files, during init
IDLE_POLL_S = 0.1  # ... once the runtime runs (all of it goes out before any channel data, whatever this is)


def write_frame(kind, channel, payload=b""):
    data = HEADER.pack(kind, channel, len(payload)) + payload
    view = memoryview(data)
    while view:
        try:
            written = os.write(1, view)
        except InterruptedError:
            continue
        view = view[written:]


class Channel:
    def __init__(self, sock):
        self.sock = sock
        self.pending = bytearray()  # from lambda-dap, not yet taken by the socket
        self.peer_done = False  # lambda-dap sent EOF
        self.local_done = False  # the socket ended
        self.registered = True  # watched by the selector


class Agent:
    def __init__(self, args):
        self.args = args
        self.selector = selectors.DefaultSelector()
        self.channels = {}
        self.next_channel = 2  # the agent's channels are even, lambda-dap's odd
        self.inbox = b""
        self.fifos = {}  # read fd -> OUTPUT channel
        self.keep_open = []
        self.launcher_pipes = {}  # read fd -> OUTPUT channel
        self.offsets = {}  # ext-NAME.log -> bytes sent
        self.sent_files = {}  # other mirrored files -> their content as sent
        self.child = None
        self.poll_s = POLL_S

    # --- set-up --------------------------------------------------------------------------------------------------

    def prepare(self):
        os.makedirs(RUN, exist_ok=True)
        for name in sorted(os.listdir(FILES)):
            source = os.path.join(FILES, name)
            if os.path.isfile(source) and not name.startswith("."):
                shutil.copy2(source, os.path.join(RUN, name))
        os.mkfifo(os.path.join(RUN, "go"), 0o666)
        for name, channel in (("stdout", RUNTIME_STDOUT), ("stderr", RUNTIME_STDERR)):
            path = os.path.join(RUN, name)
            os.mkfifo(path, 0o666)
            os.chmod(path, 0o666)  # past the umask: the runtime may run as another user (a sidecar's is root)
            read_fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            self.keep_open.append(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # no end-of-file between runtimes
            self.fifos[read_fd] = channel
            self.selector.register(read_fd, selectors.EVENT_READ, ("fifo", read_fd))
        host, _, port = os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001").rpartition(":")
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host or "127.0.0.1", int(port)))
        self.listener.listen(64)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, ("listener", None))
        os.set_blocking(0, False)
        self.selector.register(0, selectors.EVENT_READ, ("inbox", None))

    def start_launcher(self):
        self.child = subprocess.Popen(
            ["/bin/sh", os.path.join(RUN, "launch.sh"), *self.args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for pipe, channel in ((self.child.stdout, LAUNCHER_STDOUT), (self.child.stderr, LAUNCHER_STDERR)):
            fd = pipe.fileno()
            os.set_blocking(fd, False)
            self.launcher_pipes[fd] = channel
            self.selector.register(fd, selectors.EVENT_READ, ("launcher", fd))
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self.forward_signal)

    def serve_sidecar(self):
        """No launcher here: lambda-dap starts the function's container; as PID 1, reap what is left to us."""
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, lambda signum, frame: sys.exit(0))

    def forward_signal(self, signum, frame):
        if self.child is not None and self.child.poll() is None:
            with contextlib.suppress(OSError):
                os.kill(self.child.pid, signum)

    # --- the loop ------------------------------------------------------------------------------------------------

    def run(self):
        while True:
            for key, events in self.selector.select(self.poll_s):
                kind, detail = key.data
                if kind == "inbox":
                    if not self.read_inbox():
                        return self.abandon()
                elif kind == "listener":
                    self.accept()
                elif kind == "fifo":
                    self.read_fd(detail, self.fifos[detail])
                elif kind == "launcher":
                    self.read_launcher(detail)
                elif kind == "channel":
                    self.on_channel(detail, events)
            self.mirror_files()
            if self.child is not None and self.child.poll() is not None:
                return self.finish()

    def drain(self):
        """Everything the runtime, the launcher and the extensions wrote so far goes out, before what follows."""
        for fd, channel in list(self.fifos.items()):
            self.read_fd(fd, channel)
        for fd in list(self.launcher_pipes):
            self.read_launcher(fd)
        self.mirror_files()

    def read_fd(self, fd, channel):
        while True:
            try:
                data = os.read(fd, CHUNK)
            except OSError as e:
                if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                    return True
                data = b""
            if not data:
                return False
            write_frame(OUTPUT, channel, data)

    def read_launcher(self, fd):
        if fd in self.launcher_pipes and not self.read_fd(fd, self.launcher_pipes[fd]):
            self.selector.unregister(fd)
            del self.launcher_pipes[fd]

    def mirror_files(self):
        """The launcher's files for lambda-dap (`extensions`, `ext-NAME.log` and `ext-NAME.exit`), as they grow."""
        try:
            names = sorted(os.listdir(RUN))
        except OSError:
            return
        for name in names:  # logs before exits: an extension's last words come before its end
            if name.startswith("ext-") and name.endswith(".log"):
                self.mirror_log(name)
        for name in names:
            if name == "extensions" or (name.startswith("ext-") and name.endswith(".exit")):
                self.mirror_whole(name)

    def mirror_log(self, name):
        offset = self.offsets.get(name, 0)
        try:
            with open(os.path.join(RUN, name), "rb") as handle:
                handle.seek(offset)
                data = handle.read()
        except OSError:
            return
        if data:
            self.offsets[name] = offset + len(data)
            write_frame(FILE, 0, b"a" + name.encode() + b"\0" + data)
            release_memory(os.path.join(RUN, name), self.offsets[name])

    def mirror_whole(self, name):
        try:
            with open(os.path.join(RUN, name), "rb") as handle:
                data = handle.read()
        except OSError:
            return
        if not data.endswith(b"\n") or self.sent_files.get(name) == data:  # still being written, or known
            return
        self.sent_files[name] = data
        write_frame(FILE, 0, b"w" + name.encode() + b"\0" + data)

    # --- channels ------------------------------------------------------------------------------------------------

    def accept(self):
        try:
            sock, _ = self.listener.accept()
        except OSError:
            return
        channel = self.next_channel
        self.next_channel += 2
        if not os.path.exists(os.path.join(RUN, "extensions")):
            self.poll_s = IDLE_POLL_S  # no extension to wait for: the runtime itself connects
        self.add_channel(channel, sock)
        write_frame(ACCEPT, channel)

    def add_channel(self, channel, sock):
        sock.setblocking(False)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.channels[channel] = Channel(sock)
        self.selector.register(sock, selectors.EVENT_READ, ("channel", channel))

    def on_channel(self, channel, events):
        state = self.channels.get(channel)
        if state is None:
            return
        if events & selectors.EVENT_WRITE:
            self.flush_channel(channel, state)
        if events & selectors.EVENT_READ and not state.local_done:
            try:
                data = state.sock.recv(CHUNK)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data = b""
            self.drain()
            if data:
                write_frame(DATA, channel, data)
                return
            state.local_done = True
            write_frame(EOF, channel)
            self.update_interest(channel, state)
            if state.peer_done and not state.pending:
                self.close_channel(channel, notify=True)

    def flush_channel(self, channel, state):
        while state.pending:
            try:
                sent = state.sock.send(state.pending)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self.close_channel(channel, notify=True)
                return
            del state.pending[:sent]
        if not state.pending and state.peer_done:
            with contextlib.suppress(OSError):
                state.sock.shutdown(socket.SHUT_WR)
            if state.local_done:
                self.close_channel(channel, notify=True)
                return
        self.update_interest(channel, state)

    def update_interest(self, channel, state):
        events = (0 if state.local_done else selectors.EVENT_READ) | (selectors.EVENT_WRITE if state.pending else 0)
        if events and state.registered:
            self.selector.modify(state.sock, events, ("channel", channel))
        elif events:
            self.selector.register(state.sock, events, ("channel", channel))
        elif state.registered:
            self.selector.unregister(state.sock)
        state.registered = bool(events)

    def close_channel(self, channel, notify):
        state = self.channels.pop(channel, None)
        if state is None:
            return
        if state.registered:
            self.selector.unregister(state.sock)
        state.sock.close()
        if notify:
            write_frame(CLOSE, channel)

    def open_channel(self, channel, target):
        host, _, port = target.decode().rpartition(":")
        try:
            sock = socket.create_connection((host, int(port)), timeout=2.0)
        except (OSError, ValueError) as e:
            write_frame(CLOSE, channel, str(getattr(e, "strerror", None) or e).encode())
            return
        self.add_channel(channel, sock)
        write_frame(OPENED, channel)

    # --- frames from lambda-dap ----------------------------------------------------------------------------------

    def read_inbox(self):
        try:
            data = os.read(0, CHUNK)
        except (BlockingIOError, InterruptedError):
            return True
        if not data:
            return False
        self.inbox += data
        while len(self.inbox) >= HEADER.size:
            kind, channel, length = HEADER.unpack_from(self.inbox)
            if len(self.inbox) < HEADER.size + length:
                break
            payload = self.inbox[HEADER.size : HEADER.size + length]
            self.inbox = self.inbox[HEADER.size + length :]
            self.on_frame(kind, channel, payload)
        return True

    def on_frame(self, kind, channel, payload):
        state = self.channels.get(channel)
        if kind == DATA and state is not None and not state.peer_done:
            state.pending += payload
            self.flush_channel(channel, state)
        elif kind == EOF and state is not None:
            state.peer_done = True
            self.flush_channel(channel, state)
        elif kind == CLOSE and state is not None:
            self.close_channel(channel, notify=False)
        elif kind == OPEN:
            self.open_channel(channel, payload)
        elif kind == GO:
            self.poll_s = IDLE_POLL_S
            threading.Thread(target=release_runtime, daemon=True).start()
        elif kind == MEMORY:
            write_frame(MEMORY, 0, peak_memory())
        elif kind == SYNC:
            self.drain()
            write_frame(SYNC, channel, payload)
        elif kind == DEADLINE:
            staging = os.path.join(RUN, "deadline.new")
            with open(staging, "wb") as handle:
                handle.write(payload)
            os.chmod(staging, 0o644)
            os.replace(staging, os.path.join(RUN, "deadline"))

    # --- the end -------------------------------------------------------------------------------------------------

    def finish(self):
        """The launcher ended: what it and the runtime wrote goes out, then its status."""
        self.drain()
        status = self.child.returncode
        status = 128 - status if status < 0 else status
        write_frame(EXIT, 0, str(status).encode())
        return status

    def abandon(self):
        """lambda-dap is gone (stdin ended): end everything, so the container goes too."""
        if self.child is None:
            return 0  # a sidecar: its end ends the function's processes (they are in its PID namespace)
        if self.child.poll() is None:
            self.child.kill()
            self.child.wait()
        return 137


def peak_memory():
    for path in PEAK_FILES:
        try:
            with open(path, "rb") as handle:
                value = handle.read().strip()
        except OSError:
            continue
        if value.isdigit():
            return value
    return b""


_fallocate = None
PUNCH_HOLE = 0x02 | 0x01  # FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
PAGE = 4096


def release_memory(path, upto):
    """Free the pages of an extension's log that went out already (the run directory is a tmpfs: memory), without
    moving its end: the extension appends on, the offsets stay true."""
    global _fallocate
    upto -= upto % PAGE
    if upto <= 0 or _fallocate is False:
        return
    if _fallocate is None:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            _fallocate = libc.fallocate
            _fallocate.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_long, ctypes.c_long)
        except (OSError, AttributeError, ImportError):
            _fallocate = False
            return
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError:
        return
    try:
        _fallocate(fd, PUNCH_HOLE, 0, upto)
    finally:
        os.close(fd)


def release_runtime():
    try:
        with open(os.path.join(RUN, "go"), "w") as fifo:
            fifo.write("go\n")
    except OSError:
        pass


def main(args):
    sidecar = args[:1] == ["--sidecar"]
    agent = Agent(args[1:] if sidecar else args)
    try:
        agent.prepare()
    except OSError as e:
        sys.stderr.write(f"lambda-dap agent: cannot set up {RUN}: {e}\n")
        return 126
    if sidecar:
        agent.serve_sidecar()
    else:
        agent.start_launcher()
    return agent.run()


if __name__ == "__main__":
    fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    sys.exit(main(sys.argv[1:]))
