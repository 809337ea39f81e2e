"""Installing a package.json's dependencies for a Lambda Node.js runtime with the host's own npm.

`npm ci` when a package-lock.json is there, else `npm install`; production dependencies only, for Lambda's Linux
and the function's CPU (`--os`, `--cpu`: the platform-specific optional packages of esbuild, sharp and the like).
npm reads the user's own configuration (.npmrc, registry, proxy, certificates). The package's own lifecycle
scripts do not run (its sources are not in the cache directory); its dependencies' scripts do.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import threading
from pathlib import Path

from lambda_dap.deps.manifest import PACKAGE_JSON, PACKAGE_LOCK, Manifest
from lambda_dap.deps.process import run_installer
from lambda_dap.errors import DependencyError
from lambda_dap.template.paths import display_path

log = logging.getLogger(__name__)

_CPUS = {"x86_64": "x64", "arm64": "arm64"}
_MISSING = re.compile(r"'(?P<spec>[^']+)' (?:could not be found|is not in (?:this|the npm) registry)")
_NO_VERSION = re.compile(r"No matching version found for (?P<spec>\S+?)\.?\s*$", re.MULTILINE)
_PLATFORM = re.compile(r"Unsupported platform for (?P<spec>\S+?):")
_ERROR_LINE = re.compile(r"^npm (?:error|ERR!) (?P<text>.*)$", re.MULTILINE)


def npm_command(manifest: Manifest) -> list[str]:
    cpu = _CPUS.get(manifest.architecture)
    if cpu is None:
        raise DependencyError(
            f"Cannot install dependencies for architecture {manifest.architecture}: expected x86_64 or arm64"
        )
    verb = "ci" if manifest.lock is not None else "install"
    return ["npm", verb, "--omit=dev", "--os=linux", f"--cpu={cpu}", "--no-audit", "--no-fund"]


def install_packages(manifest: Manifest, target: Path, stop: threading.Event | None = None) -> None:
    """Install `manifest` (a package.json, with its lock) into the empty directory `target`: target/node_modules."""
    npm = shutil.which("npm")
    if npm is None:
        raise DependencyError(
            f"Cannot install {display_path(manifest.path)}: no npm on PATH "
            "(install Node.js's npm, or vendor node_modules and pass --skip-dependencies)"
        )
    _copy_manifest(manifest, target)
    command = npm_command(manifest)
    run_installer([npm, *command[1:]], cwd=target, tool="npm", manifest=manifest, problem=npm_problem, stop=stop)


def _copy_manifest(manifest: Manifest, target: Path) -> None:
    """package.json without its scripts (they would run on its absent sources), and the lock file as it is."""
    document = json.loads(manifest.path.read_text(encoding="utf-8"))
    document.pop("scripts", None)
    (target / PACKAGE_JSON).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if manifest.lock is not None:
        shutil.copyfile(manifest.lock, target / PACKAGE_LOCK)


def npm_problem(stderr: str, manifest: Manifest) -> str:
    """npm's failure as one line naming the package that cannot be installed."""
    where = display_path(manifest.path)
    missing = _MISSING.search(stderr)
    if missing is not None:
        return f"{where}: {missing.group('spec')}: no such package on the npm registry (or no access to it)"
    no_version = _NO_VERSION.search(stderr)
    if no_version is not None:
        return f"{where}: {no_version.group('spec')}: no version of it matches"
    platform = _PLATFORM.search(stderr)
    if platform is not None:
        return f"{where}: {platform.group('spec')} does not support Linux {manifest.architecture}"
    lines = [match.group("text").strip() for match in _ERROR_LINE.finditer(stderr)]
    lines = [line for line in lines if line and not line.startswith(("code ", "A complete log"))]
    detail = lines[0] if lines else next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
    return f"{where}: npm could not install it: {detail or 'it failed without a message'}"
