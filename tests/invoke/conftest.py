"""Running `lambda-dap invoke` as a user does: a subprocess, its stdout, stderr and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parent.parent / "apps"
KITCHEN = APPS / "kitchen"


@dataclass
class Run:
    code: int
    stdout: bytes
    stderr: str

    @property
    def json(self):
        return json.loads(self.stdout)


def clean_environment(home: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without AWS or SAM settings, HOME in a temp dir (no ~/.aws)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAM_")) and k != "DEBUGGER_ARGS"}
    env["HOME"] = str(home)
    env.update(extra)
    return env


def start_invoke(*args: str, image: str, env: dict[str, str], cwd: Path = KITCHEN) -> subprocess.Popen:
    """`lambda-dap invoke ARGS` on `image` in the background, as a user's shell starts it; stdout/stderr piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "lambda_dap", "invoke", *args, "--invoke-image", image, "--skip-pull-image"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
    )


@pytest.fixture
def invoke_cli(tmp_path, lambda_images):
    """Call `lambda-dap invoke ARGS` on the Lambda-like test image; returns a `Run`."""
    home = tmp_path / "home"
    home.mkdir()

    def run(
        *args: str,
        stdin: bytes | None = None,
        env: dict[str, str] | None = None,
        image: str | None = None,
        cwd: Path = KITCHEN,
        timeout: float = 120,
    ) -> Run:
        command = [sys.executable, "-m", "lambda_dap", "invoke", *args]
        if image != "":
            command += ["--invoke-image", image or lambda_images["python"], "--skip-pull-image"]
        completed = subprocess.run(
            command,
            input=stdin,
            capture_output=True,
            cwd=cwd,
            timeout=timeout,
            env=clean_environment(home, **(env or {})),
        )
        return Run(completed.returncode, completed.stdout, completed.stderr.decode(errors="replace"))

    return run


@pytest.fixture
def event_file(tmp_path):
    """Write an event document to a file and return its path as a string."""

    def write(document, name: str = "event.json") -> str:
        path = tmp_path / name
        path.write_text(json.dumps(document) if not isinstance(document, str) else document, encoding="utf-8")
        return str(path)

    return write


def containers_gone(client, label: str = "lambda-dap", timeout: float = 3.0) -> bool:
    """True once no container with `label` exists; the engine deletes stopped ones itself, within moments."""
    import time

    deadline = time.monotonic() + timeout
    from tests.conftest import SESSION_LABEL

    while client.api.containers(all=True, filters={"label": [label, SESSION_LABEL]}):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class Recorder:
    """An `InvokeSession` event sink that keeps every event and the lines `lambda-dap invoke` would print."""

    def __init__(self) -> None:
        import io

        from lambda_dap.cli.render import InvokeRenderer

        self.events: list = []
        self._stderr, self._stdout = io.StringIO(), io.BytesIO()
        self._render = InvokeRenderer(stdout=self._stdout, stderr=self._stderr)

    def __call__(self, event) -> None:
        self.events.append(event)
        self._render(event)

    @property
    def lines(self) -> list[str]:
        return self._stderr.getvalue().splitlines()

    def of(self, kind) -> list:
        return [event for event in self.events if isinstance(event, kind)]
