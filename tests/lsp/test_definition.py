"""Go to definition: `Handler:` to the handler function (Python `def`, JavaScript `export const`), `!Ref` /
`!GetAtt` to the parameter or resource, launch.json `function` to the resource."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from tests.lsp.conftest import LanguageClient, open_document, position_of, range_of

pytestmark = pytest.mark.asyncio


async def definition(client: LanguageClient, path: Path, token: str, within: int) -> list[types.Location]:
    uri = await open_document(client, path, "json" if path.suffix == ".json" else "yaml")
    result = await client.text_document_definition_async(
        types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(client, path.read_text(), token, within=within),
        )
    )
    return list(result or [])


async def test_python_handler(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    found = await definition(client, app / "template.yaml", "app.lambda_handler", within=6)
    source = app / "hello" / "app.py"
    assert found == [types.Location(uri=source.as_uri(), range=range_of(client, source.read_text(), "lambda_handler"))]


async def test_javascript_handler(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    found = await definition(client, app / "template.yaml", "index.handler", within=2)
    source = app / "node" / "index.mjs"
    expected = range_of(client, source.read_text(), "handler", after="export const")
    assert found == [types.Location(uri=source.as_uri(), range=expected)]


async def test_a_handler_that_is_not_there_has_no_definition(client: LanguageClient) -> None:
    assert await definition(client, client.workspace_root / "broken" / "template.yaml", "app.missing_handler", 3) == []


async def test_ref_to_its_parameter(client: LanguageClient) -> None:
    template = client.workspace_root / "app" / "template.yaml"
    found = await definition(client, template, "!Ref Greeting", within=6)
    text = template.read_text()
    assert found == [
        types.Location(uri=template.as_uri(), range=range_of(client, text, "Greeting", after="Parameters:"))
    ]


async def test_launch_json_function_to_the_resource(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    found = await definition(client, app / ".vscode" / "launch.json", '"function": "HelloFunction"', within=16)
    text = (app / "template.yaml").read_text()
    assert found == [
        types.Location(
            uri=(app / "template.yaml").as_uri(), range=range_of(client, text, "HelloFunction", after="Resources:")
        )
    ]
