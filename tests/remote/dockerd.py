"""A second dockerd on this machine that behaves like a remote Docker engine: it shares neither network nor files
with the client (the test process).

The engine runs in its own network namespace, reached from the host over a veth pair (host 198.51.100.1, engine
198.51.100.2, TEST-NET-2: never routed). The namespace has no default route, and an iptables rule in it drops any
connection its containers (or the engine) open towards the client, so a container can reach neither the client nor
anything else; only the engine's API (tcp://198.51.100.2:2375, plain HTTP; and tcp://198.51.100.2:2376 over mutual
TLS, certificates in /run/lambda-dap-remote/tls, valid for a day) and ports its containers publish on 198.51.100.2
answer the client. The engine also runs in its own mount namespace, pivoted into a fresh tmpfs root that holds only
the operating system (/usr read-only, without /usr/local, /usr/share and the package directories of Python, Node.js
and Java; a copy of /etc), /dev, /proc, /sys and the engine's own directories: /work, /tmp, /root, /home, /opt,
/var... are empty there, so a bind mount of a client path shows nothing of the client's files. Its data root
(/var/lib/lambda-dap-remote-docker) persists, so images loaded once are there for the next run. Its containers'
default bridge is 203.0.113.1/26 (TEST-NET-3), private to the namespace. Everything else it owns lives under
/run/lambda-dap-remote (state, lock files, the log: /run/lambda-dap-remote/dockerd.log, the previous run's
dockerd.log.1).

One such engine exists per machine (its addresses are fixed). Test sessions that run at the same time share it
(each holds a shared lock while it runs); the last one to finish stops it. What a killed run left (a dockerd, its
containerd and containers, the namespace and veth, the pid file) is cleaned up by the next start.

By hand, as root, from the repository root:

    python3 -m tests.remote.dockerd up         # start it, load the test images; prints the DOCKER_HOST to use
    DOCKER_HOST=tcp://198.51.100.2:2375 docker ps
    DOCKER_HOST=tcp://198.51.100.2:2376 DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=/run/lambda-dap-remote/tls docker ps
    python3 -m tests.remote.dockerd exec -- ip addr     # a command in the engine's network and mount namespaces
    python3 -m tests.remote.dockerd status
    python3 -m tests.remote.dockerd down       # stop it; deletes the namespace and the veth pair

An engine started with `up` stays until `down`: test sessions use it and leave it running.

`--shared-files` (before the command) selects a second engine like Docker Desktop's (SHARED_FILES): its containers
reach nothing of the client either (its own network namespace: host 198.51.100.201, engine 198.51.100.202, its
bridge 203.0.113.161/27), but it sees the client's files: its mount namespace keeps the client's file systems, with
its own /run (its API socket: /run/lambda-dap-shared/engine/docker.sock, reached from the client as is) and /etc/docker,
and one directory hidden, /tmp/lambda-dap-unshared (empty there), for a path it does not share. Its own data root
(/var/lib/lambda-dap-shared-docker), state and locks (/run/lambda-dap-shared) and cgroup: it runs beside the remote
engine, each ignoring the other.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from lambda_dap.container.reaper import process_exists
from tests.harness import FileLock, SharedService, read_state, write_state

CLIENT_ADDRESS = "198.51.100.1"  # the host's end of the veth pair: what the remote sees of the client
ENGINE_ADDRESS = "198.51.100.2"  # the engine's end, in its namespace
LINK_PREFIX = 30
API_PORT = 2375
DOCKER_HOST = f"tcp://{ENGINE_ADDRESS}:{API_PORT}"
TLS_PORT = 2376  # the same API over mutual TLS (tls_front.py)
TLS_DOCKER_HOST = f"tcp://{ENGINE_ADDRESS}:{TLS_PORT}"
BRIDGE_ADDRESS = "203.0.113.1/26"  # the engine's docker0, only inside its namespace
ADDRESS_POOL = "base=203.0.113.64/26,size=28"  # networks created on the engine
NAME_PREFIX = "ldr-"  # network namespace ldr-<id>, veth ldrh-<id> (host) and ldrr-<id> (engine)

STATE_DIR = Path("/run/lambda-dap-remote")
ENGINE_DIR = STATE_DIR / "engine"  # the one host directory the engine sees: exec root, pid file, config
ROOT_MOUNT = STATE_DIR / "root"  # where the engine's root tmpfs is mounted (in its mount namespace only)
STATE_FILE = STATE_DIR / "state.json"
LOG_FILE = STATE_DIR / "dockerd.log"
CERT_DIR = STATE_DIR / "tls"  # DOCKER_CERT_PATH for TLS_DOCKER_HOST: ca.pem, cert.pem, key.pem (and the server's)
PID_FILE = ENGINE_DIR / "dockerd.pid"
DATA_ROOT = Path("/var/lib/lambda-dap-remote-docker")
CGROUP_PARENT = "lambda-dap-remote"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


@dataclass(frozen=True)
class Layout:
    """One simulated engine's fixed addresses, names and places (one engine per layout and machine)."""

    name: str  # for messages
    client_address: str
    engine_address: str
    bridge_address: str
    address_pool: str
    prefix: str  # network namespace PREFIX-<id>, veth PREFIXh-<id> (host) and PREFIXr-<id> (engine)
    state_dir: Path
    data_root: Path
    cgroup_parent: str
    tls: bool = True  # a mutual-TLS front on TLS_PORT
    hidden: Path | None = None  # set: the engine sees the client's files but this directory (shared-files)

    @property
    def docker_host(self) -> str:
        return f"tcp://{self.engine_address}:{API_PORT}" if self.hidden is None else f"unix://{self.socket}"

    @property
    def tcp_host(self) -> str:
        return f"tcp://{self.engine_address}:{API_PORT}"

    @property
    def engine_dir(self) -> Path:
        return self.state_dir / "engine"

    @property
    def socket(self) -> Path:
        return self.engine_dir / "docker.sock"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "dockerd.log"

    @property
    def pid_file(self) -> Path:
        return self.engine_dir / "dockerd.pid"


