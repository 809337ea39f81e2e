"""Go to definition: from a function's `Handler:` to the handler function in its source file; from `!Ref` /
`!GetAtt` names to the parameter or resource; from launch.json `function` / `logicalId` to the resource."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from lambda_dap.lsp.handlers import find_definition, handler_file, language_of, split_handler
from lambda_dap.lsp.kinds import LAUNCH, TEMPLATE, document_kind
from lambda_dap.lsp.launch_checks import template_at
from lambda_dap.lsp.model import TemplateModel
from lambda_dap.lsp.project import Project, path_to_uri, uri_to_path
from lambda_dap.lsp.text import SourceText, Span

if TYPE_CHECKING:
    from lambda_dap.lsp.server import LambdaLanguageServer


def register(server: LambdaLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: LambdaLanguageServer, params: types.DefinitionParams) -> list[types.Location]:
        path = uri_to_path(params.text_document.uri)
        return definitions_at(ls.project, path, params.position) if path is not None else []


def definitions_at(project: Project, path: Path, position: types.Position) -> list[types.Location]:
    kind = document_kind(project, path)
    if kind == LAUNCH:
        source = project.source(path)
        offset = source.offset(position)
        model = template_at(project, path, source, offset)
        name = _launch_function_at(source, offset)
        entry = model.find(name) if model is not None and name else None
        return [_location(model.path, model.source, entry.key.span)] if entry else []
    if kind != TEMPLATE:
        return []
    model = project.model(path)
    if model is None:
        return []
    offset = model.source.offset(position)
    return _handler_definition(model, offset) or _reference_definition(model, offset)


def _handler_definition(model: TemplateModel, offset: int) -> list[types.Location]:
    for entry in model.functions:
        node = entry.property_node(model, "Handler")
        function = entry.function
        if node is None or offset not in node.span or function is None or not function.handler:
            continue
        language = language_of(function.runtime)
        if language is None or function.code_path is None or node is not entry.node.at(("Properties", "Handler")):
            continue
        path = handler_file(function.code_path, function.handler, language)
        target = split_handler(function.handler, language)
        found = find_definition(path, target.function, language) if path is not None and target else None
        if found is None:
            return []
        text, definition = found
        return [
            _location(
                path,
                SourceText(text, model.source.codec),
                Span(definition.offset, definition.offset + len(definition.name)),
            )
        ]
    return []


def _reference_definition(model: TemplateModel, offset: int) -> list[types.Location]:
    for node in reversed(model.root.chain_at(offset)):
        call = node.intrinsic()
        if call is None or call[0] not in ("Ref", "Fn::GetAtt"):
            continue
        argument = call[1]
        name = argument.text if argument.kind == "scalar" else (argument.value[0].text if argument.value else None)
        if name and call[0] == "Fn::GetAtt":
            name = name.split(".", 1)[0]
        for section in ("Parameters", "Resources"):
            key = model.root.key_at((section, name)) if name else None
            if key is not None:
                return [_location(model.path, model.source, key.span)]
        return []
    return []


def _launch_function_at(source: SourceText, offset: int) -> str | None:
    import re

    line_start = offset - len(source.line_prefix(offset))
    line_end = source.text.find("\n", offset)
    line = source.text[line_start : line_end if line_end >= 0 else len(source.text)]
    match = re.search(r'"(?:function|logicalId)"\s*:\s*"([^"]*)"', line)
    if match and line_start + match.start(1) <= offset <= line_start + match.end(1):
        return match.group(1)
    return None


def _location(path: Path, source: SourceText, span: Span) -> types.Location:
    return types.Location(uri=path_to_uri(path), range=source.range(span))
