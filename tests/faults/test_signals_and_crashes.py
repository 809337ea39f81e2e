"""Faults a user causes every day: Ctrl-C, a closed terminal, a SIGTERM from a script, at any moment of an invoke;
and handlers that crash or run out of memory. Nothing may be left behind, and every figure must be real."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import SESSION_LABEL
from tests.faults.conftest import SIGNAL_COUNTS
from tests.invoke.conftest import KITCHEN, clean_environment, start_invoke

pytestmark = pytest.mark.docker

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
RUNS = 104  # at least 100 signals a run
PARALLEL = 4
LATEST_S = 0.7  # a cold invoke of the event below takes ~0.4-0.6 s: signals land before, during and after it
TEMPLATE = str(KITCHEN / "template.yaml")


def leftovers(pid: int, label: str, docker_client) -> list[str]:
    """What a finished lambda-dap process `pid` left: containers, temporary directories."""
    found = []
    deadline = time.monotonic() + 3.0  # the engine deletes auto-removed containers a moment after they stop
    while True:
        containers = docker_client.api.containers(all=True, filters={"label": [label, SESSION_LABEL]})
        if not containers or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    found += [f"container {c['Id'][:12]} ({c.get('State')})" for c in containers]
    found += [f"directory {p}" for p in Path(tempfile.gettempdir()).glob(f"lambda-dap-*-{pid}-*")]
    return found


def test_signals_at_random_moments_leave_nothing_behind(lambda_images, docker_client, tmp_path):
    rng = random.Random(int(os.environ.get("LAMBDA_DAP_FAULT_SEED", time.time())))
    home = tmp_path / "home"
    home.mkdir()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "sleep", "seconds": 0.2}))
    problems: list[str] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()

    def one_run(number: int) -> None:
        signum = rng.choice(SIGNALS)
        delay = rng.uniform(0.0, LATEST_S)
        label = f"lambda-dap.fault-run={uuid.uuid4().hex[:12]}"
        env = clean_environment(home, LAMBDA_DAP_CONTAINER_LABELS=f"{SESSION_LABEL},{label}")
        process = start_invoke("Kitchen", "-t", TEMPLATE, "-e", str(event), image=lambda_images["python"], env=env)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signum)
        try:
            _, stderr = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
            with lock:
                problems.append(f"run {number}: {signum.name} at {delay:.3f} s: still running 15 s later")
            return
        text = stderr.decode(errors="replace")
        what = f"run {number}: {signum.name} at {delay:.3f} s, exit {process.returncode}"
        # Before the interpreter has run a line of lambda-dap (its own start-up, ~20-50 ms) the signal's default
        # action ends it, or Python reports it itself: nothing of lambda-dap exists yet, so nothing can be left.
        # Python's own SIGINT handler may also raise inside an import lock's callback, where Python reports the
        # KeyboardInterrupt as "Exception ignored" and goes on; lambda-dap's handlers never raise KeyboardInterrupt.
        swallowed_by_python = "Exception ignored in" in text and "KeyboardInterrupt" in text
        # A signal during the interpreter's own initialisation (init_import_site, init_sys_streams, ...) is fatal to
        # Python before any of lambda-dap is imported.
        in_python_init = "Fatal Python error: init_" in text
        before_us = process.returncode == -signum or in_python_init or swallowed_by_python
        kind = "before lambda-dap ran" if before_us else "completed" if process.returncode == 0 else signum.name
        with lock:
            outcomes[kind] = outcomes.get(kind, 0) + 1
        if process.returncode not in (0, 128 + signum) and not before_us:
            problems.append(f"{what}: unexpected exit code\n{text[-1500:]}")
        if "Traceback" in text and not before_us:
            problems.append(f"{what}: a traceback\n{text[-1500:]}")
        if process.returncode == 128 + signum and "Aborted" not in text and text.strip():
            problems.append(f"{what}: says neither Aborted nor nothing: {text[-300:]}")
        for leftover in leftovers(process.pid, label, docker_client):
            problems.append(f"{what}: left {leftover}")

    started = time.monotonic()
    numbers = iter(range(RUNS))
    numbers_lock = threading.Lock()

    def worker() -> None:
        while time.monotonic() - started < 300:
            with numbers_lock:
                number = next(numbers, None)
            if number is None:
                return
            one_run(number)

    workers = [threading.Thread(target=worker) for _ in range(PARALLEL)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    sent = sum(outcomes.values())
    SIGNAL_COUNTS.update({"sent": sent, **outcomes, "leaks or errors": len(problems)})
    assert sent >= 100, f"only {sent} runs finished within the time bound"
    assert not problems, "\n".join(problems[:10])


def run_invoke(tmp_path: Path, image: str, function: str, event: dict) -> subprocess.CompletedProcess:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    event_file = tmp_path / "event.json"
    event_file.write_text(json.dumps(event))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "lambda_dap",
            "invoke",
            function,
            "-t",
            TEMPLATE,
            "-e",
            str(event_file),
            "--invoke-image",
            image,
            "--skip-pull-image",
        ],
        capture_output=True,
        env=clean_environment(home),
        cwd=KITCHEN,
        timeout=60,
    )


def report_of(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("REPORT RequestId")]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize("image_kind", ["python", "plain"])
def test_an_out_of_memory_kill_reports_the_memory_it_was_killed_at(lambda_images, tmp_path, image_kind):
    completed = run_invoke(tmp_path, lambda_images[image_kind], "Small", {"action": "alloc", "mb": 400})
    stderr = completed.stderr.decode()
    assert completed.returncode == 3, stderr
    assert json.loads(completed.stdout)["errorType"] == "Runtime.OutOfMemory"
    assert "Max Memory Used: 128 MB" in report_of(stderr)


@pytest.mark.parametrize("image_kind", ["python", "plain"])
def test_a_crashed_runtime_still_reports_its_real_peak_memory(lambda_images, tmp_path, image_kind):
    completed = run_invoke(tmp_path, lambda_images[image_kind], "Kitchen", {"action": "exit", "code": 1})
    stderr = completed.stderr.decode()
    assert completed.returncode == 3, stderr
    assert json.loads(completed.stdout)["errorType"] == "Runtime.ExitError"
    report = report_of(stderr)
    assert "Max Memory Used: ?" not in report
    used = int(report.split("Max Memory Used: ")[1].split(" MB")[0])
    assert 1 <= used < 256  # a Python runtime's own footprint, measured


def test_no_runtime_error_after_a_successful_one_shot_invoke(lambda_images, tmp_path):
    for _ in range(10):  # it was a race: the runtime asked for the next event while the container went away
        completed = run_invoke(tmp_path, lambda_images["python"], "Kitchen", {"action": "echo"})
        stderr = completed.stderr.decode()
        assert completed.returncode == 0, stderr
        assert "Failed to get next invocation" not in stderr and "Traceback" not in stderr
        assert stderr.splitlines()[-1].startswith("REPORT RequestId"), stderr