REMOTE = Layout(
    "remote",
    CLIENT_ADDRESS,
    ENGINE_ADDRESS,
    BRIDGE_ADDRESS,
    ADDRESS_POOL,
    NAME_PREFIX.rstrip("-"),
    STATE_DIR,
    DATA_ROOT,
    CGROUP_PARENT,
)
SHARED_FILES = Layout(
    "shared-files",
    "198.51.100.201",
    "198.51.100.202",
    "203.0.113.161/27",
    "base=203.0.113.224/27,size=28",
    "lds",
    Path("/run/lambda-dap-shared"),
    Path("/var/lib/lambda-dap-shared-docker"),
    "lambda-dap-shared",
    tls=False,
    hidden=Path("/tmp/lambda-dap-unshared"),
)

# Run by `sh` in the engine's new mount namespace: build its root file system, pivot into it, exec dockerd.
# $1 root mount point, $2 data root, $3 engine directory, then dockerd's command line.
_ROOT_SCRIPT = r"""
set -eu
root=$1 data=$2 engine=$3
shift 3
mount -t tmpfs -o mode=0755 lambda-dap-remote "$root"
cd "$root"
mkdir -p usr etc dev proc sys run tmp var oldroot
for top in bin sbin lib lib32 lib64 libx32; do
    if [ -L "/$top" ]; then ln -s "$(readlink "/$top")" "$top"
    elif [ -d "/$top" ]; then mkdir "$top"; mount --rbind "/$top" "$top"; mount -o remount,bind,ro "$top"
    fi
done
mount --rbind /usr usr
mount -o remount,bind,ro usr
# Hidden: software and data the client installed beside the operating system's programs and libraries.
for dir in usr/local usr/share usr/src usr/include usr/lib/python3 usr/lib/python3.* \
        usr/lib/node_modules usr/lib/jvm; do
    if [ -d "$dir" ]; then mount -t tmpfs -o mode=0755,size=1m lambda-dap-remote "$dir"; fi
done
cp -a /etc/. etc/  # its own /etc, a copy; its own identity (/etc/docker/key.json) kept in the data root
rm -rf etc/docker
mkdir -p etc/docker "$data/lambda-dap-etc-docker"
mount --bind "$data/lambda-dap-etc-docker" etc/docker
mount --rbind /dev dev
mount -t tmpfs -o mode=1777 lambda-dap-remote dev/shm
mount -t proc proc proc 2>/dev/null || mount --rbind /proc proc
mount -t sysfs sysfs sys  # a fresh sysfs shows this network namespace's devices
mount --rbind /sys/fs/cgroup sys/fs/cgroup
mount -t tmpfs -o mode=0755 lambda-dap-remote run
mount -t tmpfs -o mode=1777 lambda-dap-remote tmp
ln -s /run var/run
mkdir -p "./$data" "./$engine"
mount --bind "$data" "./$data"
mount --bind "$engine" "./$engine"
pivot_root . oldroot
cd /
umount -l /oldroot
rmdir /oldroot
exec "$@"
"""

