"""`lambda-dap invoke` end to end: a real Docker engine, the Lambda-like test image, real awslambdaric."""

from __future__ import annotations

import json
import re

import pytest

from tests.invoke.conftest import KITCHEN

pytestmark = pytest.mark.docker

TEMPLATE = ["-t", str(KITCHEN / "template.yaml")]


def test_result_on_stdout_and_platform_lines_on_stderr(invoke_cli, event_file):
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "echo", "n": 1}))
    assert run.code == 0, run.stderr
    assert run.json["event"] == {"action": "echo", "n": 1}
    request_id = run.json["requestId"]
    assert f"START RequestId: {request_id} Version: $LATEST" in run.stderr
    assert f"END RequestId: {request_id}" in run.stderr
    report = re.search(
        rf"REPORT RequestId: {request_id}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 256 MB\tMax Memory Used: (\d+) MB\tInit Duration: [\d.]+ ms",
        run.stderr,
    )
    assert report, run.stderr
    assert 1 <= int(report[1]) < 256  # measured in the container, not the configured size
    assert run.stderr.index("START") < run.stderr.index("END") < run.stderr.index("REPORT")


def test_result_bytes_are_kept_as_the_function_returned_them(invoke_cli, event_file):
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "echo"}))
    assert not run.stdout.endswith(b"\n")
    assert run.stdout.startswith(b'{"event": {"action": "echo"}')


def test_event_from_stdin(invoke_cli):
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", "-", stdin=b'{"action": "echo", "from": "stdin"}')
    assert run.code == 0, run.stderr
    assert run.json["event"]["from"] == "stdin"


def test_no_event_sends_an_empty_object(invoke_cli):
    run = invoke_cli("Kitchen", *TEMPLATE)
    assert run.code == 0, run.stderr
    assert run.json["event"] == {}
    assert invoke_cli("Kitchen", *TEMPLATE, "--no-event").json["event"] == {}


def test_handler_output_goes_to_stderr_and_stdout_stays_the_result(invoke_cli, event_file):
    event = event_file({"action": "print", "stdout": "to-out", "stderr": "to-err"})
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event)
    assert run.code == 0, run.stderr
    assert run.stdout == b'"printed"'
    assert "to-out" in run.stderr and "to-err" in run.stderr
    assert run.stderr.index("to-out") < run.stderr.index("END RequestId")


def test_utf8_payload_round_trips(invoke_cli, event_file):
    text = "héllo wörld ✓ 你好 🚀"
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "echo", "text": text}))
    assert run.code == 0, run.stderr
    assert json.loads(run.stdout.decode("utf-8"))["event"]["text"] == text


def test_six_megabyte_result(invoke_cli, event_file):
    size = 6 * 1024 * 1024 - 10
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "big", "size": size}))
    assert run.code == 0, run.stderr[-2000:]
    assert len(run.stdout) == size + 2  # a JSON string: the quotes


def test_result_over_lambdas_limit_is_a_function_error(invoke_cli, event_file):
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "big", "size": 6_400_000}))
    assert run.code == 3
    assert run.json["errorType"] == "Function.ResponseSizeTooLarge"


def test_function_error_prints_lambdas_error_document_and_exits_3(invoke_cli, event_file):
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "raise", "message": "bad input"}))
    assert run.code == 3
    assert run.json["errorType"] == "ValueError"
    assert run.json["errorMessage"] == "bad input"
    assert any("app.py" in frame for frame in run.json["stackTrace"])
    assert "[ERROR] ValueError: bad input" in run.stderr
    assert "END RequestId" in run.stderr


def test_timeout_exits_4_with_lambdas_message(invoke_cli, event_file):
    run = invoke_cli("Short", *TEMPLATE, "-e", event_file({"action": "sleep", "seconds": 30}))
    assert run.code == 4, run.stderr
    assert "Task timed out after 1.00 seconds" in run.stderr
    assert run.json["errorType"] == "Sandbox.Timedout"
    assert re.search(r"REPORT RequestId: \S+\tDuration: 1\d{3}\.\d\d ms", run.stderr), run.stderr


