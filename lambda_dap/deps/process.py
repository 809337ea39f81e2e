"""Running an installer (pip, npm) and turning its failure into one line."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Callable
from pathlib import Path

from lambda_dap.deps.manifest import Manifest
from lambda_dap.errors import DependencyError
from lambda_dap.template.paths import display_path

log = logging.getLogger(__name__)


def run_installer(
    command: list[str], *, cwd: Path, tool: str, manifest: Manifest, problem: Callable[[str, Manifest], str]
) -> None:
    """Run `command` in `cwd` without input; a failure raises DependencyError with `problem(stderr, manifest)`.
    Its full output goes to the --debug log only."""
    log.debug("installing %s in %s: %s", manifest.path, cwd, " ".join(command))
    try:
        completed = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, errors="replace", stdin=subprocess.DEVNULL
        )
    except OSError as e:
        raise DependencyError(f"Cannot run {tool} to install {display_path(manifest.path)}: {e}") from e
    if completed.returncode != 0:
        log.debug("%s exited %s:\n%s", tool, completed.returncode, completed.stderr)
        raise DependencyError(problem(completed.stderr, manifest))
