"""Running `lambda-dap invoke` on tests/apps/extensions as a user does: a subprocess, timed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.invoke.conftest import clean_environment

APP = Path(__file__).resolve().parent.parent / "apps" / "extensions"
TEMPLATE = APP / "template.yaml"


@dataclass
class Run:
    code: int
    stdout: bytes
    stderr: str
    seconds: float  # wall time of the lambda-dap process

    @property
    def json(self):
        return json.loads(self.stdout)

    @property
    def lines(self) -> list[str]:
        return self.stderr.splitlines()

    def said(self, name: str, word: str) -> list[str]:
        """The rest of each stderr line where extension `name` printed `<name>: <word> ...` ("" when nothing follows).

        Not anchored at the line start: lambda-dap may prefix the lines of the processes it relays."""
        pattern = re.compile(rf"(?:^|[\s:]){re.escape(name)}: {re.escape(word)}(?: (.*))?$")
        return [match[1] or "" for line in self.lines if (match := pattern.search(line))]

    def index(self, text: str) -> int:
        """Index of the first stderr line containing `text` (fails the test when there is none)."""
        for number, line in enumerate(self.lines):
            if text in line:
                return number
        pytest.fail(f"no stderr line contains {text!r}:\n{self.stderr}", pytrace=False)

    def describe(self) -> str:
        return (
            f"exit {self.code} after {self.seconds:.1f} s\n--- stdout\n{self.stdout[:2000]!r}\n"
            f"--- stderr\n{self.stderr}"
        )


@pytest.fixture
def invoke_ext(tmp_path, lambda_images):
    """`lambda-dap invoke FUNCTION -t tests/apps/extensions/template.yaml ARGS` on the Lambda-like test image.

    `env_vars` becomes an --env-vars file for the function; `env` is added to lambda-dap's own environment."""
    home = tmp_path / "home"
    home.mkdir()

    def run(
        function: str,
        *args: str,
        env_vars: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Run:
        command = [
            sys.executable,
            "-m",
            "lambda_dap",
            "invoke",
            function,
            "-t",
            str(TEMPLATE),
            "--invoke-image",
            lambda_images["python"],
            "--skip-pull-image",
            *args,
        ]
        if env_vars:
            env_file = tmp_path / "env.json"
            env_file.write_text(json.dumps({function: env_vars}), encoding="utf-8")
            command += ["-n", str(env_file)]
        started = time.monotonic()
        completed = subprocess.run(
            command,
            capture_output=True,
            cwd=APP,
            timeout=timeout,
            env=clean_environment(home, **(env or {})),
            stdin=subprocess.DEVNULL,
        )
        return Run(
            completed.returncode,
            completed.stdout,
            completed.stderr.decode(errors="replace"),
            time.monotonic() - started,
        )

    return run
