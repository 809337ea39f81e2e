"""Code lenses "Invoke" and "Debug" above each function of a template, and above each handler function a
workspace template names (in .py, .js, .mjs, .ts files)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from lambda_dap.lsp.commands import DEBUG_COMMAND, INVOKE_COMMAND, lens_arguments
from lambda_dap.lsp.handlers import definitions, handler_file, language_of, split_handler
from lambda_dap.lsp.kinds import HANDLER, TEMPLATE, document_kind
from lambda_dap.lsp.project import Project, uri_to_path
from lambda_dap.lsp.text import SourceText, Span

if TYPE_CHECKING:
    from lambda_dap.lsp.server import LambdaLanguageServer


def register(server: LambdaLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
    def code_lens(ls: LambdaLanguageServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        path = uri_to_path(params.text_document.uri)
        return code_lenses(ls.project, path) if path is not None else []


def code_lenses(project: Project, path: Path) -> list[types.CodeLens]:
    kind = document_kind(project, path)
    source = project.source(path)
    if source is None:
        return []
    if kind == TEMPLATE:
        model = project.model(path)
        targets = [(entry.key.span, path, entry.logical_id) for entry in model.functions] if model else []
        return list(_lenses(source, targets, named=False))
    if kind == HANDLER:
        targets = list(_handler_targets(project, path, source))
        names = [span for span, _, _ in targets]
        return list(_lenses(source, targets, named=len(names) != len(set(names))))
    return []


def _handler_targets(project: Project, path: Path, source: SourceText) -> Iterator[tuple[Span, Path, str]]:
    """(the handler function's name, template, logical ID) for each template function whose handler is here."""
    for model in project.models():
        for entry in model.functions:
            function = entry.function
            language = language_of(function.runtime) if function else None
            if language is None or function.handler is None or function.code_path is None:
                continue
            if handler_file(function.code_path, function.handler, language) != path:
                continue
            target = split_handler(function.handler, language)
            for definition in definitions(source.text, language, target.function)[:1]:
                yield Span(definition.offset, definition.offset + len(definition.name)), model.path, entry.logical_id


def _lenses(source: SourceText, targets: list[tuple[Span, Path, str]], *, named: bool) -> Iterator[types.CodeLens]:
    for span, template, logical_id in targets:
        suffix = f" {logical_id}" if named else ""
        for title, command in (("Invoke", INVOKE_COMMAND), ("Debug", DEBUG_COMMAND)):
            yield types.CodeLens(
                range=source.range(span),
                command=types.Command(
                    title=title + suffix, command=command, arguments=lens_arguments(template, logical_id)
                ),
            )
