"""How much slower than a bare `docker run` is a whole `lambda-dap invoke` of a trivial handler?

Both run on the same Lambda-like image (present locally), in turns, in the same run; the last line is the ratio
of the medians (target: at most 1.5x).

    python3 bench/invoke.py [--runs 15]
"""

from __future__ import annotations

import argparse

from common import BENCH_DIR, TEST_IMAGE, alternate, ensure_test_images, lambda_dap_command

APP = BENCH_DIR / "app"
SAME_WORK = "import json, app; print(json.dumps(app.handler({}, None)))"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ensure_test_images()
    commands = {
        "lambda-dap invoke": ([*lambda_dap_command(), "invoke", "--invoke-image", TEST_IMAGE, "--skip-pull-image"],
                              APP),
        "bare docker run": (["docker", "run", "--rm", "-v", f"{APP}:/var/task:ro", "-w", "/var/task",
                             "--entrypoint", "/var/lang/bin/python3", TEST_IMAGE, "-c", SAME_WORK], None),
    }
    medians = alternate(commands, runs=args.runs)
    for name, seconds in medians.items():
        print(f"{name:>20}: median {seconds * 1000:7.1f} ms over {args.runs} runs")
    ratio = medians["lambda-dap invoke"] / medians["bare docker run"]
    print(f"lambda-dap invoke / bare docker run: {ratio:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
