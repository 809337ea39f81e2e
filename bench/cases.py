"""How much does a script of N events (`lambda-dap invoke --events`, one warm container) save over N separate
`lambda-dap invoke` runs of a trivial handler?

Both sides run the same N events on the same Lambda-like image (present locally), in turns, in the same run; each
round times one script and N separate invokes. The last line is the ratio of the median times per event.

    python3 bench/cases.py [--events 10] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from common import BENCH_DIR, TEST_IMAGE, ensure_test_images, lambda_dap_command, time_once

APP = BENCH_DIR / "app"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=10, help="events per script (and separate invokes per round)")
    parser.add_argument("--runs", type=int, default=5, help="rounds, after one warm-up round")
    options = parser.parse_args()
    ensure_test_images()
    base = [*lambda_dap_command(), "invoke", "--invoke-image", TEST_IMAGE, "--skip-pull-image"]
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "cases.jsonl"
        script.write_text("".join(f'{{"n": {number}}}\n' for number in range(options.events)))
        scripted, separate = [], []
        for round_number in range(1 + options.runs):
            script_s = time_once([*base, "--events", str(script)], cwd=APP)
            started = time.perf_counter()
            for number in range(options.events):
                time_once([*base, "-e", "-"], cwd=APP, stdin=f'{{"n": {number}}}'.encode())
            separate_s = time.perf_counter() - started
            if round_number:
                scripted.append(script_s / options.events)
                separate.append(separate_s / options.events)
    script_ms, separate_ms = statistics.median(scripted) * 1000, statistics.median(separate) * 1000
    counts = f"{options.events} events, {options.runs} runs"
    print(f"{'invoke --events':>17}: median {script_ms:7.1f} ms per event ({counts}; the cold start included)")
    print(f"{'separate invokes':>17}: median {separate_ms:7.1f} ms per event")
    print(f"separate invokes / --events, per event: {separate_ms / script_ms:.1f}x")


if __name__ == "__main__":
    main()
