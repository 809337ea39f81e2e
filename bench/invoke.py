"""How much slower than a bare `docker run` is a whole `lambda-dap invoke` of a trivial handler?

Both run on the same Lambda-like image (present locally), in turns, in the same run; the last line is the ratio
of the medians (target: at most 1.5x).

    python3 bench/invoke.py [--runs 15]
"""

from __future__ import annotations

from common import BENCH_DIR, TEST_IMAGE, alternate, lambda_dap_command, parse_runs

APP = BENCH_DIR / "app"
SAME_WORK = "import json, app; print(json.dumps(app.handler({}, None)))"


def main() -> None:
    runs = parse_runs(__doc__, default=15)
    commands = {
        "lambda-dap invoke": (
            [*lambda_dap_command(), "invoke", "--invoke-image", TEST_IMAGE, "--skip-pull-image"],
            APP,
        ),
        "bare docker run": (
            [
                "docker",
                "run",
                "--rm",
                "-v",
                f"{APP}:/var/task:ro",
                "-w",
                "/var/task",
                "--entrypoint",
                "/var/lang/bin/python3",
                TEST_IMAGE,
                "-c",
                SAME_WORK,
            ],
            None,
        ),
    }
    medians = alternate(commands, runs=runs)
    for name, seconds in medians.items():
        print(f"{name:>20}: median {seconds * 1000:7.1f} ms over {runs} runs")
    ratio = medians["lambda-dap invoke"] / medians["bare docker run"]
    print(f"lambda-dap invoke / bare docker run: {ratio:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
