"""A problem found in a document: where (a span), what (one line), how bad, and the field it concerns."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from lambda_dap.lsp.text import SourceText, Span

ERROR = types.DiagnosticSeverity.Error
WARNING = types.DiagnosticSeverity.Warning
SOURCE = "lambda-dap"


@dataclass(frozen=True)
class Problem:
    span: Span
    message: str
    code: str  # a stable name, e.g. "handler-not-found"
    severity: types.DiagnosticSeverity = ERROR
    field: str = ""  # the field path, e.g. "Resources.Hello.Properties.Handler"

    def diagnostic(self, text: SourceText) -> types.Diagnostic:
        return types.Diagnostic(
            range=text.range(self.span),
            message=self.message,
            severity=self.severity,
            code=self.code,
            source=SOURCE,
            data={"field": self.field} if self.field else None,
        )


def field_text(path: tuple[str | int, ...] | list[str | int]) -> str:
    """("Resources", "A", "Layers", 0) -> "Resources.A.Layers[0]"."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse_field(text: str) -> tuple[str | int, ...]:
    """The inverse of field_text."""
    parts: list[str | int] = []
    for piece in text.split("."):
        name, _, rest = piece.partition("[")
        if name:
            parts.append(name)
        for index in filter(None, rest.replace("]", "").split("[")) if rest else ():
            parts.append(int(index) if index.isdigit() else index)
    return tuple(parts)
