"""Which dependency manifest a function's code directory holds, and whether lambda-dap installs it itself.

It does for a Zip function run from its sources: a Python code directory with a requirements.txt and no installed
packages (no `*.dist-info` in it), or a Node.js one with a package.json that has dependencies and no node_modules.
A `sam build` output (`.aws-sam/build/...`), an archive, inline code or an image function is used as it is.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lambda_dap.errors import DependencyError

REQUIREMENTS = "requirements.txt"
PACKAGE_JSON = "package.json"
PACKAGE_LOCK = "package-lock.json"

Installer = Literal["pip", "npm"]


@dataclass(frozen=True)
class Manifest:
    """A function's dependency manifest (and lock file), as the runtime and architecture it is installed for."""

    installer: Installer
    code_dir: Path
    path: Path  # requirements.txt or package.json
    runtime: str  # python3.12, nodejs20.x
    architecture: str  # x86_64 | arm64
    lock: Path | None = None  # package-lock.json
    includes: tuple[Path, ...] = ()  # the files a requirements.txt names with -r / -c

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file the install depends on (the cache key hashes them)."""
        return (self.path, *self.includes, *((self.lock,) if self.lock is not None else ()))


def is_build_output(path: Path | None) -> bool:
    """Whether `path` lies in a `sam build` output directory (`.aws-sam/build`)."""
    if path is None:
        return False
    parts = path.parts
    return any(first == ".aws-sam" and second == "build" for first, second in itertools.pairwise(parts))


def find_manifest(
    *,
    code_dir: Path | None,
    runtime: str | None,
    architecture: str,
    package_type: str = "Zip",
    template: Path | None = None,
) -> Manifest | None:
    """The manifest lambda-dap should install for this function, or None (nothing to install, or already built).

    Raises DependencyError for a package.json that is not JSON."""
    if package_type != "Zip" or not runtime or code_dir is None or not code_dir.is_dir():
        return None
    if is_build_output(template) or is_build_output(code_dir):
        return None
    if runtime.startswith("python"):
        requirements = code_dir / REQUIREMENTS
        if not requirements.is_file() or _has_installed_packages(code_dir) or not _has_requirements(requirements):
            return None
        return Manifest("pip", code_dir, requirements, runtime, architecture, includes=_included(requirements))
    if runtime.startswith("nodejs"):
        package = code_dir / PACKAGE_JSON
        if not package.is_file() or (code_dir / "node_modules").exists() or not _has_dependencies(package):
            return None
        lock = code_dir / PACKAGE_LOCK
        return Manifest("npm", code_dir, package, runtime, architecture, lock if lock.is_file() else None)
    return None


def _has_installed_packages(code_dir: Path) -> bool:
    """Packages vendored into the code directory (`pip install -t .`): leave them as they are."""
    return any(code_dir.glob("*.dist-info")) or any(code_dir.glob("*.egg-info"))


def _has_requirements(requirements: Path) -> bool:
    """Whether requirements.txt names anything (not only blank lines and comments)."""
    try:
        lines = requirements.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as e:
        raise DependencyError(f"Cannot read {requirements}: {e.strerror or e}") from e
    return any(line.split("#", 1)[0].strip() for line in lines)


_INCLUDE = re.compile(r"^\s*(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+)(?P<path>\S+)")


def _included(requirements: Path) -> tuple[Path, ...]:
    """The local files `requirements` names with -r/-c, and theirs, each relative to the file naming it."""
    found: list[Path] = []
    pending = [requirements]
    while pending:
        current = pending.pop(0)
        try:
            lines = current.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue  # pip reports it, with the name
        for line in lines:
            match = _INCLUDE.match(line)
            if match is None or "://" in match.group("path"):
                continue
            path = (current.parent / match.group("path")).resolve()
            if path != requirements and path not in found:
                found.append(path)
                pending.append(path)
    return tuple(found)


def _has_dependencies(package: Path) -> bool:
    """Whether package.json declares runtime dependencies (devDependencies are not installed)."""
    try:
        document = json.loads(package.read_text(encoding="utf-8"))
    except OSError as e:
        raise DependencyError(f"Cannot read {package}: {e.strerror or e}") from e
    except ValueError as e:
        raise DependencyError(f"{package}: not valid JSON ({e})") from e
    if not isinstance(document, dict):
        raise DependencyError(f"{package}: expected a JSON object, got {type(document).__name__}")
    dependencies = document.get("dependencies")
    if dependencies is not None and not isinstance(dependencies, dict):
        raise DependencyError(f"{package}: dependencies: expected an object of package names to versions")
    return bool(dependencies)
