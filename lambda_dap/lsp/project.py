"""The workspace as the features see it: document texts (the editor's when open, else the disk's), template
models (cached by text), the templates under the workspace folders, and which files belong to which template."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import Workspace

from lambda_dap.lsp.model import TEMPLATE_NAMES, TemplateModel, TemplateSyntaxError, build_model, looks_like_template
from lambda_dap.lsp.text import UTF16, SourceText

_SKIPPED_DIRS = {"node_modules", "__pycache__", ".aws-sam", ".git", ".venv", "venv", ".tox", "cdk.out", "dist"}
_SCAN_DEPTH = 4
ENV_VARS_NAMES = ("env.json", "env-vars.json", "env_vars.json")


def uri_to_path(uri: str) -> Path | None:
    path = to_fs_path(uri)
    return Path(os.path.abspath(path)) if path else None


def path_to_uri(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


class Project:
    """Read access to the workspace; cheap to ask repeatedly (models are cached by text)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._models: dict[Path, tuple[str, TemplateModel | TemplateSyntaxError]] = {}
        self._last_good: dict[Path, TemplateModel] = {}

    # --- texts ---

    @property
    def codec(self):  # the negotiated position encoding
        return getattr(self.workspace, "position_codec", UTF16)

    def open_paths(self) -> list[Path]:
        paths = (uri_to_path(uri) for uri in self.workspace.text_documents)
        return [path for path in paths if path is not None]

    def text(self, path: Path) -> str | None:
        uri = path_to_uri(path)
        if uri in self.workspace.text_documents:
            return self.workspace.get_text_document(uri).source
        try:
            return path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None

    def source(self, path: Path) -> SourceText | None:
        text = self.text(path)
        return None if text is None else SourceText(text, self.codec)

    # --- templates ---

    def model(self, path: Path) -> TemplateModel | None:
        """The template's model, or None when it is missing or does not parse."""
        result = self.model_or_error(path)
        return result if isinstance(result, TemplateModel) else None

    def model_or_error(self, path: Path) -> TemplateModel | TemplateSyntaxError | None:
        text = self.text(path)
        if text is None:
            return None
        cached = self._models.get(path)
        if cached is not None and cached[0] == text:
            return cached[1]
        try:
            result: TemplateModel | TemplateSyntaxError = build_model(path, text, SourceText(text, self.codec))
        except TemplateSyntaxError as error:
            result = error
        self._models[path] = (text, result)
        if isinstance(result, TemplateModel):
            self._last_good[path] = result
        return result

    def last_model(self, path: Path) -> TemplateModel | None:
        """The model of the text now, else of the last text that parsed (completion while typing)."""
        return self.model(path) or self._last_good.get(path)

    def is_template(self, path: Path) -> bool:
        text = self.text(path)
        return text is not None and looks_like_template(path, text)

    def folders(self) -> list[Path]:
        folders = [uri_to_path(folder.uri) for folder in self.workspace.folders.values()]
        roots = [folder for folder in folders if folder is not None]
        if not roots and self.workspace.root_path:
            roots = [Path(os.path.abspath(self.workspace.root_path))]
        return roots

    def folder_of(self, path: Path) -> Path:
        """The workspace folder holding `path` (the innermost), else its own directory."""
        holding = [folder for folder in self.folders() if _is_under(path, folder)]
        return max(holding, key=lambda folder: len(folder.parts)) if holding else path.parent

    def templates(self) -> list[Path]:
        """Templates under the workspace folders (default names) and open documents that are templates."""
        found: dict[Path, None] = {}
        for folder in self.folders():
            for path in _scan(folder, TEMPLATE_NAMES, _SCAN_DEPTH):
                found[path] = None
        for path in self.open_paths():
            if path.suffix.lower() in (".yaml", ".yml", ".json", ".template") and self.is_template(path):
                found[path] = None
        return list(found)

    def models(self) -> Iterator[TemplateModel]:
        for path in self.templates():
            model = self.model(path)
            if model is not None:
                yield model

    def default_template(self, directory: Path) -> Path | None:
        """The template `lambda-dap invoke` would pick in `directory`."""
        from lambda_dap.template.paths import default_template_path

        path = default_template_path(directory)
        return path if path.is_file() or path_to_uri(path) in self.workspace.text_documents else None

    def templates_for(self, path: Path) -> list[Path]:
        """The templates a file near them (env.json, a handler) belongs to: the nearest directory up with one."""
        for directory in path.parents:
            found = [directory / name for name in TEMPLATE_NAMES if (directory / name).is_file()]
            if found:
                return found
            if any(directory == folder for folder in self.folders()):
                break
        return []


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _scan(folder: Path, names: tuple[str, ...], depth: int) -> Iterator[Path]:
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_file() and entry.name in names:
            yield Path(entry.path)
    for entry in entries:
        visible = entry.name not in _SKIPPED_DIRS and not entry.name.startswith(".")
        if depth > 0 and visible and entry.is_dir(follow_symlinks=False):
            yield from _scan(Path(entry.path), names, depth - 1)
