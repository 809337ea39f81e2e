"""lambda-dap end to end through a real DAP client: @vscode/debugadapter-testsupport's DebugClient, real containers.

tests/dap/e2e/test/lambda.test.js: `--stdio` with both launch configuration shapes (`type: lambda` flat fields, the
AWS Toolkit's `aws-sam` invokeTarget sent as `direct-invoke`), breakpoint at the handler's local line, variables,
step over, continue, stdout/stderr/console output, exited, terminated, no container left 2 s after; then `--port`
with four sessions at once. Every message both ways is checked against the DAP JSON schema, the adapter's seqs and
request_seqs too. (Reverse requests, which DebugClient cannot answer, are tested with tests/dap/client.py.)
"""

from __future__ import annotations

import shlex
import sys

import pytest

from tests.dap.node_tests import assert_all_passed, run_node_tests

pytestmark = pytest.mark.docker

LAMBDA_TESTS = 3  # two --stdio sessions (one per configuration shape), one --port run of four sessions


def test_a_real_dap_client_debugs_functions_in_containers_through_lambda_dap(lambda_images):
    adapter = f"{shlex.quote(sys.executable)} -m lambda_dap"
    run = run_node_tests(
        "test/lambda.test.js",
        env={
            "LAMBDA_DAP_ADAPTER": f"{adapter} --stdio",
            "LAMBDA_DAP_SERVER": adapter,
            "LAMBDA_DAP_PYTHON_IMAGE": lambda_images["python"],
        },
    )
    assert_all_passed(run, LAMBDA_TESTS)
    assert sum("launch to breakpoint" in line for line in run.diagnostics) == LAMBDA_TESTS, run.tap
