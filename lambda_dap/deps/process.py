"""Running an installer (pip, npm): its failure turned into one line, and it ended, whole process group, when the
caller stops waiting (an editor's disconnect, Ctrl-C)."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from lambda_dap.deps.manifest import Manifest
from lambda_dap.errors import DependencyError, InvocationCancelled
from lambda_dap.template.paths import display_path

log = logging.getLogger(__name__)

STOP_POLL_S = 0.1  # how often a running installer looks at its stop event
TERMINATE_WAIT_S = 2.0  # from SIGTERM to SIGKILL


def run_installer(
    command: list[str],
    *,
    cwd: Path,
    tool: str,
    manifest: Manifest,
    problem: Callable[[str, Manifest], str],
    stop: threading.Event | None = None,
) -> None:
    """Run `command` in `cwd` without input; a failure raises DependencyError with `problem(stderr, manifest)`.
    Its full output goes to the --debug log only. When `stop` is set meanwhile, the installer and whatever it
    started end, and InvocationCancelled is raised (so does any exception while waiting: nothing runs on)."""
    log.debug("installing %s in %s: %s", manifest.path, cwd, " ".join(command))
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,  # its own process group: ended as a whole, never half
        )
    except OSError as e:
        raise DependencyError(f"Cannot run {tool} to install {display_path(manifest.path)}: {e}") from e
    try:
        stderr = _wait(process, stop, manifest)
    except BaseException:
        end_process_group(process)
        raise
    if process.returncode != 0:
        log.debug("%s exited %s:\n%s", tool, process.returncode, stderr)
        raise DependencyError(problem(stderr, manifest))


def _wait(process: subprocess.Popen, stop: threading.Event | None, manifest: Manifest) -> str:
    while True:
        try:
            _, stderr = process.communicate(timeout=None if stop is None else STOP_POLL_S)
            return stderr
        except subprocess.TimeoutExpired:
            if stop is not None and stop.is_set():
                raise InvocationCancelled(
                    f"Cancelled while installing the dependencies of {display_path(manifest.path)}"
                ) from None


def end_process_group(process: subprocess.Popen) -> None:
    """SIGTERM to the installer's process group, SIGKILL after TERMINATE_WAIT_S; reaped either way."""
    for signum, wait_s in ((signal.SIGTERM, TERMINATE_WAIT_S), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signum)
        try:
            process.communicate(timeout=wait_s)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # what it started and left behind
