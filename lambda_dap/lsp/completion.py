"""Completion: logical IDs and parameters after `!Ref`, `!GetAtt`, `${` and in launch.json `function` /
`logicalId`; handler names (`module.function`, from the files under the function's CodeUri); runtimes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from lambda_dap.lsp.handlers import handler_names, language_of
from lambda_dap.lsp.kinds import LAUNCH, TEMPLATE, document_kind
from lambda_dap.lsp.launch_checks import template_at
from lambda_dap.lsp.model import TemplateModel
from lambda_dap.lsp.project import Project, uri_to_path
from lambda_dap.lsp.text import SourceText, Span

if TYPE_CHECKING:
    from lambda_dap.lsp.server import LambdaLanguageServer

RUNTIMES = (
    "python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "python3.14",
    "nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x",
    "java8.al2", "java11", "java17", "java21",
    "dotnet8",
    "ruby3.2", "ruby3.3", "ruby3.4",
    "provided.al2", "provided.al2023",
)  # fmt: skip
TRIGGER_CHARACTERS = [" ", "{", '"', "[", ":"]

_REF = re.compile(r"""(?:!Ref\s+|\bRef['"]?\s*:\s*['"]?)([\w:]*)$""")
_GET_ATT = re.compile(r"""(?:!GetAtt\s+\[?\s*|Fn::GetAtt['"]?\s*:\s*\[?\s*['"]?)(\w*)$""")
_SUB = re.compile(r"\$\{([\w:.]*)$")
_FIND_IN_MAP = re.compile(r"""(?:!FindInMap\s*\[\s*|Fn::FindInMap['"]?\s*:\s*\[\s*['"]?)(\w*)$""")
_RUNTIME = re.compile(r"""\bRuntime['"]?\s*:\s*['"]?([\w.]*)$""")
_HANDLER = re.compile(r"""\bHandler['"]?\s*:\s*['"]?([\w./-]*)$""")
_LAUNCH_FUNCTION = re.compile(r'"(?:function|logicalId)"\s*:\s*"([^"]*)$')


def register(server: LambdaLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS))
    def completion(ls: LambdaLanguageServer, params: types.CompletionParams) -> types.CompletionList:
        path = uri_to_path(params.text_document.uri)
        items = completions(ls.project, path, params.position) if path is not None else []
        return types.CompletionList(is_incomplete=False, items=items)


def completions(project: Project, path: Path, position: types.Position) -> list[types.CompletionItem]:
    source = project.source(path)
    kind = document_kind(project, path)
    if source is None or kind not in (TEMPLATE, LAUNCH):
        return []
    offset = source.offset(position)
    prefix = source.line_prefix(offset)
    if kind == LAUNCH:
        match = _LAUNCH_FUNCTION.search(prefix)
        if match is None:
            return []
        model = template_at(project, path, source, offset)
        labels = [(entry.logical_id, entry.resource_type) for entry in model.functions] if model else []
        return _items(source, offset, match, labels, types.CompletionItemKind.Function)
    model = project.last_model(path)
    if model is None:
        return []
    for pattern, choices, item_kind in (
        (_REF, lambda: _ref_names(model), types.CompletionItemKind.Reference),
        (_SUB, lambda: _ref_names(model) + _attributes(model), types.CompletionItemKind.Reference),
        (_GET_ATT, lambda: _resources(model), types.CompletionItemKind.Reference),
        (_FIND_IN_MAP, lambda: [(str(name), "mapping") for name in _mappings(model)], types.CompletionItemKind.Enum),
        (_RUNTIME, lambda: [(runtime, "runtime") for runtime in RUNTIMES], types.CompletionItemKind.Value),
        (_HANDLER, lambda: _handlers(model, offset), types.CompletionItemKind.Function),
    ):
        match = pattern.search(prefix)
        if match is not None:
            return _items(source, offset, match, choices(), item_kind)
    return []


def _items(
    source: SourceText, offset: int, match: re.Match[str], labels: list[tuple[str, str]], kind: types.CompletionItemKind
) -> list[types.CompletionItem]:
    typed = match.group(1)
    edit_range = source.range(Span(offset - len(typed), offset))
    return [
        types.CompletionItem(
            label=label,
            kind=kind,
            detail=detail,
            text_edit=types.TextEdit(range=edit_range, new_text=label),
            sort_text=f"{index:04d}",
        )
        for index, (label, detail) in enumerate(labels)
    ]


def _ref_names(model: TemplateModel) -> list[tuple[str, str]]:
    from lambda_dap.lsp.template_checks import PSEUDO_PARAMETERS

    names = [(str(name), "parameter") for name in model.parameters]
    names += _resources(model)
    return names + [(name, "pseudo parameter") for name in PSEUDO_PARAMETERS]


def _resources(model: TemplateModel) -> list[tuple[str, str]]:
    return [
        (str(name), str(resource.get("Type", "resource")) if isinstance(resource, dict) else "resource")
        for name, resource in model.resources.items()
    ]


def _attributes(model: TemplateModel) -> list[tuple[str, str]]:
    return [(f"{entry.logical_id}.Arn", "the function's ARN") for entry in model.functions]


def _mappings(model: TemplateModel) -> list[str]:
    mappings = model.data.get("Mappings")
    return list(mappings) if isinstance(mappings, dict) else []


def _handlers(model: TemplateModel, offset: int) -> list[tuple[str, str]]:
    entry = next((e for e in model.functions if offset in e.node.span or offset in e.key.span), None)
    if entry is None or entry.function is None or entry.function.code_path is None:
        return []
    language = language_of(entry.function.runtime)
    if language is None:
        return []
    return [
        (name, f"handler in {entry.function.code_path.name}/")
        for name in handler_names(entry.function.code_path, language)
    ]
