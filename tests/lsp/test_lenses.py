"""Code lenses: "Invoke" and "Debug" above each template function and above each handler function a template
names, with the command and arguments the lens runs."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.lsp.conftest import LanguageClient, open_document, range_of

pytestmark = pytest.mark.asyncio


async def lenses(client: LanguageClient, uri: str) -> list[types.CodeLens]:
    return await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


def summary(found: list[types.CodeLens]) -> list[tuple[types.Range, str, str, list]]:
    return [(lens.range, lens.command.title, lens.command.command, list(lens.command.arguments)) for lens in found]


async def test_template_lenses_above_every_function(client: LanguageClient) -> None:
    template = client.workspace_root / "app" / "template.yaml"
    uri = await open_document(client, template)
    text = template.read_text()
    args = {name: [{"template": uri, "function": name}] for name in ("HelloFunction", "NodeFunction")}
    hello, node = (range_of(client, text, f"{name}:", after="Resources:") for name in args)
    hello.end.character -= 1
    node.end.character -= 1
    assert summary(await lenses(client, uri)) == [
        (hello, "Invoke", "lambda-dap.invoke", args["HelloFunction"]),
        (hello, "Debug", "lambda-dap.debug", args["HelloFunction"]),
        (node, "Invoke", "lambda-dap.invoke", args["NodeFunction"]),
        (node, "Debug", "lambda-dap.debug", args["NodeFunction"]),
    ]


async def test_python_handler_lenses_on_the_handler_only(client: LanguageClient) -> None:
    handler = client.workspace_root / "app" / "hello" / "app.py"
    uri = await open_document(client, handler, "python")
    template_uri = (client.workspace_root / "app" / "template.yaml").as_uri()
    where = range_of(client, handler.read_text(), "lambda_handler")
    arguments = [{"template": template_uri, "function": "HelloFunction"}]
    assert summary(await lenses(client, uri)) == [
        (where, "Invoke", "lambda-dap.invoke", arguments),
        (where, "Debug", "lambda-dap.debug", arguments),
    ]


async def test_javascript_handler_lenses(client: LanguageClient) -> None:
    handler = client.workspace_root / "app" / "node" / "index.mjs"
    uri = await open_document(client, handler, "javascript")
    where = range_of(client, handler.read_text(), "handler", after="export const")
    found = summary(await lenses(client, uri))
    assert [(r, title) for r, title, _, _ in found] == [(where, "Invoke"), (where, "Debug")]
    assert found[0][3] == [
        {"template": (client.workspace_root / "app" / "template.yaml").as_uri(), "function": "NodeFunction"}
    ]


async def test_a_handler_two_functions_share_names_each(client: LanguageClient) -> None:
    handler = client.workspace_root / "broken" / "hello" / "app.py"
    uri = await open_document(client, handler, "python")
    titles = [lens.command.title for lens in await lenses(client, uri)]
    assert titles == [
        "Invoke NoCodeUriFunction",
        "Debug NoCodeUriFunction",
        "Invoke RefsFunction",
        "Debug RefsFunction",
    ]


async def test_the_server_announces_its_commands(client: LanguageClient) -> None:
    provider = client.init_result.capabilities.execute_command_provider
    assert sorted(provider.commands) == ["lambda-dap.debug", "lambda-dap.invoke"]
