"""Run the node end-to-end tests in tests/dap/e2e (`node --test`, TAP) from pytest and read their verdict.

node and the e2e package's node_modules come from scripts/setup. Without them the tests skip on a developer machine
and fail in CI (CI=true), like the Docker tests: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import unavailable

E2E_DIR = Path(__file__).resolve().parent / "e2e"
REPO_ROOT = E2E_DIR.parents[2]


@dataclass
class NodeRun:
    returncode: int
    tap: str  # the TAP report (stdout)
    stderr: str
    counts: dict[str, int]  # "tests", "pass", "fail", "cancelled", "skipped", "todo"
    diagnostics: list[str]  # the `t.diagnostic()` lines, in order


def run_node_tests(*files: str, env: dict[str, str] | None = None, timeout_s: float = 600) -> NodeRun:
    """`node --test` on `files` (paths relative to tests/dap/e2e); the adapter command goes in `env`."""
    node = shutil.which("node")
    if node is None:
        unavailable("node is not installed", "the end-to-end tests")
    if not (E2E_DIR / "node_modules" / "@vscode" / "debugadapter-testsupport").is_dir():
        unavailable(f"the e2e package's node_modules are missing in {E2E_DIR}", "the end-to-end tests")
    completed = subprocess.run(
        [node, "--test", "--test-reporter=tap", *files],
        cwd=E2E_DIR,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        stdin=subprocess.DEVNULL,
    )
    counts = {key: int(value) for key, value in re.findall(r"^# (\w+) (\d+)$", completed.stdout, re.MULTILINE)}
    diagnostics = [
        line[2:]
        for line in completed.stdout.splitlines()
        if line.startswith("# ") and not line.startswith("# Subtest") and not re.match(r"^# \w+ [\d.]+$", line)
    ]
    return NodeRun(completed.returncode, completed.stdout, completed.stderr, counts, diagnostics)


def assert_all_passed(run: NodeRun, expected_tests: int) -> None:
    """Every one of `expected_tests` node tests ran and passed (none skipped, cancelled or missing)."""
    report = f"\n--- TAP ---\n{run.tap[-20000:]}\n--- stderr ---\n{run.stderr[-5000:]}"
    assert run.returncode == 0, f"node --test exited {run.returncode}{report}"
    assert run.counts.get("fail") == 0 and run.counts.get("cancelled") == 0, report
    assert run.counts.get("skipped") == 0 and run.counts.get("todo") == 0, report
    assert run.counts.get("pass") == expected_tests == run.counts.get("tests"), report
