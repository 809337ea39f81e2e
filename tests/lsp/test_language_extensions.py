"""A template with `Transform: AWS::LanguageExtensions` and Fn::ForEach loops: the loops' identifiers and the names
they generate are not reported as unknown; names outside the loops are still checked; the functions the loops
generate are functions for launch configurations (completion, go to definition), with a warning where the launch
does not expand the loops. Launch configurations may name CDK functions as `lambda-dap invoke` finds them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lsprotocol import types

from tests.lsp.conftest import LanguageClient, open_document, position_of, range_of
from tests.lsp.test_completion import complete_after, labels

pytestmark = pytest.mark.asyncio
TEMPLATE_FIXTURES = Path(__file__).resolve().parents[1] / "template" / "fixtures"
LOOPS = TEMPLATE_FIXTURES / "language-extensions"
CDK_APP = TEMPLATE_FIXTURES / "cdk-app"
TEMPLATE = "cdk.out/MyStack.template.json"
CDK_LOGICAL_IDS = "Hello4A628BD4, Thumbnailer6C1E2D3F"


async def test_loop_identifiers_are_not_unknown_names(client: LanguageClient) -> None:
    project = client.workspace_root / "app" / "loops"
    shutil.copytree(LOOPS, project)
    uri = await open_document(client, project / "template.yaml")

    assert list(client.diagnostics[uri]) == []


async def test_a_typo_outside_the_loops_is_still_reported(client: LanguageClient) -> None:
    project = client.workspace_root / "app" / "loops"
    shutil.copytree(LOOPS, project)
    template = project / "template.yaml"
    text = template.read_text().replace("IsProd: !Equals [!Ref Stage, prod]", "IsProd: !Equals [!Ref Stgae, prod]")
    template.write_text(text)
    uri = await open_document(client, template)

    assert [(d.code, d.range) for d in client.diagnostics[uri]] == [("unresolved-ref", range_of(client, text, "Stgae"))]


async def test_launch_configurations_name_cdk_functions_as_lambda_dap_invoke_finds_them(client: LanguageClient) -> None:
    project = client.workspace_root / "app" / "cdk"
    shutil.copytree(CDK_APP, project)
    launch = project / ".vscode" / "launch.json"
    launch.parent.mkdir()
    names = ["Hello", "MyStack/Hello", "Hello4A628BD4", "MyStack/Orders/ProcessOrder", "Goodbye"]
    configurations = [
        {
            "name": name,
            "type": "lambda",
            "request": "launch",
            "template": "${workspaceFolder}/" + TEMPLATE,
            "function": name,
        }
        for name in names
    ]
    launch.write_text(json.dumps({"version": "0.2.0", "configurations": configurations}, indent=4))
    uri = await open_document(client, launch, "jsonc")

    assert [d.message for d in client.diagnostics[uri]] == [
        f"function: no function 'Goodbye' in MyStack.template.json (functions: {CDK_LOGICAL_IDS})"
    ]


GENERATED = [
    "UsersFunction",
    "OrdersFunction",
    "WorkerBluehighpriority",
    "WorkerBluelowpriority",
    "WorkerGreenhighpriority",
    "WorkerGreenlowpriority",
]


def _loops_project(client: LanguageClient, configurations: list[dict]) -> Path:
    project = client.workspace_root / "app" / "loops"
    shutil.copytree(LOOPS, project)
    launch = project / ".vscode" / "launch.json"
    launch.parent.mkdir()
    launch.write_text(json.dumps({"version": "0.2.0", "configurations": configurations}, indent=4))
    return launch


def _launch(name: str, **extra: object) -> dict:
    return {"name": name, "type": "lambda", "request": "launch", "template": "${workspaceFolder}/template.yaml",
            "function": name, **extra}  # fmt: skip


async def test_functions_a_loop_generates_can_be_launched_when_the_launch_expands_loops(
    client: LanguageClient,
) -> None:
    launch = _loops_project(client, [_launch("UsersFunction", languageExtensions=True), _launch("Nope")])
    uri = await open_document(client, launch, "jsonc")

    assert [d.message for d in client.diagnostics[uri]] == [
        f"function: no function 'Nope' in template.yaml (functions: {', '.join(GENERATED)})"
    ]


async def test_a_generated_function_without_language_extensions_is_a_warning_saying_how(
    client: LanguageClient,
) -> None:
    launch = _loops_project(client, [_launch("WorkerGreenlowpriority")])
    uri = await open_document(client, launch, "jsonc")

    [warning] = client.diagnostics[uri]
    assert warning.severity == types.DiagnosticSeverity.Warning
    assert warning.message.startswith(
        "function: WorkerGreenlowpriority exists only once Fn::ForEach::Colours is expanded "
        '(AWS::LanguageExtensions): set "languageExtensions": true'
    )
    assert warning.range == range_of(client, launch.read_text(), "WorkerGreenlowpriority", occurrence=1)


async def test_completion_offers_the_functions_loops_generate(client: LanguageClient) -> None:
    launch = _loops_project(client, [{"name": "x", "type": "lambda", "request": "launch", "function": ""}])
    items, _ = await complete_after(client, launch, '"function": "', "")
    assert labels(items) == GENERATED


async def test_go_to_definition_of_a_generated_function_lands_in_its_loop(client: LanguageClient) -> None:
    launch = _loops_project(client, [_launch("OrdersFunction", languageExtensions=True)])
    await open_document(client, launch, "jsonc")
    text = launch.read_text()
    result = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=launch.as_uri()),
            position=position_of(client, text, "OrdersFunction", after='"function"'),
        )
    )
    locations = result if isinstance(result, list) else [result]
    template = (launch.parents[1] / "template.yaml").read_text()
    assert [location.uri for location in locations] == [(launch.parents[1] / "template.yaml").as_uri()]
    assert locations[0].range.start.line == template[: template.index("Fn::ForEach::Services")].count("\n")
