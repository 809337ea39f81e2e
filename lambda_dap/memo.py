"""Small JSON memos lambda-dap keeps between runs (under ~/.cache/lambda-dap): read leniently, written whole."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any


def read_memo(path: Path) -> Any:
    """The memo's JSON value; None when it is missing or unreadable (a memo is only ever a shortcut)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_memo(path: Path, value: Any) -> None:
    """Replace the memo at once (a staging file renamed over it: readers never see half of it); a failure to write
    is no error (the next run finds out again)."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{path.name}.{os.getpid()}")
        staging.write_text(json.dumps(value))
        os.replace(staging, path)
