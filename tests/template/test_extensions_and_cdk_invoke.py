"""`lambda-dap invoke` on real containers: a function Fn::ForEach generates, by its expanded logical ID, and a
cdk.out function by its construct path, with its layer asset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.invoke import conftest as invoke_conftest

from .conftest import FIXTURES

APP = FIXTURES / "language-extensions"
CDK_OUT = FIXTURES / "cdk-app" / "cdk.out"
ON = {"SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS": "1"}
invoke_cli = invoke_conftest.invoke_cli  # the fixture `lambda-dap invoke` runs through

pytestmark = pytest.mark.docker


def test_a_function_foreach_generates_runs_by_its_expanded_logical_id(invoke_cli, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"id": 42}), encoding="utf-8")

    run = invoke_cli("OrdersFunction", "-e", str(event), "--parameter-overrides", "Stage=prod", cwd=APP, env=ON)

    assert run.code == 0, run.stderr
    assert run.json == {
        "handler": "Orders",  # services/Orders/app.py: CodeUri services/${Service}
        "service": "Orders",
        "services": 2,
        "stage": "prod",
        "table": "prod-Orders-table",
        "settings": {"service": "Orders", "stage": "prod", "retries": 3},
        "event": {"id": 42},
    }


def test_a_nested_loop_function_runs_and_without_the_switch_it_does_not_exist(invoke_cli) -> None:
    run = invoke_cli("WorkerGreenlowpriority", cwd=APP, env=ON)

    assert run.code == 0, run.stderr
    assert run.json == {"colour": "Green", "queue": "low-priority", "messages": 0}

    off = invoke_cli("WorkerGreenlowpriority", cwd=APP)

    assert off.code == 1
    assert "Resources.Fn::ForEach::Services, Resources.Fn::ForEach::Colours: not expanded" in off.stderr
    assert "Error: Function 'WorkerGreenlowpriority' not found in template: template.yaml." in off.stderr


@pytest.mark.parametrize("identifier", ["MyStack/Hello", "Hello"])
def test_a_cdk_function_runs_by_its_construct_path_with_its_layer_asset(invoke_cli, identifier: str) -> None:
    run = invoke_cli(identifier, "-t", "MyStack.template.json", "--event", "-", stdin=b'{"name": "cdk"}', cwd=CDK_OUT)

    assert run.code == 0, run.stderr
    assert run.json["statusCode"] == 200
    assert json.loads(run.json["body"]) == {
        "message": "*** hello from cdk ***",  # greetings.py from the SharedLayer asset, on /opt/python
        "name": "cdk",
        "table": "GreetingsTableB2D3E4F5",
    }


def test_a_function_of_a_cdk_nested_stack_runs_by_its_construct_path(invoke_cli) -> None:
    run = invoke_cli(
        "MyStack/Orders/ProcessOrder",
        "-t",
        "MyStack.template.json",
        "--event",
        "-",
        stdin=b'{"orderId": "o-1"}',
        cwd=CDK_OUT,
    )

    assert run.code == 0, run.stderr
    assert run.json == {"processed": "o-1", "stage": "orders"}


def test_the_flag_turns_expansion_on_and_off_over_the_variable(invoke_cli) -> None:
    on = invoke_cli("WorkerGreenlowpriority", "--language-extensions", cwd=APP)

    assert on.code == 0, on.stderr
    assert on.json["colour"] == "Green"

    off = invoke_cli("WorkerGreenlowpriority", "--no-language-extensions", cwd=APP, env=ON)

    assert off.code == 1
    assert "not found in template" in off.stderr
