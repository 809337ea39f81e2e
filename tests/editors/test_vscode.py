"""editors/vscode: the extension's node tests (`node --test`, TAP), run from pytest on the compiled extension.

The extension (out/, compiled here with the package's own tsc) is loaded by node with a fake `vscode` module, since
no VS Code can be installed here: the manifest and snippets against both schemas, the descriptor factory's command
lines, the configuration provider, Invoke again, the language client's set-up; then DAP sessions over the exact
command line the factory returns (`python3 -m lambda_dap --stdio` through lambdaDap.executable) with
@vscode/debugadapter-testsupport's DebugClient. node and editors/vscode/node_modules come from scripts/setup:
without them these tests skip on a developer machine and fail in CI (CI=true).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import unavailable

REPO = Path(__file__).resolve().parents[2]
VSCODE_DIR = REPO / "editors" / "vscode"
NODE_TESTS = {  # file -> how many tests it holds
    "test/manifest.test.js": 7,
    "test/factory.test.js": 10,
    "test/configurations.test.js": 8,
    "test/invoke-again.test.js": 6,
    "test/dap-session.test.js": 3,
}
DOCKER_NODE_TESTS = {"test/dap-breakpoint.test.js": 1}


@dataclass
class NodeRun:
    returncode: int
    tap: str
    stderr: str
    counts: dict[str, int]  # "tests", "pass", "fail", "cancelled", "skipped", "todo"


def node_tool(name: str) -> str:
    """The path of `name` (node, npm) or unavailable(); the package's node_modules must be installed too."""
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} is not installed", "the VS Code extension's tests")
    for package in ("typescript", "@vscode/vsce", "@vscode/debugadapter-testsupport", "ajv", "vscode-languageclient"):
        if not (VSCODE_DIR / "node_modules" / package / "package.json").is_file():
            unavailable(f"{VSCODE_DIR / 'node_modules' / package} is missing", "the VS Code extension's tests")
    return path


def compile_extension() -> None:
    """tsc -p editors/vscode: out/ from the current sources (a type error fails here, with tsc's message)."""
    node = node_tool("node")
    tsc = VSCODE_DIR / "node_modules" / "typescript" / "bin" / "tsc"
    completed = subprocess.run(
        [node, str(tsc), "-p", "."],
        cwd=VSCODE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert completed.returncode == 0, f"tsc failed:\n{completed.stdout}\n{completed.stderr}"


def run_node_tests(files: list[str], env: dict[str, str], timeout_s: float = 900) -> NodeRun:
    node = node_tool("node")
    completed = subprocess.run(
        [node, "--test", "--test-reporter=tap", *files],
        cwd=VSCODE_DIR,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        stdin=subprocess.DEVNULL,
    )
    counts = {key: int(value) for key, value in re.findall(r"^# (\w+) (\d+)$", completed.stdout, re.MULTILINE)}
    return NodeRun(completed.returncode, completed.stdout, completed.stderr, counts)


def assert_all_passed(run: NodeRun, expected: int) -> None:
    """All `expected` node tests ran and passed: none failed, skipped, cancelled or missing."""
    report = f"\n--- TAP ---\n{run.tap[-20000:]}\n--- stderr ---\n{run.stderr[-5000:]}"
    assert run.returncode == 0, f"node --test exited {run.returncode}{report}"
    for outcome in ("fail", "cancelled", "skipped", "todo"):
        assert run.counts.get(outcome) == 0, f"{outcome}: {run.counts.get(outcome)}{report}"
    assert run.counts.get("pass") == expected == run.counts.get("tests"), report


def adapter_executable() -> str:
    """lambdaDap.executable as a user of a virtualenv would set it: this Python with `-m lambda_dap`."""
    return f"{shlex.quote(sys.executable)} -m lambda_dap"


@pytest.fixture(scope="module")
def compiled() -> None:
    compile_extension()


def test_the_extension_in_node_with_a_fake_vscode_and_a_real_adapter(compiled):
    run = run_node_tests(list(NODE_TESTS), {"LAMBDA_DAP_EXECUTABLE": adapter_executable()})
    assert_all_passed(run, sum(NODE_TESTS.values()))


@pytest.mark.docker
def test_f5_on_the_hello_example_hits_a_breakpoint_and_invoke_again_hits_it_again(compiled, lambda_images):
    run = run_node_tests(
        list(DOCKER_NODE_TESTS),
        {"LAMBDA_DAP_EXECUTABLE": adapter_executable(), "LAMBDA_DAP_PYTHON_IMAGE": lambda_images["python"]},
    )
    assert_all_passed(run, sum(DOCKER_NODE_TESTS.values()))
    assert "breakpoint hit twice in one container" in run.tap, run.tap
