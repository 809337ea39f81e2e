"""Unpack a layer zip the way Lambda does: unix permissions and symlinks kept, nothing outside the target."""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

from lambda_dap.errors import LayerError
from lambda_dap.layers.store import remove_path

_UNIX = 3  # ZipInfo.create_system of archives made on unix
_CHUNK = 1 << 20


def extract_zip(archive: Path, dest: Path, *, what: str, shown: str | None = None) -> None:
    """Extract `archive` into the existing directory `dest`; `what` names the layer and `shown` the archive in
    errors (default: its file name)."""
    shown = shown or archive.name
    root = os.path.realpath(dest)
    dir_modes: dict[Path, int] = {}
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                target = _target(dest, root, info.filename, what)
                if target is None:
                    continue
                mode = info.external_attr >> 16 if info.create_system == _UNIX else 0
                if info.is_dir() or stat.S_ISDIR(mode):
                    target.mkdir(parents=True, exist_ok=True)
                    dir_modes[target] = stat.S_IMODE(mode) & 0o777 or 0o755
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                remove_path(target)
                if stat.S_ISLNK(mode):
                    os.symlink(zf.read(info).decode("utf-8"), target)
                    continue
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out, _CHUNK)
                target.chmod(stat.S_IMODE(mode) & 0o777 or 0o644)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as e:
        raise LayerError(f"Layer {what}: {shown} is not a valid zip file ({e})") from e
    except OSError as e:
        raise LayerError(f"Layer {what}: cannot unpack {shown}: {e.strerror or e}") from e
    for directory in sorted(dir_modes, key=lambda p: len(p.parts), reverse=True):
        directory.chmod(dir_modes[directory] | 0o700)


def _target(dest: Path, root: str, name: str, what: str) -> Path | None:
    """Where entry `name` goes (None for `./`).

    An absolute name, `..` or a symlink leading out of `dest` is an error."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts:
        return None
    target = dest.joinpath(*parts)
    parent = os.path.realpath(target.parent)
    if parts[0] == "/" or ".." in parts or ":" in parts[0] or not (parent == root or parent.startswith(root + os.sep)):
        raise LayerError(f"Layer {what}: zip entry '{name}' escapes the layer directory")
    return target
