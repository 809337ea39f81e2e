"""Several layer directories as one /opt: later layers win, as Lambda extracts them in order."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from lambda_dap.layers.store import remove_path


def fingerprint(directory: Path) -> str:
    """A hash of what `directory` holds: relative paths, kinds, sizes, mtimes and symlink targets."""
    digest = hashlib.sha256(str(directory.absolute()).encode())
    for relative, kind, detail in _walk(directory):
        digest.update(f"{relative}\0{kind}\0{detail}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def merge_into(members: Sequence[Path], dest: Path) -> None:
    """Overlay `members` in order into the existing directory `dest`, hard-linking files (copying when the
    filesystem refuses a link)."""
    for member in members:
        for relative, kind, detail in _walk(member):
            source, target = member / relative, dest / relative
            if kind == "d":
                if target.is_symlink() or target.is_file():
                    target.unlink()
                target.mkdir(exist_ok=True)
                continue
            remove_path(target)
            if kind == "l":
                os.symlink(detail, target)
                continue
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)


def _walk(directory: Path) -> Iterator[tuple[str, str, str]]:
    """(relative path, kind d/l/f, detail) for every entry, parents before children, in a stable order."""
    pending = [""]
    while pending:
        relative_dir = pending.pop()
        with os.scandir(directory / relative_dir) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
        for entry in entries:
            relative = f"{relative_dir}/{entry.name}" if relative_dir else entry.name
            if entry.is_symlink():
                yield relative, "l", os.readlink(entry.path)
            elif entry.is_dir():
                yield relative, "d", ""
                pending.append(relative)
            else:
                stat = entry.stat()
                yield relative, "f", f"{stat.st_size}:{stat.st_mtime_ns}"
