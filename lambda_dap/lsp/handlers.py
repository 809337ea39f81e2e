"""Handler strings (`app.lambda_handler`, `src/index.handler`) to source files and the functions they define.

Python: a top-level `def NAME` / `async def NAME` (or `NAME = ...`). JavaScript and TypeScript: `exports.NAME =`,
`module.exports.NAME =`, `export const|let|var NAME`, `export [async] function NAME`, `export { x as NAME }`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PYTHON_SUFFIXES = (".py",)
NODE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")
_SKIPPED_DIRS = {"node_modules", "__pycache__", ".aws-sam", ".git", ".venv", "venv", "dist", "build"}

_PYTHON_DEF = r"^(?:async[ \t]+)?def[ \t]+(?P<name>{name})[ \t]*\(|^(?P<alias>{name})[ \t]*(?::[^=\n]*)?=(?!=)"
_NODE_DEFS = (
    r"\b(?:module\.)?exports\.(?P<name>{name})[ \t]*=(?!=)",
    r"\bexport[ \t]+(?:const|let|var)[ \t]+(?P<name>{name})\b",
    r"\bexport[ \t]+(?:default[ \t]+)?(?:async[ \t]+)?function\*?[ \t]*(?P<name>{name})[ \t]*[(<]",
    r"\bexport[ \t]*\{{[^}}]*?\b(?:\w+[ \t]+as[ \t]+)?(?P<name>{name})\b[ \t]*(?:,|\}})",
    r"\bmodule\.exports[ \t]*=[ \t]*\{{[^}}]*?\b(?P<name>{name})\b[ \t]*(?::|,|\}})",
)
_IDENTIFIER = r"[A-Za-z_$][\w$]*"


def language_of(runtime: str | None) -> str | None:
    """ "python" or "node" for runtimes whose handlers name a source file, else None."""
    if runtime and runtime.startswith("python"):
        return "python"
    if runtime and runtime.startswith("nodejs"):
        return "node"
    return None


def suffixes(language: str) -> tuple[str, ...]:
    return PYTHON_SUFFIXES if language == "python" else NODE_SUFFIXES


@dataclass(frozen=True)
class HandlerTarget:
    """Where a handler string points: the candidate file stems and the function name."""

    module: str  # "app", "pkg/mod", "src/index"
    function: str


def split_handler(handler: str, language: str) -> HandlerTarget | None:
    module, dot, function = handler.rpartition(".")
    if not dot or not module or not function:
        return None
    if language == "python":
        module = module.replace(".", "/")
    return HandlerTarget(module, function)


def handler_file(code_dir: Path, handler: str, language: str) -> Path | None:
    """The existing source file a handler names, or None."""
    target = split_handler(handler, language)
    if target is None:
        return None
    base = code_dir / target.module
    candidates = [base.with_name(base.name + suffix) for suffix in suffixes(language)]
    if language == "python":
        candidates.append(base / "__init__.py")
    return next((path for path in candidates if path.is_file()), None)


def compiled_module(code_dir: Path, handler: str) -> Path | None:
    """A compiled extension module (`app.cpython-311-x86_64-linux-gnu.so`, `app.abi3.so`, `app.so`) a Python
    handler names: it imports as well as a source file, but its functions cannot be read."""
    target = split_handler(handler, "python")
    if target is None:
        return None
    base = code_dir / target.module
    try:
        return next((path for path in base.parent.glob(f"{base.name}*.so") if path.is_file()), None)
    except OSError:
        return None


@dataclass(frozen=True)
class Definition:
    name: str
    offset: int  # of the name in the file's text


def definitions(text: str, language: str, name: str | None = None) -> list[Definition]:
    """The handler-capable functions `text` defines (only `name`, when given), in text order."""
    pattern = re.escape(name) if name else _IDENTIFIER
    if language == "python":
        regexes = [re.compile(_PYTHON_DEF.format(name=pattern), re.MULTILINE)]
    else:
        regexes = [re.compile(source.format(name=pattern)) for source in _NODE_DEFS]
    found: dict[str, Definition] = {}
    for regex in regexes:
        for match in regex.finditer(text):
            group = "name" if match.group("name") else "alias"
            if language == "python" and group == "alias" and match.group("alias").startswith("_"):
                continue
            definition = Definition(match.group(group), match.start(group))
            if definition.name not in found or definition.offset < found[definition.name].offset:
                found[definition.name] = definition
    return sorted(found.values(), key=lambda d: d.offset)


def find_definition(path: Path, name: str, language: str) -> tuple[str, Definition] | None:
    """(the file's text, the definition of `name`) or None."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    found = definitions(text, language, name)
    return (text, found[0]) if found else None


def handler_names(code_dir: Path, language: str, limit: int = 200) -> list[str]:
    """Every `module.function` a handler could name under `code_dir` (two directory levels deep)."""
    names: list[str] = []
    if not code_dir.is_dir():
        return names
    for path in sorted(_source_files(code_dir, suffixes(language), depth=2)):
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        relative = path.relative_to(code_dir).with_suffix("")
        if language == "python":
            if relative.name == "__init__":
                relative = relative.parent
            module = ".".join(relative.parts)
        else:
            module = relative.as_posix()
        if not module:
            continue
        names.extend(f"{module}.{definition.name}" for definition in definitions(text, language))
        if len(names) >= limit:
            break
    return names[:limit]


def _source_files(directory: Path, wanted: tuple[str, ...], depth: int) -> list[Path]:
    files: list[Path] = []
    try:
        entries = list(directory.iterdir())
    except OSError:
        return files
    for entry in entries:
        if entry.is_dir() and depth > 0 and entry.name not in _SKIPPED_DIRS and not entry.name.startswith("."):
            files.extend(_source_files(entry, wanted, depth - 1))
        elif entry.is_file() and entry.suffix in wanted and not entry.name.endswith(".d.ts"):
            files.append(entry)
    return files
