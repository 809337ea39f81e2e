"""The directory mounted at /var/task: the code directory itself, an unpacked archive, or written inline code."""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from lambda_dap.errors import TemplateError
from lambda_dap.invoke.runtimes import source_suffix
from lambda_dap.template.model import Function


class CodeDirectory:
    """A host directory holding the function's code for as long as the session lives."""

    def __init__(self, function: Function, runtime: str | None) -> None:
        self._temp: Path | None = None
        self.path = self._prepare(function, runtime)

    def _prepare(self, function: Function, runtime: str | None) -> Path | None:
        if function.inline_code is not None:
            return self._write_inline(function, runtime)
        source = function.code_path
        if source is None:
            return None
        if source.is_dir():
            return source.resolve()
        if source.is_file() and source.suffix.lower() in (".zip", ".jar"):
            return self._unpack(source, function)
        raise TemplateError(
            f"{function.template_path.name}: Resources.{function.logical_id}.Properties.CodeUri: "
            f"'{source}' does not exist (expected a directory, .zip or .jar)"
        )

    def _temp_dir(self) -> Path:
        self._temp = Path(tempfile.mkdtemp(prefix=f"lambda-dap-code-{os.getpid()}-"))
        self._temp.chmod(0o755)
        return self._temp

    def _write_inline(self, function: Function, runtime: str | None) -> Path:
        module = (function.handler or "index.handler").rpartition(".")[0] or "index"
        target = self._temp_dir() / (module + source_suffix(runtime or ""))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(function.inline_code or "", encoding="utf-8")
        target.chmod(0o644)
        return self._temp

    def _unpack(self, archive: Path, function: Function) -> Path:
        directory = self._temp_dir()
        try:
            with zipfile.ZipFile(archive) as bundle:
                for member in bundle.infolist():
                    extracted = Path(bundle.extract(member, directory))
                    mode = (member.external_attr >> 16) & 0o777
                    if mode:
                        extracted.chmod(mode | 0o444)
        except (zipfile.BadZipFile, OSError) as e:
            self.close()
            raise TemplateError(
                f"{function.template_path.name}: Resources.{function.logical_id}.Properties.CodeUri: "
                f"cannot unpack '{archive}': {e}"
            ) from e
        return directory

    def close(self) -> None:
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None


def symlink_mounts(code_dir: Path | None, *, every: bool, notice: Callable[[str], None]) -> list[tuple[Path, str]]:
    """The top-level symlinks of `code_dir` to bind-mount where they point, as SAM does: those resolving to a
    `node_modules` directory, or every one with `--mount-symlinks`. Each is (resolved host path, its name)."""
    if code_dir is None or not code_dir.is_dir():
        return []
    mounts: list[tuple[Path, str]] = []
    for entry in sorted(os.scandir(code_dir), key=lambda item: item.name):
        if not entry.is_symlink():
            continue
        target = Path(os.path.realpath(entry.path))
        if target.name != "node_modules" and not every:
            notice(
                f"Not mounting symlink ({entry.path} -> {target}) by default. "
                "Use --mount-symlinks to always mount symlinks in the container"
            )
            continue
        if not target.exists():
            notice(f"Not mounting symlink ({entry.path} -> {target}): its target does not exist")
            continue
        mounts.append((target, entry.name))
    return mounts
