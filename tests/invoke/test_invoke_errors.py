"""Bad input gives one `Error:` line naming what is wrong and where, a non-zero exit and no traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import SESSION_LABEL
from tests.invoke.conftest import KITCHEN, clean_environment, containers_gone, start_invoke

pytestmark = pytest.mark.docker

TEMPLATE = ["-t", str(KITCHEN / "template.yaml")]


def assert_one_line_error(run, *fragments: str, code: int = 1) -> str:
    assert run.code == code, (run.code, run.stderr)
    assert run.stdout == b""
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, run.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def test_missing_template(invoke_cli, tmp_path):
    run = invoke_cli("-t", str(tmp_path / "nope.yaml"))
    assert_one_line_error(run, "nope.yaml")


def test_default_template_missing_in_working_directory(invoke_cli, tmp_path):
    run = invoke_cli(cwd=tmp_path)
    assert_one_line_error(run, "template.yaml")


def test_malformed_template(invoke_cli, tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: [unclosed\n")
    assert_one_line_error(invoke_cli("-t", str(template)), "template.yaml")


def test_unknown_function_lists_the_ones_that_exist(invoke_cli):
    run = invoke_cli("Nope", *TEMPLATE)
    assert_one_line_error(run, "Nope", "Kitchen", "Short", "Layered")


def test_several_functions_need_an_identifier(invoke_cli):
    assert_one_line_error(invoke_cli(*TEMPLATE), "Kitchen", "Short")


def test_event_that_is_not_json(invoke_cli, event_file):
    assert_one_line_error(invoke_cli("Kitchen", *TEMPLATE, "-e", event_file("{not json", "bad.json")), "bad.json")


def test_event_file_missing(invoke_cli, tmp_path):
    assert_one_line_error(invoke_cli("Kitchen", *TEMPLATE, "-e", str(tmp_path / "gone.json")), "gone.json")


def test_malformed_env_vars_file(invoke_cli, tmp_path):
    env_file = tmp_path / "env.json"
    env_file.write_text(json.dumps({"Kitchen": "not an object"}))
    assert_one_line_error(invoke_cli("Kitchen", *TEMPLATE, "-n", str(env_file)), "env.json", "Kitchen")


def test_malformed_parameter_override(invoke_cli):
    run = invoke_cli("Kitchen", *TEMPLATE, "--parameter-overrides", "ParameterKey=Color,Oops")
    assert_one_line_error(run, "parameter", code=2)  # a bad command-line option value is a usage error


def test_missing_handler_file_is_reported_before_any_container_starts(invoke_cli, tmp_path):
    (tmp_path / "src").mkdir()
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      CodeUri: src/\n      Handler: missing.handler\n      Runtime: python3.11\n"
    )
    assert_one_line_error(invoke_cli("-t", str(template)), "missing", "Handler")


def test_image_missing_with_skip_pull_image(invoke_cli):
    run = invoke_cli("Kitchen", *TEMPLATE, image="lambda-dap-test/does-not-exist:1")
    assert_one_line_error(run, "lambda-dap-test/does-not-exist:1", "--skip-pull-image")


def test_docker_engine_not_running(invoke_cli, tmp_path):
    run = invoke_cli("Kitchen", *TEMPLATE, env={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"})
    assert_one_line_error(run, "Docker")


def test_debug_shows_the_traceback(invoke_cli):
    run = invoke_cli("Nope", *TEMPLATE, "--debug")
    assert run.code == 1
    assert "Traceback" in run.stderr


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_during_an_invocation_removes_the_container(tmp_path, lambda_images, docker_client, signum, code):
    home = tmp_path / "home"
    home.mkdir()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "sleep", "seconds": 60}))
    process = start_invoke(
        "Kitchen", *TEMPLATE, "-e", str(event), image=lambda_images["python"], env=clean_environment(home)
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if docker_client.api.containers(filters={"label": ["lambda-dap.function=Kitchen", SESSION_LABEL]}):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the function container never started")
        time.sleep(0.5)  # the handler is sleeping now
        os.kill(process.pid, signum)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == code, stderr.decode()
    assert stdout == b""
    assert "Traceback" not in stderr.decode()
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen")


def test_a_killed_lambda_daps_container_is_removed_by_the_next_run(tmp_path, lambda_images, docker_client, invoke_cli):
    """SIGKILL leaves no chance to clean up: a debugged container would wait for its debugger forever. The next
    lambda-dap on the machine removes it, since its owner process is gone."""
    home = tmp_path / "killed-home"
    home.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lambda_dap",
            "invoke",
            "Kitchen",
            *TEMPLATE,
            "-d",
            "0",
            "--invoke-image",
            lambda_images["python"],
            "--skip-pull-image",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_environment(home),
        cwd=KITCHEN,
    )
    mine = {"label": ["lambda-dap.function=Kitchen", SESSION_LABEL]}
    try:
        deadline = time.monotonic() + 30
        while not docker_client.api.containers(filters=mine) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert docker_client.api.containers(filters=mine), "the debugged container never started"
    finally:
        process.kill()
        process.communicate(timeout=10)
    assert docker_client.api.containers(filters=mine)  # left behind, waiting for a debugger
    assert invoke_cli("Short", *TEMPLATE, "--no-event").code == 0
    assert containers_gone(docker_client, "lambda-dap.function=Kitchen")
    left = Path(tempfile.gettempdir()).glob(f"lambda-dap-run-{process.pid}-*")
    assert not list(left), "the killed run's directory is still there"
