"""Installing a requirements.txt for a Lambda Python runtime with the host's own pip.

Wheels only, for the runtime's Python version and Lambda's Linux (`--platform` manylinux tags up to the glibc of the
runtime's Amazon Linux), so C extensions import in the container whatever the host is. pip reads the user's own
configuration (pip.conf, PIP_INDEX_URL, proxies, certificates): lambda-dap adds none of its own.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
import threading
from pathlib import Path

from lambda_dap.deps.manifest import Manifest
from lambda_dap.deps.process import run_installer
from lambda_dap.errors import DependencyError
from lambda_dap.template.paths import display_path

log = logging.getLogger(__name__)

_MACHINES = {"x86_64": "x86_64", "arm64": "aarch64"}
# glibc of the Amazon Linux each Python runtime runs on: AL2 (2.26) up to python3.11, AL2023 (2.34) after.
_GLIBC_AL2, _GLIBC_AL2023 = 26, 34
_NOT_FOUND = re.compile(r"No matching distribution found for (?P<requirement>.+?)\s*$", re.MULTILINE)
_VERSIONS = re.compile(r"satisfies the requirement (?P<requirement>.+?) \(from versions: (?P<versions>[^)]*)\)")


def python_version(runtime: str) -> tuple[int, int]:
    """python3.12 -> (3, 12)."""
    match = re.fullmatch(r"python(\d+)\.(\d+)", runtime)
    if match is None:
        raise DependencyError(f"Cannot install Python dependencies for runtime {runtime}: expected one like python3.12")
    return int(match.group(1)), int(match.group(2))


def platforms(runtime: str, architecture: str) -> list[str]:
    """The wheel platform tags Lambda's Linux runs for this runtime: manylinux_2_N down to 2_17, and manylinux2014
    (pip adds manylinux2010 and manylinux1 to it for x86_64)."""
    machine = _MACHINES.get(architecture)
    if machine is None:
        raise DependencyError(f"Cannot install dependencies for architecture {architecture}: expected x86_64 or arm64")
    newest = _GLIBC_AL2023 if python_version(runtime) >= (3, 12) else _GLIBC_AL2
    return [f"manylinux_2_{minor}_{machine}" for minor in range(newest, 16, -1)] + [f"manylinux2014_{machine}"]


def find_python() -> str:
    """The user's python3 (its pip and configuration), else the interpreter lambda-dap runs on."""
    return shutil.which("python3") or sys.executable


def pip_command(python: str, manifest: Manifest, target: Path) -> list[str]:
    major, minor = python_version(manifest.runtime)
    command = [python, "-m", "pip", "install", "--target", str(target), "--requirement", str(manifest.path)]
    command += ["--implementation", "cp", "--python-version", f"{major}.{minor}", "--only-binary=:all:"]
    for tag in platforms(manifest.runtime, manifest.architecture):
        command += ["--platform", tag]
    command += ["--no-compile", "--no-input", "--disable-pip-version-check", "--progress-bar", "off"]
    return command


def install_requirements(manifest: Manifest, target: Path, stop: threading.Event | None = None) -> None:
    """Install `manifest` (a requirements.txt) into the empty directory `target`; DependencyError on failure."""
    python = find_python()
    command = pip_command(python, manifest, target)
    run_installer(
        command, cwd=manifest.code_dir, tool=f"{python} -m pip", manifest=manifest, problem=pip_problem, stop=stop
    )


def pip_problem(stderr: str, manifest: Manifest) -> str:
    """pip's failure as one line naming the requirement that cannot be installed."""
    where = display_path(manifest.path)
    major, minor = python_version(manifest.runtime)
    target = f"Python {major}.{minor} on Linux {manifest.architecture}"
    if "No module named pip" in stderr:
        return (
            f"Cannot install {where}: the host's python3 has no pip "
            "(install pip, or vendor the packages and pass --skip-dependencies)"
        )
    found = _NOT_FOUND.search(stderr)
    if found is not None:
        requirement = found.group("requirement")
        versions = _VERSIONS.search(stderr)
        if versions is not None and versions.group("versions").strip() not in ("", "none"):
            return (
                f"{where}: no version of {requirement} has a wheel for {target} "
                f"(versions with one: {versions.group('versions').strip()})"
            )
        return (
            f"{where}: {requirement}: no such package on the index, or it has no wheel for {target} "
            "(lambda-dap installs wheels only, so that C extensions match Lambda)"
        )
    errors = [line.removeprefix("ERROR:").strip() for line in stderr.splitlines() if line.startswith("ERROR:")]
    detail = errors[0] if errors else next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
    return f"{where}: pip could not install it: {detail or 'it failed without a message'}"