def test_init_error_is_a_function_error(invoke_cli):
    run = invoke_cli("Broken", *TEMPLATE)
    assert run.code == 3
    assert run.json["errorType"] == "Runtime.ImportModuleError"
    assert "module_that_does_not_exist" in run.json["errorMessage"]


def test_runtime_crash_is_a_function_error(invoke_cli, event_file):
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "exit", "code": 7}))
    assert run.code == 3
    assert run.json["errorType"] == "Runtime.ExitError"
    assert "exit status 7" in run.json["errorMessage"]
    lines = run.stderr.splitlines()  # what Lambda logs: the message, then the type, before END
    end = next(index for index, line in enumerate(lines) if line.startswith("END RequestId: "))
    assert lines[end - 2] == run.json["errorMessage"] and lines[end - 1] == "Runtime.ExitError", run.stderr


def test_memory_size_is_the_containers_limit(invoke_cli, event_file):
    run = invoke_cli("Small", *TEMPLATE, "-e", event_file({"action": "alloc", "mb": 400}))
    assert run.code == 3, run.stderr
    assert run.json["errorType"] == "Runtime.OutOfMemory"
    fits = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "alloc", "mb": 100}))
    assert fits.code == 0, fits.stderr
    used = int(re.search(r"Max Memory Used: (\d+) MB", fits.stderr)[1])
    assert 100 <= used <= 256


def test_context_matches_the_function(invoke_cli, event_file):
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "context"}), "--region", "eu-west-1")
    assert run.code == 0, run.stderr
    context = run.json
    assert context["function_name"] == "Kitchen"
    assert context["memory_limit_in_mb"] == "256"
    assert context["invoked_function_arn"] == "arn:aws:lambda:eu-west-1:123456789012:function:kitchen-sink"
    assert 8_000 < context["remaining_ms"] <= 10_000


def test_environment_follows_sams_precedence(invoke_cli, event_file, tmp_path):
    env_file = tmp_path / "env.json"
    env_file.write_text(
        json.dumps(
            {
                "Parameters": {"STAGE": "from-parameters", "GLOBAL_EXTRA": "g"},
                "Kitchen": {"FROM_TEMPLATE": "from-file", "UNDECLARED": "applied"},
            }
        )
    )
    names = [
        "STAGE",
        "FROM_TEMPLATE",
        "COLOR",
        "SHELL_OVERRIDABLE",
        "REGION_SEEN",
        "UNDECLARED",
        "GLOBAL_EXTRA",
        "AWS_SAM_LOCAL",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_TIMEOUT",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "NOT_IN_TEMPLATE_FROM_SHELL",
    ]
    run = invoke_cli(
        "Kitchen",
        *TEMPLATE,
        "-n",
        str(env_file),
        "-e",
        event_file({"action": "env", "names": names}),
        "--parameter-overrides",
        "Color=blue",
        env={"SHELL_OVERRIDABLE": "from-shell", "NOT_IN_TEMPLATE_FROM_SHELL": "leak", "AWS_REGION": "ap-south-1"},
    )
    assert run.code == 0, run.stderr
    seen = run.json
    assert seen["STAGE"] == "from-parameters"
    assert seen["FROM_TEMPLATE"] == "from-file"
    assert seen["COLOR"] == "it is blue"
    assert seen["SHELL_OVERRIDABLE"] == "from-shell"
    assert seen["REGION_SEEN"] == "ap-south-1/123456789012"
    assert seen["UNDECLARED"] == "applied"
    assert seen["NOT_IN_TEMPLATE_FROM_SHELL"] is None
    assert seen["AWS_SAM_LOCAL"] == "true"
    assert seen["AWS_LAMBDA_FUNCTION_NAME"] == "Kitchen"
    assert seen["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert seen["AWS_LAMBDA_FUNCTION_TIMEOUT"] == "10"
    assert seen["AWS_REGION"] == "ap-south-1"
    assert seen["AWS_ACCESS_KEY_ID"] == "defaultkey"


def test_profile_credentials_reach_the_function_and_never_the_logs(invoke_cli, event_file, tmp_path):
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[dev]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s3cr3t-value\naws_session_token = tok3n\n"
    )
    config = tmp_path / "config"
    config.write_text("[profile dev]\nregion = eu-central-1\n")
    names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION"]
    run = invoke_cli(
        "Kitchen",
        *TEMPLATE,
        "--profile",
        "dev",
        "--debug",
        "-e",
        event_file({"action": "env", "names": names}),
        env={"AWS_SHARED_CREDENTIALS_FILE": str(credentials), "AWS_CONFIG_FILE": str(config)},
    )
    assert run.code == 0, run.stderr
    assert run.json == {
        "AWS_ACCESS_KEY_ID": "AKIDPROFILE",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t-value",
        "AWS_SESSION_TOKEN": "tok3n",
        "AWS_REGION": "eu-central-1",
    }
    assert "s3cr3t-value" not in run.stderr and "tok3n" not in run.stderr


