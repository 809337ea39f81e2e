"""Diagnostics: every problem of every open template, launch.json and env-vars file, published at once whenever
any document opens, changes or is saved (a template edit changes what its env.json and launch.json mean)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from lambda_dap.lsp.kinds import ENV_VARS, LAUNCH, TEMPLATE, document_kind
from lambda_dap.lsp.model import TemplateModel, TemplateSyntaxError
from lambda_dap.lsp.problems import Problem
from lambda_dap.lsp.project import Project, path_to_uri, uri_to_path
from lambda_dap.lsp.text import Span

if TYPE_CHECKING:
    from pathlib import Path

    from lambda_dap.lsp.server import LambdaLanguageServer


def register(server: LambdaLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LambdaLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        publish_all(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LambdaLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        publish_all(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LambdaLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        publish_all(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LambdaLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )
        publish_all(ls)


def publish_all(ls: LambdaLanguageServer) -> None:
    project = ls.project
    for path in project.open_paths():
        uri = path_to_uri(path)
        version = ls.workspace.get_text_document(uri).version
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=document_diagnostics(project, path), version=version)
        )


def document_diagnostics(project: Project, path: Path) -> list[types.Diagnostic]:
    source = project.source(path)
    if source is None:
        return []
    return [problem.diagnostic(source) for problem in document_problems(project, path)]


def document_problems(project: Project, path: Path) -> list[Problem]:
    kind = document_kind(project, path)
    source = project.source(path)
    if source is None or kind is None:
        return []
    if kind == TEMPLATE:
        from lambda_dap.lsp.template_checks import template_problems

        result = project.model_or_error(path)
        if isinstance(result, TemplateSyntaxError):
            at = max(0, min(result.offset, len(source.text.rstrip()) - 1))  # past the end: the last character
            return [Problem(Span(at, at + 1), str(result), "template-syntax")]
        return template_problems(result) if isinstance(result, TemplateModel) else []
    if kind == LAUNCH:
        from lambda_dap.lsp.launch_checks import launch_problems

        return launch_problems(project, path, source)
    if kind == ENV_VARS:
        from lambda_dap.lsp.envvars_checks import envvars_problems

        return envvars_problems(project, path, source)
    return []


__all__ = ["document_diagnostics", "publish_all", "register", "uri_to_path"]
