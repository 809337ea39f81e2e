"""`workspace/executeCommand` `lambda-dap.debug` / `lambda-dap.invoke`: the launch configuration written into
.vscode/launch.json (created, or merged keeping comments and other entries) and returned for the client to start."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from lambda_dap.dap.launch import launch_configuration_errors, parse_launch_arguments
from lambda_dap.lsp.jsonc import parse_jsonc
from lambda_dap.lsp.nodes import data
from tests.lsp.conftest import LanguageClient

pytestmark = pytest.mark.asyncio


async def run(client: LanguageClient, command: str, **argument: object) -> dict:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=[argument])
    )


def read_jsonc(path: Path) -> dict:
    return data(parse_jsonc(path.read_text()))


async def test_debug_merges_into_launch_json_keeping_comments_and_entries(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    launch = app / ".vscode" / "launch.json"
    before = read_jsonc(launch)["configurations"]
    result = await run(client, "lambda-dap.debug", template=(app / "template.yaml").as_uri(), function="NodeFunction")
    expected = {
        "name": "Debug NodeFunction",
        "type": "lambda",
        "request": "launch",
        "template": "${workspaceFolder}/template.yaml",
        "function": "NodeFunction",
    }
    assert result == {
        "configuration": expected,
        "launchJson": launch.as_uri(),
        "workspaceFolder": app.as_uri(),
        "written": True,
    }
    text = launch.read_text()
    assert "// lambda-dap configurations; the comment stays" in text
    assert read_jsonc(launch)["configurations"] == [*before, expected]


async def test_the_same_name_again_replaces_its_entry(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    template = (app / "template.yaml").as_uri()
    await run(client, "lambda-dap.debug", template=template, function="HelloFunction")
    await run(client, "lambda-dap.debug", template=template, function="HelloFunction")
    names = [config["name"] for config in read_jsonc(app / ".vscode" / "launch.json")["configurations"]]
    assert names == ["Debug HelloFunction", "Python: current file"]


async def test_invoke_creates_launch_json_with_no_debug(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    shutil.rmtree(app / ".vscode")
    result = await run(client, "lambda-dap.invoke", template=str(app / "template.yaml"), function="HelloFunction")
    document = json.loads((app / ".vscode" / "launch.json").read_text())
    assert document == {"version": "0.2.0", "configurations": [result["configuration"]]}
    assert result["configuration"]["noDebug"] is True
    assert result["configuration"]["name"] == "Invoke HelloFunction"


async def test_the_written_configuration_is_one_the_adapter_accepts(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    result = await run(client, "lambda-dap.invoke", template=(app / "template.yaml").as_uri(), function="NodeFunction")
    config = result["configuration"]
    assert launch_configuration_errors(config) == []
    parsed = parse_launch_arguments(config, command="launch", cwd=app)
    assert parsed.no_debug is True
    assert (parsed.options["template_file"], parsed.options["function_identifier"]) == (
        str(app / "template.yaml"),
        "NodeFunction",
    )


async def test_write_false_only_returns_the_configuration(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    before = (app / ".vscode" / "launch.json").read_text()
    result = await run(
        client, "lambda-dap.debug", template=(app / "template.yaml").as_uri(), function="HelloFunction", write=False
    )
    assert result["written"] is False and result["configuration"]["function"] == "HelloFunction"
    assert (app / ".vscode" / "launch.json").read_text() == before


async def test_an_unknown_function_is_an_error_answer(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    with pytest.raises(JsonRpcException) as caught:
        await run(client, "lambda-dap.debug", template=(app / "template.yaml").as_uri(), function="Nope")
    assert caught.value.message == (
        "lambda-dap.debug: function: no function 'Nope' in template.yaml (HelloFunction, NodeFunction)"
    )


async def test_a_launch_json_that_is_not_json_is_left_alone(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    launch = app / ".vscode" / "launch.json"
    launch.write_text('{"configurations": [\n  {"name": \n')
    with pytest.raises(JsonRpcException) as caught:
        await run(client, "lambda-dap.debug", template=(app / "template.yaml").as_uri(), function="HelloFunction")
    assert caught.value.message.startswith(f"{launch}:2: invalid JSON (expected a value)")
    assert launch.read_text() == '{"configurations": [\n  {"name": \n'