def test_local_layer_is_under_opt(invoke_cli, event_file):
    run = invoke_cli("Layered", *TEMPLATE, "-e", event_file({"action": "layer"}))
    assert run.code == 0, run.stderr
    assert run.json == "hello from the layer"


def test_log_file_receives_the_logs(invoke_cli, event_file, tmp_path):
    log_file = tmp_path / "invoke.log"
    run = invoke_cli(
        "Kitchen",
        *TEMPLATE,
        "-l",
        str(log_file),
        "-e",
        event_file({"action": "print", "stdout": "logged-line", "stderr": "err-line"}),
    )
    assert run.code == 0, run.stderr
    logged = log_file.read_text()
    assert "logged-line" in logged and "START RequestId" in logged and "REPORT RequestId" in logged
    assert "printed" not in logged


def test_samconfig_supplies_defaults_and_the_command_line_wins(invoke_cli, event_file, tmp_path, lambda_images):
    config = tmp_path / "samconfig.toml"
    config.write_text(
        'version = 0.1\n[default.local_invoke.parameters]\nparameter_overrides = "Color=blue"\n'
        f'invoke_image = "{lambda_images["python"]}"\nskip_pull_image = true\n'
        '[ci.local_invoke.parameters]\nparameter_overrides = "Stage=from-ci-env"\n'
    )
    event = event_file({"action": "env", "names": ["COLOR", "STAGE"]})
    run = invoke_cli("Kitchen", *TEMPLATE, "--config-file", str(config), "-e", event, image="")
    assert run.code == 0, run.stderr
    assert run.json == {"COLOR": "it is blue", "STAGE": "test"}
    run = invoke_cli("Kitchen", *TEMPLATE, "--config-file", str(config), "--config-env", "ci", "-e", event)
    assert run.json == {"COLOR": "it is red", "STAGE": "from-ci-env"}


def test_plain_python_image_gets_lambda_daps_runtime_client(invoke_cli, event_file, lambda_images):
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "context"}), image=lambda_images["plain"])
    assert run.code == 0, run.stderr
    assert run.json["function_name"] == "Kitchen"
    failed = invoke_cli(
        "Kitchen", *TEMPLATE, "-e", event_file({"action": "raise", "message": "plain"}), image=lambda_images["plain"]
    )
    assert failed.code == 3
    assert failed.json["errorType"] == "ValueError"


def test_image_function_runs_its_images_entrypoint(invoke_cli, event_file, tmp_path, lambda_images):
    template = tmp_path / "template.yaml"
    template.write_text(f"""
Resources:
  ImageFunction:
    Type: AWS::Serverless::Function
    Properties:
      PackageType: Image
      ImageUri: {lambda_images["python"]}
      ImageConfig:
        Command: ["app.handler"]
    Metadata:
      DockerContext: .
""")
    run = invoke_cli("-t", str(template), "-e", event_file({"action": "echo"}), image="")
    # The image has no app.py of its own: the handler import fails inside the image's real entrypoint.
    assert run.code == 3
    assert run.json["errorType"] == "Runtime.ImportModuleError"
