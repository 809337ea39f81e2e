"""The entries of the dependency cache: what they hold, when they were last used, and their removal."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lambda_dap.deps.cache import cache_root
from lambda_dap.layers.store import discard, locked


@dataclass(frozen=True)
class DependencyEntry:
    path: Path
    size: int  # bytes
    last_used: float  # epoch seconds: the entry's mtime, renewed on each use (deps/install.py)


def dependency_entries(root: Path | None = None) -> list[DependencyEntry]:
    """Every complete entry of the cache, oldest use first (half-built `.NAME.*` directories are not entries)."""
    root = root or cache_root()
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    entries = []
    for name in names:
        path = root / name
        if name.startswith(".") or not path.is_dir() or path.is_symlink():
            continue
        entries.append(DependencyEntry(path, tree_size(path), path.stat().st_mtime))
    return sorted(entries, key=lambda entry: entry.last_used)


def remove_entry(entry: DependencyEntry) -> bool:
    """Remove the entry under its build lock (never while it is being installed); False when it is gone already."""
    with locked(entry.path.parent, entry.path.name):
        if not entry.path.is_dir():
            return False
        discard(entry.path)
    return True


def tree_size(path: Path) -> int:
    total = 0
    for directory, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(directory, name)).st_blocks * 512
            except OSError:
                continue
    return total
