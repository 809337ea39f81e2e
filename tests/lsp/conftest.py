"""A real LSP client (pytest-lsp) over stdio against `python -m lambda_dap lsp`, on a copy of fixtures/: two
workspace folders, `app` (a clean project) and `broken` (every problem the server reports).

Each test runs with VS Code's, Neovim's and Emacs' recorded client capabilities (UTF-16, UTF-8 and UTF-32
positions). pytest-lsp comes with the test extra (scripts/setup); without it the tests skip locally and fail in CI.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest

try:
    import pytest_lsp
    from lsprotocol import types
    from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
except ImportError:  # pragma: no cover - scripts/setup installs it
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("pytest-lsp is not installed; run scripts/setup", allow_module_level=True)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CLIENTS = ["visual-studio-code", "neovim", "emacs"]
REPLY_TIMEOUT_S = 60  # a hang guard only: every wait is for a message


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES, root)
    return root


def _publish_diagnostics(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
    """pytest-lsp's own handler keeps the last diagnostics per URI; this one keeps their document version too."""
    client.diagnostics[params.uri] = params.diagnostics
    client.diagnostic_versions = {**getattr(client, "diagnostic_versions", {}), params.uri: params.version}


def _make_client() -> LanguageClient:
    from pygls.protocol import default_converter
    from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

    client = LanguageClient(converter_factory=default_converter)
    client.diagnostic_versions = {}
    register_lsp_features(
        client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _publish_diagnostics}
    )
    return client


SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "lambda_dap", "lsp", "--stdio"], client_factory=_make_client
)


@pytest_lsp.fixture(config=SERVER, params=CLIENTS)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest, workspace: Path):
    folders = [types.WorkspaceFolder(uri=(workspace / name).as_uri(), name=name) for name in ("app", "broken")]
    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            root_uri=workspace.as_uri(),
            workspace_folders=folders,
        )
    )
    lsp_client.init_result = result
    lsp_client.workspace_root = workspace
    yield
    await lsp_client.shutdown_session()


def encoding_of(client: LanguageClient) -> str:
    return client.init_result.capabilities.position_encoding or "utf-16"


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def range_of(client: LanguageClient, text: str, token: str, *, after: str = "", occurrence: int = 0) -> types.Range:
    """The range of `token` in `text` (the `occurrence`th after the first `after`), in the client's units."""
    start = text.index(after) if after else 0
    for _ in range(occurrence + 1):
        start = text.index(token, start)
        found = start
        start += 1
    return types.Range(start=position_at(client, text, found), end=position_at(client, text, found + len(token)))


def position_at(client: LanguageClient, text: str, offset: int) -> types.Position:
    line = text.count("\n", 0, offset)
    line_start = text.rfind("\n", 0, offset) + 1
    return types.Position(line=line, character=units(text[line_start:offset], encoding_of(client)))


def position_of(client: LanguageClient, text: str, token: str, *, after: str = "", within: int = 0) -> types.Position:
    """A position `within` characters into `token`."""
    start = text.index(token, text.index(after) if after else 0)
    return position_at(client, text, start + within)


async def open_document(client: LanguageClient, path: Path, language: str = "yaml") -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=path.read_text())
        )
    )
    await diagnostics_for(client, uri)
    return uri


async def diagnostics_for(client: LanguageClient, uri: str, version: int = 1) -> list[types.Diagnostic]:
    """The diagnostics published for `uri` at `version` (waits for that notification)."""

    async def published() -> list[types.Diagnostic]:
        while client.diagnostic_versions.get(uri) != version:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return list(client.diagnostics[uri])

    return await asyncio.wait_for(published(), REPLY_TIMEOUT_S)
