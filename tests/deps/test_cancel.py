"""An install that is no longer wanted ends: the installer and every process it started are gone, the cache keeps
nothing of it. An editor that disconnects while pip still downloads (InvokeSession.close() from another thread),
or a Ctrl-C, must not leave pip running to the end."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

from lambda_dap.deps.manifest import Manifest
from lambda_dap.deps.process import run_installer
from lambda_dap.errors import InvocationCancelled
from lambda_dap.invoke import InvokeRequest, InvokeSession, events
from tests.deps.test_invoke_with_dependencies import cache_entries, write_app
from tests.invoke.conftest import Recorder

# A parent that starts a child, both writing their pid, then both sleeping for a minute.
PARENT_AND_CHILD = """
import os, subprocess, sys, time
out = sys.argv[1]
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
with open(out, "w") as handle:
    handle.write(f"{os.getpid()} {child.pid}")
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _wait_for(predicate, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s  # a hang guard only
    while not predicate():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.02)


def test_a_stopped_installer_ends_with_every_process_it_started(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    manifest = Manifest(
        installer="pip",
        code_dir=tmp_path,
        path=tmp_path / "requirements.txt",
        runtime="python3.12",
        architecture="x86_64",
    )
    stop = threading.Event()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            run_installer(
                [sys.executable, "-c", PARENT_AND_CHILD, str(pids)],
                cwd=tmp_path,
                tool="fake-pip",
                manifest=manifest,
                problem=lambda stderr, manifest: stderr,
                stop=stop,
            )
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    _wait_for(lambda: pids.exists() and " " in pids.read_text())
    parent, child = map(int, pids.read_text().split())
    stop.set()
    thread.join(30)

    assert not thread.is_alive()
    assert [type(error) for error in outcome] == [InvocationCancelled]
    assert str(outcome[0]).startswith("Cancelled while installing the dependencies of ")
    _wait_for(lambda: not _alive(child))  # reparented to init, which reaps it once killed
    assert not _alive(parent)


@pytest.mark.docker
def test_closing_the_session_while_pip_downloads_ends_pip_and_keeps_nothing(tmp_path, monkeypatch, lambda_images):
    """pip against an index on loopback that accepts and never answers: it waits for ever, as a slow download
    would. Closing the session (what the DAP server does on disconnect) ends it at once."""
    index = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(index.accept()[0]), daemon=True).start()
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{index.getsockname()[1]}/simple")
    monkeypatch.setenv("PIP_TIMEOUT", "600")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    app = write_app(
        tmp_path, "python3.11", {"app.py": "def handler(e, c):\n    return 1\n", "requirements.txt": "six\n"}
    )
    request = InvokeRequest(
        template=app / "template.yaml",
        function_id="Fn",
        invoke_images={None: lambda_images["python"]},
        skip_pull_image=True,
    )
    recorder = Recorder()
    session = InvokeSession(request, on_event=recorder)
    failures: list[BaseException] = []

    def prepare() -> None:
        try:
            session.prepare()
        except BaseException as error:
            failures.append(error)

    thread = threading.Thread(target=prepare)
    try:
        thread.start()
        _wait_for(lambda: accepted)  # pip is waiting on its index
        installers = _children_running_pip()
        assert installers, "pip is not running"
        session.close()
        thread.join(30)
    finally:
        index.close()
        for sock in accepted:
            sock.close()

    assert not thread.is_alive()
    assert [type(error) for error in failures] == [InvocationCancelled]
    assert [event.done for event in recorder.of(events.DependencyInstall)] == [False]
    assert not any(_alive(pid) for pid in installers)
    assert cache_entries({"XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}) == []
    deps = tmp_path / "xdg-cache" / "lambda-dap" / "deps"
    assert [path.name for path in deps.iterdir() if path.name != ".locks"] == []  # no temp directory either


def _children_running_pip() -> list[int]:
    """The pids of this process's descendants whose command line runs pip."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if b"pip" in command and _descends_from(ppid, me):
            found.append(int(entry.name))
    return found


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            return False
    return False
