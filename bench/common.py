"""Shared by the benchmarks: timing commands in alternation, so both sides see the same machine noise."""

from __future__ import annotations

import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
TEST_IMAGE = "lambda-dap-test/python:3.11"
HELLO = REPO / "examples" / "hello"  # the debugging benchmarks' function
HANDLER = HELLO / "hello_world" / "app.py"


def parse_runs(doc: str | None, default: int) -> int:
    """The `--runs N` option every benchmark takes; test images are built (or found cached) on the way."""
    import argparse

    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=default)
    runs = parser.parse_args().runs
    ensure_test_images()
    return runs


def lambda_dap_command() -> list[str]:
    """The installed console script, as users run it (else `python -m lambda_dap`)."""
    script = shutil.which("lambda-dap")
    return [script] if script else [sys.executable, "-m", "lambda_dap"]


def ensure_test_images() -> None:
    subprocess.run([sys.executable, str(REPO / "tests" / "images" / "build.py")], check=True)


def time_once(
    command: Sequence[str], *, cwd: Path | None = None, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, input=stdin, capture_output=True, env=env)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(
            f"benchmark command failed ({completed.returncode}): {' '.join(command)}\n"
            f"{completed.stderr.decode(errors='replace')[-2000:]}"
        )
    return elapsed


def alternate(
    commands: dict[str, tuple[list[str], Path | None]],
    runs: int,
    warmup: int = 2,
    envs: dict[str, dict[str, str]] | None = None,
) -> dict[str, float]:
    """Median wall time of each command, run in turns (A B A B ...) after a warm-up; `envs` per command name."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(warmup + runs):
        for name, (command, cwd) in commands.items():
            elapsed = time_once(command, cwd=cwd, env=(envs or {}).get(name))
            if round_number >= warmup:
                samples[name].append(elapsed)
    return {name: statistics.median(values) for name, values in samples.items()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def breakpoint_line() -> int:
    """The handler line the debugging benchmarks break on."""
    lines = HANDLER.read_text().splitlines()
    return next(n for n, text in enumerate(lines, start=1) if "a good line for a breakpoint" in text)
