"""Completion of logical IDs and parameters (`!Ref`, `!GetAtt`, `${`), runtimes, handler names from the CodeUri's
files, and launch.json `function` / `logicalId`."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from tests.lsp.conftest import LanguageClient, diagnostics_for, open_document, position_at

pytestmark = pytest.mark.asyncio


async def complete_after(client: LanguageClient, path: Path, before: str, typed: str) -> tuple[list, str]:
    """Type `typed` right after the first `before` of the file, then ask for completions at the cursor."""
    uri = await open_document(client, path, "json" if path.suffix == ".json" else "yaml")
    original = path.read_text()
    cut = original.index(before) + len(before)
    text = original[:cut] + typed + original[cut:]
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await diagnostics_for(client, uri, version=2)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=position_at(client, text, cut + len(typed))
        )
    )
    return result.items, text


def labels(items: list[types.CompletionItem]) -> list[str]:
    return [item.label for item in items]


async def test_ref_offers_parameters_resources_and_pseudo_parameters(client: LanguageClient) -> None:
    template = client.workspace_root / "app" / "template.yaml"
    items, text = await complete_after(client, template, "GREETING: !Ref ", "Gr")
    assert labels(items)[:4] == ["Stage", "Greeting", "HelloFunction", "NodeFunction"]
    assert "AWS::Region" in labels(items)
    edit = items[1].text_edit
    cursor = text.index("GREETING: !Ref ") + len("GREETING: !Ref ")
    assert (edit.range.start, edit.range.end, edit.new_text) == (
        position_at(client, text, cursor),
        position_at(client, text, cursor + 2),
        "Greeting",
    )


async def test_get_att_offers_resources(client: LanguageClient) -> None:
    template = client.workspace_root / "app" / "template.yaml"
    items, _ = await complete_after(client, template, "TARGET: !GetAtt ", "")
    assert labels(items) == ["HelloFunction", "NodeFunction"]
    assert items[0].detail == "AWS::Serverless::Function"


async def test_sub_variables(client: LanguageClient) -> None:
    template = client.workspace_root / "app" / "template.yaml"
    items, _ = await complete_after(client, template, 'QUEUE: !Sub "${AWS::StackName}-${', "")
    assert {"Stage", "Greeting", "AWS::AccountId", "HelloFunction.Arn"} <= set(labels(items))


async def test_runtimes(client: LanguageClient) -> None:
    template = client.workspace_root / "app" / "template.yaml"
    items, _ = await complete_after(client, template, "      Runtime: ", "nodejs2")
    assert {"python3.12", "nodejs20.x", "nodejs22.x", "java21", "provided.al2023"} <= set(labels(items))


async def test_handler_names_from_the_functions_code(client: LanguageClient) -> None:
    template = client.workspace_root / "app" / "template.yaml"
    items, _ = await complete_after(client, template, "CodeUri: hello/\n      Handler: ", "app.")
    assert labels(items) == ["app.helper", "app.lambda_handler"]
    items, _ = await complete_after(client, template, "CodeUri: node/\n      Handler: ", "")
    assert labels(items) == ["index.handler", "index.other"]


async def test_launch_json_function_names(client: LanguageClient) -> None:
    launch = client.workspace_root / "app" / ".vscode" / "launch.json"
    items, _ = await complete_after(client, launch, '"function": "', "")
    assert labels(items) == ["HelloFunction", "NodeFunction"]
