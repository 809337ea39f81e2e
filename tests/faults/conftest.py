"""The bad-input catalogue's plumbing: a small project per case, `lambda-dap invoke` run as a user runs it, and
the count of bad inputs tried, printed at the end of the run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.invoke.conftest import Run, clean_environment

TRIED: list[str] = []  # the ids of the bad inputs run in this session
SIGNAL_COUNTS: dict[str, int] = {}  # the random-signal fault run: signals sent, by outcome, and leaks found

APP = "import os\n\n\ndef handler(event, context):\n    return {'event': event, 'A': os.environ.get('A')}\n"
TEMPLATE = """Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.11
"""
# Cases without Docker fail before any container starts: no image is needed, and should one get that far, its
# missing image fails it.
UNBUILT_IMAGE = "lambda-dap-test/never-built:1"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory with template.yaml (one Python function, Fn) and its code in src/."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(APP)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    return tmp_path


@pytest.fixture
def bad_invoke(request, project: Path, tmp_path: Path):
    """Run `lambda-dap invoke ARGS` in `project`; `docker=True` gives it the real test image."""
    home = tmp_path / "home"
    home.mkdir()

    def run(*args: str, case: str, env: dict[str, str] | None = None, docker: bool = False) -> Run:
        image = request.getfixturevalue("lambda_images")["python"] if docker else UNBUILT_IMAGE
        command = [sys.executable, "-m", "lambda_dap", "invoke", *args, "--invoke-image", image, "--skip-pull-image"]
        completed = subprocess.run(
            command, capture_output=True, cwd=project, timeout=120, env=clean_environment(home, **(env or {}))
        )
        TRIED.append(case)
        return Run(completed.returncode, completed.stdout, completed.stderr.decode(errors="replace"))

    return run


def pytest_terminal_summary(terminalreporter) -> None:
    if TRIED:
        terminalreporter.write_line(f"bad inputs tried: {len(TRIED)}")
    if SIGNAL_COUNTS:
        counts = ", ".join(f"{name}: {count}" for name, count in SIGNAL_COUNTS.items())
        terminalreporter.write_line(f"signals at random moments: {counts}")
