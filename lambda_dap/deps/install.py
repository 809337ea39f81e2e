"""Installing a manifest into its cache entry once: a lock per entry, a temp directory beside it, an atomic rename.

A second invoke with the same manifest, runtime and architecture installs nothing; concurrent ones wait for the
first; a failed install leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lambda_dap.deps.cache import cache_key, cache_root
from lambda_dap.deps.manifest import Manifest
from lambda_dap.errors import DependencyError

PYTHON_TARGET = "/var/lambda-dap-deps"  # put on PYTHONPATH
NODE_TARGET = "/var/node_modules"  # require() and import both look there from /var/task, after /var/task/node_modules


@dataclass(frozen=True)
class InstalledDependencies:
    """A function's installed dependencies: the host directory and where the container gets it (read-only)."""

    manifest: Manifest
    directory: Path
    target: str

    @property
    def python_path(self) -> str | None:
        """The directory to add to PYTHONPATH (Python), else None."""
        return self.target if self.manifest.installer == "pip" else None


def install_dependencies(
    manifest: Manifest,
    *,
    root: Path | None = None,
    force: bool = False,
    on_start: Callable[[], None] = lambda: None,
    on_done: Callable[[float], None] = lambda seconds: None,
    stop: threading.Event | None = None,
) -> InstalledDependencies:
    """The cache entry for `manifest`, installed first when missing (or `force`): `on_start()` then
    `on_done(seconds)` only when something is installed. Raises DependencyError; InvocationCancelled when `stop`
    is set during the install (the installer ends, the cache keeps nothing of it)."""
    from lambda_dap.layers.store import build_once

    root = (root or cache_root()).expanduser().absolute()
    entry = root / cache_key(manifest)
    took: list[float] = []

    def build(tmp: Path) -> None:
        on_start()
        began = time.monotonic()
        if manifest.installer == "pip":
            from lambda_dap.deps.pip import install_requirements

            install_requirements(manifest, tmp, stop)
        else:
            from lambda_dap.deps.npm import install_packages

            install_packages(manifest, tmp, stop)
            (tmp / "node_modules").mkdir(exist_ok=True)  # nothing for this platform: still a directory to mount
        took.append(time.monotonic() - began)

    try:
        build_once(entry, build, force=force)
    except OSError as e:
        where = f" ({e.filename})" if e.filename else ""
        raise DependencyError(
            f"Cannot install the dependencies of {manifest.path} in the cache {root}: {e.strerror or e}{where}"
        ) from e
    if took:
        on_done(took[0])
    else:
        with contextlib.suppress(OSError):
            os.utime(entry)  # its last use, for `lambda-dap cache prune --older-than`
    if manifest.installer == "pip":
        return InstalledDependencies(manifest, entry, PYTHON_TARGET)
    return InstalledDependencies(manifest, entry / "node_modules", NODE_TARGET)
