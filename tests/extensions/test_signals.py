"""Ctrl-C and SIGTERM mid-invocation still give extensions their SHUTDOWN before the container goes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.invoke.conftest import clean_environment

pytestmark = pytest.mark.docker

APP = Path(__file__).resolve().parents[1] / "apps" / "extensions"


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_invoke_shuts_its_extensions_down(tmp_path, lambda_images, signum, code):
    home = tmp_path / "home"
    home.mkdir()
    env_file = tmp_path / "env.json"
    env_file.write_text(json.dumps({"PythonExt": {"HANDLER_SLEEP_S": "60"}}))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lambda_dap",
            "invoke",
            "PythonExt",
            "-t",
            str(APP / "template.yaml"),
            "-n",
            str(env_file),
            "--invoke-image",
            lambda_images["python"],
            "--skip-pull-image",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_environment(home),
    )
    lines: list[str] = []
    reader = threading.Thread(
        target=lambda: lines.extend(raw.decode().rstrip("\n") for raw in process.stderr), daemon=True
    )
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while not any(line.startswith("handler-marker") for line in list(lines)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any(line.startswith("handler-marker") for line in lines), lines
        os.kill(process.pid, signum)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(5)
    assert process.returncode == code, lines
    assert "python-ext: SHUTDOWN spindown" in lines, lines
    assert "python-ext: SHUTDOWN-DONE" in lines, lines
    assert not any("Traceback" in line for line in lines), lines