# Run by `sh` in the shared-files engine's new mount namespace: the client's file systems stay, but its /run (the
# client's dockerd and containerd keep their sockets and state there), /etc/docker and one directory: $1 the hidden
# directory, $2 the data root, $3 the engine directory, then dockerd's command line. The copies of other engines'
# mounts (container roots, network namespaces) are let go, so that this namespace holds none of them.
_SHARED_SCRIPT = r"""
set -eu
hidden=$1 data=$2 engine=$3
shift 3
awk '{print $5}' /proc/self/mountinfo | sort -r | while read -r point; do
    case "$point" in /run/?*|/var/lib/?*) umount -l "$point" 2>/dev/null || true ;; esac
done
cd "$engine"
mount -t tmpfs -o mode=0755 lambda-dap-shared /run
mkdir -p "$engine"
mount --no-canonicalize --bind . "$engine"  # "." is the engine directory hidden under the new /run
cd /sys/fs/cgroup
mount -t sysfs sysfs /sys  # a fresh sysfs shows this network namespace's devices
mount --no-canonicalize --rbind . /sys/fs/cgroup
cd /
mkdir -p "$data/lambda-dap-etc-docker"
mount --bind "$data/lambda-dap-etc-docker" /etc/docker
mount -t tmpfs -o mode=0755,size=1m lambda-dap-shared "$hidden"
exec "$@"
"""


class RemoteEngineError(RuntimeError):
    """The remote engine could not be started, reached or stopped."""


class EngineUnsupported(RemoteEngineError):
    """This machine cannot run the remote engine: no root, a tool missing, or no network namespaces allowed."""


