"""The node end-to-end harness proven against a real adapter before lambda-dap's exists: debugpy's own.

tests/dap/e2e/test/harness.test.js drives `python3 -m debugpy.adapter` through @vscode/debugadapter-testsupport's
DebugClient, every message checked against the DAP schema: a breakpoint in a local script, variables, step over,
continue, output, terminated, over stdio and TCP; and it shows that broken adapters (schema, seq, request_seq,
stray stdout, reverse requests) are caught.
"""

from __future__ import annotations

import sys

from tests.dap.node_tests import assert_all_passed, run_node_tests

HARNESS_TESTS = 8  # test/harness.test.js: 2 debugpy sessions (stdio, TCP), 5 broken adapters, 1 refused request


def test_the_node_harness_debugs_a_script_through_debugpys_adapter():
    run = run_node_tests("test/harness.test.js", env={"PYTHON": sys.executable})
    assert_all_passed(run, HARNESS_TESTS)
    assert any(line.startswith("stdio: validated ") for line in run.diagnostics), run.tap
