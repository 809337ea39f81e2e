"""The examples users copy: fenced blocks of README.md and editors/**/*.md, and example files under examples/
and editors/. Each schema test validates every one it finds of its kind."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
_FENCE = re.compile(r"^(?P<fence>```+|~~~+)[ \t]*(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=fence)[ \t]*$", re.M | re.S)
_SKIPPED = {"node_modules", ".git", "out", "dist", ".aws-sam"}


def markdown_files() -> list[Path]:
    files = [REPO / "README.md"]
    editors = REPO / "editors"
    if editors.is_dir():
        files += sorted(path for path in editors.rglob("*.md") if not _SKIPPED & set(path.parts))
    return [path for path in files if path.is_file()]


def fenced_blocks(languages: tuple[str, ...]) -> Iterator[tuple[str, str, str]]:
    """(where, the text before the block, the block) for fenced blocks in one of `languages`."""
    for path in markdown_files():
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            if match.group("lang").lower() in languages:
                line = text.count("\n", 0, match.start()) + 1
                before = text[max(0, match.start() - 300) : match.start()]
                yield f"{path.relative_to(REPO)}:{line}", before, match.group("body")


def example_files(patterns: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for top in ("examples", "editors"):
        root = REPO / top
        if root.is_dir():
            for pattern in patterns:
                found += [path for path in root.rglob(pattern) if not _SKIPPED & set(path.relative_to(root).parts)]
    return sorted(set(found))


def json_documents(root: Path) -> Iterator[tuple[str, Any]]:
    """Every JSON file under `root` (package.json snippets, launch.json examples), parsed."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*.json")):
        if _SKIPPED & set(path.relative_to(root).parts) or path.name in ("package-lock.json", "tsconfig.json"):
            continue
        try:
            yield str(path.relative_to(REPO)), json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue


def values_of_key(document: Any, key: str) -> Iterator[Any]:
    """Every value of `key` anywhere in a JSON document."""
    if isinstance(document, dict):
        for name, value in document.items():
            if name == key:
                yield value
            yield from values_of_key(value, key)
    elif isinstance(document, list):
        for item in document:
            yield from values_of_key(item, key)
