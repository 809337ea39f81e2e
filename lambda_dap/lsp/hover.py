"""Hover over `!Ref`, `!Sub`, `!FindInMap` and `!GetAtt` (short or long form): the value it has locally, from
parameter Defaults (and samconfig.toml's parameter_overrides), pseudo parameters and Mappings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from lambda_dap.lsp.kinds import TEMPLATE, document_kind
from lambda_dap.lsp.model import TemplateModel
from lambda_dap.lsp.nodes import Node, data
from lambda_dap.lsp.project import Project, uri_to_path
from lambda_dap.template.intrinsics import NO_VALUE, intrinsic_name

if TYPE_CHECKING:
    from lambda_dap.lsp.server import LambdaLanguageServer

HOVERED = ("Ref", "Fn::Sub", "Fn::FindInMap", "Fn::GetAtt")


def register(server: LambdaLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: LambdaLanguageServer, params: types.HoverParams) -> types.Hover | None:
        path = uri_to_path(params.text_document.uri)
        return hover_at(ls.project, path, params.position) if path is not None else None


def hover_at(project: Project, path: Path, position: types.Position) -> types.Hover | None:
    if document_kind(project, path) != TEMPLATE:
        return None
    model = project.model(path)
    if model is None or model.resolver is None:
        return None
    offset = model.source.offset(position)
    node = next((n for n in reversed(model.root.chain_at(offset)) if _call(n) in HOVERED), None)
    if node is None:
        return None
    written = data(node)
    value = model.resolver.resolve(written)
    text = f"`{_written(model, node)}`\n\n"
    if value is NO_VALUE:
        text += "→ `AWS::NoValue`: the property is removed"
    elif intrinsic_name(value) is not None:
        text += f"cannot be resolved locally{_why(model, written)}"
    else:
        text += f"→ `{_shown(value)}`{_origin(model, written)}"
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=model.source.range(node.span)
    )


def _call(node: Node) -> str | None:
    call = node.intrinsic()
    return call[0] if call else None


def _written(model: TemplateModel, node: Node) -> str:
    text = model.source.text[node.start : node.end].strip()
    first = text.splitlines()[0] if text else ""
    return first if len(first) <= 80 else first[:77] + "..."


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _origin(model: TemplateModel, written: Any) -> str:
    if not (isinstance(written, dict) and isinstance(written.get("Ref"), str)):
        return ""
    name = written["Ref"]
    if name in model.overrides:
        return f"\n\n{name}: parameter_overrides in samconfig.toml"
    if name.startswith("AWS::"):
        return f"\n\n{name}: pseudo parameter, as `lambda-dap invoke` sets it"
    if name in model.parameters:
        return f"\n\n{name}: the parameter's Default"
    if name in model.resources:
        return f"\n\n{name}: a resource; locally its logical ID"
    return ""


def _why(model: TemplateModel, written: Any) -> str:
    name = written.get("Ref") if isinstance(written, dict) else None
    if isinstance(name, str) and name in model.parameters:
        return f": parameter {name} has no Default (give it one, or --parameter-overrides {name}=VALUE)"
    return " (it needs a value only CloudFormation knows)"
