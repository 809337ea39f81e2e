"""The options SAM 1.170 added, as a user types them: exit codes, the one `Error:` line, `--save-params` for real."""

from __future__ import annotations

import shutil

import pytest

from tests.invoke.conftest import APPS, KITCHEN

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

TEMPLATE = ["-t", str(KITCHEN / "template.yaml")]


@pytest.fixture
def tenants(tmp_path):
    project = tmp_path / "tenants"
    shutil.copytree(APPS / "tenants", project)
    return project


def error_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


@pytest.mark.docker
def test_save_params_writes_samconfig_and_the_next_run_reads_it(invoke_cli, tenants, lambda_images):
    (tenants / "event.json").write_text('{"orders": [7]}')
    first = invoke_cli("OrdersFunction", "--tenant-id", "acme", "-e", "event.json", "--save-params", cwd=tenants)
    assert first.code == 0, first.stderr
    assert "Saved parameters to config file 'samconfig.toml' under environment 'default': {" in first.stderr
    document = tomllib.loads((tenants / "samconfig.toml").read_text())
    assert document["version"] == 0.1
    assert document["default"]["local_invoke"]["parameters"] == {
        "function_logical_id": "OrdersFunction",
        "tenant_id": "acme",
        "event": "event.json",
        "invoke_image": [lambda_images["python"]],
        "skip_pull_image": True,
    }
    assert document["default"]["global"]["parameters"] == {"region": "us-east-1"}
    second = invoke_cli(image="", cwd=tenants)  # nothing on the command line: all of it from samconfig.toml
    assert second.code == 0, second.stderr
    assert second.json == {"tenant": "acme", "orders": [7]}
    assert "Saved parameters" not in second.stderr


@pytest.mark.docker
def test_beta_features_and_language_extensions_are_accepted(invoke_cli):
    run = invoke_cli(
        "Kitchen", *TEMPLATE, "--beta-features", "--no-language-extensions", "--container-host", "localhost"
    )
    assert run.code == 0, run.stderr


@pytest.mark.parametrize(
    ("args", "code", "line"),
    [
        (["--skip-prepare-infra"], 2, "Error: --skip-prepare-infra: Missing option --hook-name"),
        (["--terraform-plan-file", "plan.json"], 2, "Error: --terraform-plan-file: Missing option --hook-name"),
        (
            ["--hook-name", "cdk"],
            2,
            "Error: --hook-name: cdk is not a valid hook name. valid package ids: ['terraform']",
        ),
        (
            ["--hook-name", "terraform", *TEMPLATE],
            2,
            "Error: Parameters hook-name, and t,template-file,template,parameter-overrides cannot be used together",
        ),
        (["--tenant-id", "a" * 257, *TEMPLATE], 2, "Error: --tenant-id: must be between 1 and 256 characters"),
        (
            ["--container-host", "-d", *TEMPLATE],
            2,
            "Error: --container-host: '-d' is not a host name or IP address "
            "(expected e.g. localhost or host.docker.internal)",
        ),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(invoke_cli, tmp_path, args, code, line):
    run = invoke_cli(*args, image="", cwd=tmp_path)
    assert (run.code, error_line(run.stderr)) == (code, line), run.stderr
    assert run.stdout == b""


def test_the_terraform_hook_says_lambda_dap_does_not_run_terraform(invoke_cli, tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_lambda_function" "fn" {}\n')
    run = invoke_cli("--hook-name", "terraform", image="", cwd=tmp_path)
    assert run.code == 1
    assert error_line(run.stderr) == (
        "Error: --hook-name terraform: lambda-dap does not run Terraform (SAM's prepare hook); "
        "run `sam build --hook-name terraform` first, then invoke again (it uses .aws-sam/build/template.yaml)"
    )


def test_a_durable_execution_name_for_a_durable_function_is_one_clear_line(invoke_cli, tmp_path):
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Orders:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: app.h, Runtime: python3.11, DurableConfig: {ExecutionTimeout: 3600}}\n"
    )
    (tmp_path / "app.py").write_text("def h(event, context):\n    return event\n")
    run = invoke_cli("--durable-execution-name", "order-1", image="", cwd=tmp_path)
    assert run.code == 1
    assert error_line(run.stderr) == (
        "Error: --durable-execution-name order-1: template.yaml: Resources.Orders.Properties.DurableConfig makes it "
        "a durable function; lambda-dap does not emulate durable executions (SAM runs them in its durable execution "
        "emulator)"
    )


def test_help_lists_every_option_of_sam_local_invoke(invoke_cli):
    run = invoke_cli("--help", image="")
    for option in (
        "--tenant-id",
        "--durable-execution-name",
        "--mount-symlinks / --no-mount-symlinks",
        "--language-extensions / --no-language-extensions",
        "--container-host TEXT",
        "--container-host-interface",
        "--save-params",
        "--beta-features / --no-beta-features",
        "--hook-name",
        "--skip-prepare-infra / --prepare-infra",
        "--terraform-plan-file",
    ):
        assert option in run.stdout.decode(), option
