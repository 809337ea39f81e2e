"""A template with `Transform: AWS::LanguageExtensions` and Fn::ForEach loops: the loops' identifiers and the names
they generate are not reported as unknown; names outside the loops are still checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.lsp.conftest import LanguageClient, open_document, range_of

pytestmark = pytest.mark.asyncio
LOOPS = Path(__file__).resolve().parents[1] / "template" / "fixtures" / "language-extensions"


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
