"""Cache directories built once: a lock per entry, built in a temp dir beside it, renamed into place."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock
    fcntl = None  # type: ignore[assignment]

LOCK_DIR = ".locks"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and its parents) if missing; the leaf gets mode 0o700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def locked(root: Path, name: str) -> Iterator[None]:
    """Hold an exclusive cross-process lock named `name` under `root`/.locks for the duration."""
    lock_path = ensure_private_dir(root / LOCK_DIR) / f"{name}.lock"
    with open(lock_path, "a+b") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def build_once(final: Path, build: Callable[[Path], None], *, force: bool = False) -> Path:
    """Make the directory `final` unless it exists (or `force`).

    `build(tmp)` fills a fresh directory beside it, which is then renamed into place, so `final` is never seen
    half-made. Nothing temporary survives an error."""
    if final.is_dir() and not force:
        return final
    parent = ensure_private_dir(final.parent)
    with locked(parent, final.name):
        if final.is_dir() and not force:  # another process built it while we waited
            return final
        for stale in parent.glob(f".{final.name}.*"):  # left by a process that was killed while building
            remove_path(stale)
        tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=parent))
        try:
            build(tmp)
            tmp.chmod(0o755)
            if final.exists() or final.is_symlink():
                discard(final)
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return final


def discard(path: Path) -> None:
    """Remove a cache entry: first move it out of the way (atomic), then delete it."""
    if path.is_symlink() or path.is_file():
        path.unlink()
        return
    trash = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
    os.rename(path, trash / path.name)
    shutil.rmtree(trash, ignore_errors=True)


def remove_path(path: Path) -> None:
    """Remove a file, symlink or directory tree if there is one."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
