"""Field paths inside a template, for one-line error messages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lambda_dap.errors import TemplateError

_SHOWN_CHARS = 80


def show(value: Any) -> str:
    """A short one-line rendering of a template value for an error message."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


@dataclass(frozen=True)
class FieldPath:
    """A field of a template file, e.g. `template.yaml` + `Resources.Hello.Properties.Timeout`."""

    source: str  # the template file as shown to users
    path: str = ""

    def child(self, key: str | int) -> FieldPath:
        if isinstance(key, int):
            return FieldPath(self.source, f"{self.path}[{key}]")
        return FieldPath(self.source, f"{self.path}.{key}" if self.path else key)

    def error(self, expected: str) -> TemplateError:
        """A TemplateError naming the file, this field and what is expected there."""
        where = f"{self.source}: {self.path}" if self.path else self.source
        return TemplateError(f"{where}: {expected}")
