"""Where installed dependencies are kept: one directory per manifest content, runtime and architecture."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from lambda_dap.deps.manifest import Manifest
from lambda_dap.errors import DependencyError

SCHEME = "1"  # bump when the layout of a cache entry or the install command changes


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CACHE_HOME/lambda-dap/deps`, else `~/.cache/lambda-dap/deps`."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CACHE_HOME") or ""
    root = Path(base).expanduser() if base and os.path.isabs(os.path.expanduser(base)) else Path.home() / ".cache"
    return root / "lambda-dap" / "deps"


def cache_key(manifest: Manifest) -> str:
    """The entry's name: readable runtime and architecture, then a hash of everything the install depends on."""
    digest = hashlib.sha256()
    for part in (SCHEME, manifest.installer, manifest.runtime, manifest.architecture):
        digest.update(part.encode() + b"\0")
    for path in manifest.files:
        try:
            content = path.read_bytes()
        except OSError as e:
            raise DependencyError(f"Cannot read {path}: {e.strerror or e}") from e
        digest.update(path.name.encode() + b"\0" + str(len(content)).encode() + b"\0" + content)
    return f"{manifest.runtime}-{manifest.architecture}-{digest.hexdigest()[:16]}"