def _run(args: Sequence[str], *, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(list(args), capture_output=True, text=True, **kwargs)
    if check and done.returncode != 0:
        raise RemoteEngineError(f"{' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")
    return done


def _api_answers(timeout: float = 1.0, layout: Layout = REMOTE) -> bool:
    """Whether the engine answers GET /_ping on its API address."""
    connection = http.client.HTTPConnection(layout.engine_address, API_PORT, timeout=timeout)
    try:
        connection.request("GET", "/_ping")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _tls_accepts(layout: Layout = REMOTE) -> bool:
    """Whether the TLS endpoint accepts connections (always true for a layout without one)."""
    if not layout.tls:
        return True
    try:
        socket.create_connection((ENGINE_ADDRESS, TLS_PORT), timeout=1).close()
    except OSError:
        return False
    return True


def _api_version(layout: Layout = REMOTE) -> str:
    """The engine's API version, asked directly (no proxy from the environment)."""
    connection = http.client.HTTPConnection(layout.engine_address, API_PORT, timeout=10)
    try:
        connection.request("GET", "/version")
        return json.loads(connection.getresponse().read())["ApiVersion"]
    except (OSError, ValueError, KeyError) as error:
        raise RemoteEngineError(f"the remote engine does not tell its API version: {error}") from None
    finally:
        connection.close()


def _direct_client(base_url: str, layout: Layout = REMOTE, **options):
    """A docker SDK client that ignores the environment's proxies and CA bundle (REQUESTS_CA_BUNDLE would win over
    the CA given for TLS); the API version is given so that no request goes out before that is set."""
    import docker

    client = docker.DockerClient(base_url=base_url, version=_api_version(layout), timeout=120, **options)
    client.api.trust_env = False
    return client


def _netns_inode(name: str) -> int | None:
    try:
        return os.stat(f"/run/netns/{name}").st_ino
    except OSError:
        return None


def _engine_processes(netns_inodes: set[int], cgroup_parent: str = CGROUP_PARENT) -> list[int]:
    """Processes that belong to an engine: in one of its network namespaces (dockerd, containerd, shims, proxies)
    or in its cgroup (its containers' processes, which live in namespaces of their own)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            in_netns = os.stat(entry / "ns" / "net").st_ino in netns_inodes
            in_cgroup = f"/{cgroup_parent}/" in (entry / "cgroup").read_text()
        except OSError:
            continue
        if in_netns or in_cgroup:
            found.append(int(entry.name))
    return found


def _read_state(layout: Layout = REMOTE) -> dict:
    return read_state(layout.state_file)


def _write_state(state: dict, layout: Layout = REMOTE) -> None:
    write_state(layout.state_file, state)


def _lock(name: str, layout: Layout = REMOTE) -> FileLock:
    """An flock on a file under the layout's state directory."""
    return FileLock(layout.state_dir, name)


class RemoteEngine(SharedService):
    """The remote engine, started on enter (or reused when another session runs it) and stopped on exit when no
    other session uses it.

    `manual=True` (the `up` command) marks it as started by hand: sessions then leave it running. `layout`: which
    engine (REMOTE, or SHARED_FILES: one that sees the client's files).
    """

    def __init__(self, *, manual: bool = False, start_timeout: float = START_TIMEOUT, layout: Layout = REMOTE) -> None:
        self.layout = layout
        self.docker_host = layout.docker_host
        self.client_address = layout.client_address
        self.engine_address = layout.engine_address
        super().__init__(manual=manual)
        self.start_timeout = start_timeout
        self.state_dir = layout.state_dir
        self.state_file = layout.state_file

    # -- lifetime (tests/harness.py's SharedService) ---------------------------------------------------------

    def _require_tools(self) -> None:
        _require_tools()

    def _clean_stale(self) -> None:
        clean_stale(self.layout)

    def _unanswering(self) -> Exception:
        option = " --shared-files" if self.layout is SHARED_FILES else ""
        return RemoteEngineError(
            f"the {self.layout.name} engine another session uses does not answer (log: {self.layout.log_file}); "
            f"stop it with: python3 -m tests.remote.dockerd{option} down"
        )

    def _joined(self, state: dict) -> None:
        if not _tls_accepts(self.layout):  # started by an older harness, or its TLS front died
            self._start_tls_front(state["netns"])

    def _healthy(self, state: dict) -> bool:
        pid = state.get("pid")
        if not pid or not process_exists(pid) or _netns_inode(state.get("netns", "")) is None:
            return False
        return _api_answers(layout=self.layout)

    def _launch(self) -> None:
        layout = self.layout
        short = secrets.token_hex(4)
        netns, host_link, engine_link = (f"{layout.prefix}{kind}-{short}" for kind in ("", "h", "r"))
        _write_state({"netns": netns, "link": host_link}, layout)  # first: a failed start is cleaned up next time
        _setup_network(netns, host_link, engine_link, layout)
        for directory in (layout.engine_dir / "exec", layout.data_root):
            directory.mkdir(parents=True, exist_ok=True)
        config = layout.engine_dir / "daemon.json"  # not the host's /etc/docker/daemon.json
        config.write_text("{}\n")
        dockerd = [
            shutil.which("dockerd") or "dockerd",
            f"--host={layout.tcp_host}",
            *([f"--host=unix://{layout.socket}"] if layout.hidden is not None else []),
            "--tls=false",  # said explicitly: newer dockerd versions pause at start-up for an implicit plain tcp
            f"--config-file={config}",
            f"--data-root={layout.data_root}",
            f"--exec-root={layout.engine_dir / 'exec'}",
            f"--pidfile={layout.pid_file}",
            f"--bip={layout.bridge_address}",
            f"--default-address-pool={layout.address_pool}",
            f"--cgroup-parent=/{layout.cgroup_parent}",
            "--shutdown-timeout=3",
            "--exec-opt=native.cgroupdriver=cgroupfs",  # the cgroup parent is a path, not a systemd slice
        ]
        if layout.hidden is None:
            (layout.state_dir / "root").mkdir(exist_ok=True)  # its root file system's mount point
            script = [_ROOT_SCRIPT, "sh", str(layout.state_dir / "root")]
        else:
            layout.hidden.mkdir(parents=True, exist_ok=True)
            layout.hidden.chmod(0o1777)  # any test user makes its directories there
            script = [_SHARED_SCRIPT, "sh", str(layout.hidden)]
        command = [
            "nsenter",
            f"--net=/run/netns/{netns}",
            "--",
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "--",
            "sh",
            "-c",
            *script,
            str(layout.data_root),
            str(layout.engine_dir),
            *dockerd,
        ]
        with contextlib.suppress(FileNotFoundError):
            layout.log_file.replace(layout.log_file.with_suffix(".log.1"))  # the previous run's, for a post-mortem
        with open(layout.log_file, "wb") as log:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
            )
        _write_state({"netns": netns, "link": host_link, "pid": process.pid}, layout)
        deadline = time.monotonic() + self.start_timeout
        while not _api_answers(timeout=0.5, layout=layout):
            if process.poll() is not None or time.monotonic() > deadline:
                reason = f"exited with {process.returncode}" if process.poll() is not None else "did not answer"
                raise RemoteEngineError(
                    f"the {layout.name} dockerd {reason}; its log: {layout.log_file}\n{_log_tail(layout=layout)}"
                )
            time.sleep(0.1)
        _remove_leftovers(self.client)
        if layout.tls:
            self._start_tls_front(netns)

    def _start_tls_front(self, netns: str) -> None:
        from tests.container.remote_engines import write_certificates

        shutil.rmtree(CERT_DIR, ignore_errors=True)
        CERT_DIR.mkdir(mode=0o700)
        write_certificates(CERT_DIR, host=ENGINE_ADDRESS)
        script = Path(__file__).with_name("tls_front.py")
        arguments = [str(CERT_DIR), ENGINE_ADDRESS, str(TLS_PORT), ENGINE_ADDRESS, str(API_PORT)]
        with open(LOG_FILE, "ab") as log:
            front = subprocess.Popen(
                ["nsenter", f"--net=/run/netns/{netns}", "--", sys.executable, str(script), *arguments],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.start_timeout
        while not _tls_accepts():
            if front.poll() is not None or time.monotonic() > deadline:
                raise RemoteEngineError(f"the remote engine's TLS front did not start; log: {LOG_FILE}\n{_log_tail()}")
            time.sleep(0.05)

    # -- use --------------------------------------------------------------------------------------------------

    @property
    def pid(self) -> int:
        """The engine's dockerd's process id."""
        return int(_read_state(self.layout)["pid"])

    @property
    def client(self):
        """A docker SDK client for the engine."""
        if self._client is None:
            self._client = _direct_client(self.layout.tcp_host, self.layout)
        return self._client

    def environment(self, base: Mapping[str, str] | None = None, *, tls: bool = False) -> dict[str, str]:
        """`base` (default: os.environ) with DOCKER_HOST naming this engine, over TLS when `tls`, and no other
        Docker setting (context, TLS) left to change that."""
        environment = dict(os.environ if base is None else base)
        for name in ("DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH"):
            environment.pop(name, None)
        environment["DOCKER_HOST"] = self.docker_host
        if tls:
            environment.update(DOCKER_HOST=TLS_DOCKER_HOST, DOCKER_TLS_VERIFY="1", DOCKER_CERT_PATH=str(CERT_DIR))
        return environment

    def tls_client(self):
        """A docker SDK client for the engine's TLS endpoint, with the client certificate."""
        import docker

        tls = docker.tls.TLSConfig(
            client_cert=(str(CERT_DIR / "cert.pem"), str(CERT_DIR / "key.pem")),
            ca_cert=str(CERT_DIR / "ca.pem"),
            verify=True,
        )
        return _direct_client(TLS_DOCKER_HOST, tls=tls)

    def run(self, args: Sequence[str], *, mount: bool = True, **kwargs) -> subprocess.CompletedProcess:
        """Run a command in the engine's network namespace and, by default, its mount namespace (the engine's files:
        the operating system's programs such as ip, iptables, bash, but no Python: its packages are hidden there).

        Keyword arguments go to subprocess.run; output is captured as text unless they say otherwise."""
        namespaces = ["--net", "--mount"] if mount else ["--net"]
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        return subprocess.run(["nsenter", f"--target={self.pid}", *namespaces, "--", *args], **kwargs)

    def load_images(self, local_client, tags: Iterable[str]) -> list[str]:
        """Copy the images `tags` from `local_client`'s engine to this one, those it lacks or holds with another
        image id, in one `docker save` stream (shared layers are sent once); return the tags copied."""
        wanted = {tag: local_client.images.get(tag).id for tag in tags}
        lock = _lock("images.lock", self.layout)  # sessions starting together load once
        try:
            lock.take(fcntl.LOCK_EX)
            missing = [tag for tag, image_id in wanted.items() if _image_id(self.client, tag) != image_id]
            if not missing:
                return []
            api = local_client.api
            with api.get(f"{api.base_url}/images/get", params={"names": missing}, stream=True) as exported:
                exported.raise_for_status()
                for _ in self.client.api.load_image(exported.iter_content(chunk_size=1 << 20)):
                    pass
        finally:
            lock.close()
        still = [tag for tag in missing if _image_id(self.client, tag) != wanted[tag]]
        if still:
            raise RemoteEngineError(f"images not loaded into the remote engine: {', '.join(still)}")
        return missing


def _image_id(client, tag: str) -> str | None:
    import docker.errors

    try:
        return client.images.get(tag).id
    except docker.errors.ImageNotFound:
        return None


def _require_tools() -> None:
    if os.geteuid() != 0:
        raise EngineUnsupported("the remote engine needs root (network and mount namespaces)")
    lacking = [
        tool for tool in ("ip", "iptables", "nsenter", "unshare", "pivot_root", "dockerd") if not shutil.which(tool)
    ]
    if lacking:
        raise EngineUnsupported(f"the remote engine needs: {', '.join(lacking)} (scripts/setup installs them)")


def _setup_network(netns: str, host_link: str, engine_link: str, layout: Layout = REMOTE) -> None:
    """The namespace, the veth pair between it and the host, and the rule that keeps its containers off the client."""
    try:
        _run(["ip", "netns", "add", netns])
    except RemoteEngineError as error:
        raise EngineUnsupported(f"no network namespace allowed here: {error}") from None
    _run(["ip", "link", "add", host_link, "type", "veth", "peer", "name", engine_link])
    _run(["ip", "link", "set", engine_link, "netns", netns])
    with contextlib.suppress(OSError):  # a kernel without IPv6 has nothing to disable
        Path(f"/proc/sys/net/ipv6/conf/{host_link}/disable_ipv6").write_text("1\n")
    _run(["ip", "addr", "add", f"{layout.client_address}/{LINK_PREFIX}", "dev", host_link])
    _run(["ip", "link", "set", host_link, "up"])
    inside = ["nsenter", f"--net=/run/netns/{netns}", "--"]
    _run([*inside, "sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6"], check=False)
    _run([*inside, "ip", "addr", "add", f"{layout.engine_address}/{LINK_PREFIX}", "dev", engine_link])
    _run([*inside, "ip", "link", "set", engine_link, "up"])
    _run([*inside, "ip", "link", "set", "lo", "up"])
    # No default route: nothing but the link is reachable. And on the link, only replies go to the client: a
    # connection opened from the namespace (a container's, forwarded; or the engine's own) is dropped. The mangle
    # table is Docker's to leave alone, so the rule stays first whatever dockerd adds to the filter table.
    for chain in ("FORWARD", "OUTPUT"):
        rule = ["-d", layout.client_address, "-m", "conntrack", "!", "--ctstate", "ESTABLISHED,RELATED", "-j", "DROP"]
        _run([*inside, "iptables", "-w", "-t", "mangle", "-A", chain, *rule])


def _remove_leftovers(client) -> None:
    """Containers and networks a killed earlier run left in the (persistent) data root."""
    for container in client.containers.list(all=True):
        with contextlib.suppress(Exception):
            container.remove(force=True)
    with contextlib.suppress(Exception):
        client.networks.prune()


def _log_tail(lines: int = 30, layout: Layout = REMOTE) -> str:
    try:
        return "\n".join(layout.log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stale_netns(layout: Layout = REMOTE) -> list[str]:
    try:
        return sorted(p.name for p in Path("/run/netns").iterdir() if p.name.startswith(f"{layout.prefix}-"))
    except OSError:
        return []


def _stale_links(layout: Layout = REMOTE) -> list[str]:
    return sorted(p.name for p in Path("/sys/class/net").iterdir() if p.name.startswith(f"{layout.prefix}h-"))


def clean_stale(layout: Layout = REMOTE) -> None:
    """Stop whatever engine runs or is left, and delete its namespace, veth pair and pid file.

    Only call it holding the users lock exclusively: the engine then belongs to no live session."""
    state = _read_state(layout)
    pid = state.get("pid")
    if pid and process_exists(pid):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)  # dockerd stops its containers and its containerd
        deadline = time.monotonic() + STOP_TIMEOUT
        while process_exists(pid) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # our own child when this process started it
            time.sleep(0.05)
    names = _stale_netns(layout)
    inodes = {inode for inode in map(_netns_inode, names) if inode is not None}
    for _ in range(50):  # what a SIGKILLed engine left running: containerd, shims, containers
        leftovers = _engine_processes(inodes, layout.cgroup_parent)
        if not leftovers:
            break
        for leftover in leftovers:
            with contextlib.suppress(OSError):
                os.kill(leftover, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(leftover, os.WNOHANG)  # reaped when it is our child (the TLS front)
        time.sleep(0.1)
    else:
        raise RemoteEngineError(f"processes of the {layout.name} engine do not die: {leftovers}")
    for name in names:
        _run(["ip", "netns", "delete", name], check=False)
    for link in _stale_links(layout):  # normally gone with its peer's namespace
        _run(["ip", "link", "delete", link], check=False)
    for path in (layout.pid_file, layout.state_file, layout.socket):
        path.unlink(missing_ok=True)
    if layout.hidden is not None:
        with contextlib.suppress(OSError):  # only when empty: what a test left there is for a post-mortem
            layout.hidden.rmdir()


def _status(layout: Layout = REMOTE) -> str:
    state = _read_state(layout)
    if not state:
        return f"{layout.name} engine: not running"
    health = "answering" if _api_answers(layout=layout) else "NOT answering"
    return (
        f"{layout.name} engine: {health} at {layout.docker_host} (dockerd pid {state.get('pid')}, netns "
        f"{state.get('netns')}, started {'by hand' if state.get('manual') else 'by a test session'}; "
        f"log: {layout.log_file})"
    )


def _test_images(local_client) -> list[str]:
    """The tags of the test images the remote tests use, built on the local engine when missing there."""
    from tests.conftest import _load_image_builder
    from tests.remote.conftest import REMOTE_IMAGES

    return list(_load_image_builder().ensure_images(list(REMOTE_IMAGES), client=local_client).values())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m tests.remote.dockerd", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared-files", action="store_true", help="the engine that sees the client's files (like Docker Desktop)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the remote engine (until `down`) and load the test images")
    up.add_argument("--no-images", action="store_true", help="do not load the test images")
    commands.add_parser("down", help="stop the remote engine, delete its namespace and veth pair")
    commands.add_parser("status", help="whether it runs")
    run = commands.add_parser("exec", help="run a command in the engine's network and mount namespaces")
    run.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    layout = SHARED_FILES if options.shared_files else REMOTE
    try:
        if options.command == "up":
            started = time.monotonic()
            engine = RemoteEngine(manual=True, layout=layout).start()
            if not options.no_images:
                import docker

                local = docker.from_env()
                try:
                    loaded = engine.load_images(local, _test_images(local))
                finally:
                    local.close()
                print(f"images loaded: {', '.join(loaded) or 'none (all present)'}", file=sys.stderr)
            print(f"ready in {time.monotonic() - started:.1f} s", file=sys.stderr)
            print(f"DOCKER_HOST={engine.docker_host}")
            if layout.tls:
                print(f"# or over TLS: DOCKER_HOST={TLS_DOCKER_HOST} DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH={CERT_DIR}")
            return 0
        if options.command == "down":
            mutex, users = _lock("start.lock", layout), _lock("users.lock", layout)
            try:
                mutex.take(fcntl.LOCK_EX)
                if not users.take(fcntl.LOCK_EX, wait=False):
                    print(f"a test session uses the {layout.name} engine; try again when it is done", file=sys.stderr)
                    return 1
                clean_stale(layout)
            finally:
                users.close()
                mutex.close()
            print(f"{layout.name} engine stopped", file=sys.stderr)
            return 0
        if options.command == "status":
            print(_status(layout))
            return 0
        args = options.args[1:] if options.args[:1] == ["--"] else options.args
        if not args or not _read_state(layout).get("pid"):
            print("usage: exec -- COMMAND... (with the engine running)", file=sys.stderr)
            return 2
        engine = RemoteEngine(layout=layout)
        return engine.run(args, capture_output=False, text=False).returncode
    except RemoteEngineError as error:
        print(f"remote engine: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
