"""A template with `Transform: AWS::LanguageExtensions` and Fn::ForEach loops: the loops' identifiers and the names
they generate are not reported as unknown; names outside the loops are still checked. Launch configurations may
name CDK functions as `lambda-dap invoke` finds them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.lsp.conftest import LanguageClient, open_document, range_of

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
