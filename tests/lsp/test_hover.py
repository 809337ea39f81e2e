"""Hover over `!Ref`, `!Sub`, `!FindInMap`, `!GetAtt`: the value each has locally."""

from __future__ import annotations

import pytest
from lsprotocol import types

from tests.lsp.conftest import LanguageClient, open_document, position_of, range_of

pytestmark = pytest.mark.asyncio


async def hover(client: LanguageClient, token: str, *, within: int = 2, folder: str = "app") -> types.Hover | None:
    template = client.workspace_root / folder / "template.yaml"
    uri = await open_document(client, template)
    position = position_of(client, template.read_text(), token, within=within)
    return await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )


async def test_ref_to_a_parameter_shows_its_default(client: LanguageClient) -> None:
    result = await hover(client, "!Ref Greeting")
    text = (client.workspace_root / "app" / "template.yaml").read_text()
    assert result.contents.value == "`!Ref Greeting`\n\n→ `Hello`\n\nGreeting: the parameter's Default"
    assert result.range == range_of(client, text, "!Ref Greeting")


async def test_sub_with_pseudo_parameters_and_parameters(client: LanguageClient) -> None:
    result = await hover(client, '!Sub "${AWS::StackName}', within=8)
    assert "→ `local-dev-queue`" in result.contents.value


async def test_find_in_map_through_a_nested_ref(client: LanguageClient) -> None:
    result = await hover(client, "!FindInMap [StageConfig", within=3)
    assert "→ `items-dev`" in result.contents.value


async def test_hover_inside_a_nested_ref_shows_the_ref(client: LanguageClient) -> None:
    result = await hover(client, "!Ref Stage, TableName", within=6)
    assert result.contents.value.startswith("`!Ref Stage`\n\n→ `dev`")


async def test_get_att_of_a_function_is_its_local_arn(client: LanguageClient) -> None:
    result = await hover(client, "TARGET: !GetAtt", within=10)
    assert "→ `arn:aws:lambda:" in result.contents.value and ":function:HelloFunction`" in result.contents.value


async def test_samconfig_parameter_overrides_win_over_defaults(client: LanguageClient) -> None:
    app = client.workspace_root / "app"
    (app / "samconfig.toml").write_text(
        'version = 0.1\n[default.local_invoke.parameters]\nparameter_overrides = "Greeting=Bonjour"\n'
    )
    result = await hover(client, "!Ref Greeting")
    assert "→ `Bonjour`" in result.contents.value and "samconfig.toml" in result.contents.value


async def test_an_unresolvable_ref_says_so(client: LanguageClient) -> None:
    result = await hover(client, "!Ref Stgae", folder="broken")
    assert "cannot be resolved locally" in result.contents.value


async def test_no_hover_on_plain_values(client: LanguageClient) -> None:
    assert await hover(client, "Timeout: 10", within=1) is None
