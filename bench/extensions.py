"""What does one Lambda extension add to a whole `lambda-dap invoke` of a trivial handler?

Two functions of tests/apps/extensions, same handler, same image, each with one local layer: NoopExt, whose layer
holds one no-op extension (noop-ext: POSIX sh and one curl per call; it registers for INVOKE and SHUTDOWN and loops
on /event/next, exiting at SHUTDOWN), and NoExtensions, whose layer holds none. They run in turns, in the same run;
the last line is the difference of the medians and their ratio (target: under 50 ms added). About 20 ms of it is
the extension's own: two curl starts (register, first /event/next) before the runtime may start.

    python3 bench/extensions.py [--runs 15]
"""

from __future__ import annotations

from common import REPO, TEST_IMAGE, alternate, lambda_dap_command, parse_runs

APP = REPO / "tests" / "apps" / "extensions"
TARGET_MS = 50.0


def invoke_command(function: str) -> list[str]:
    return [
        *lambda_dap_command(),
        "invoke",
        function,
        "-t",
        str(APP / "template.yaml"),
        "--invoke-image",
        TEST_IMAGE,
        "--skip-pull-image",
    ]


def main() -> None:
    runs = parse_runs(__doc__, default=15)
    commands = {
        "one no-op extension": (invoke_command("NoopExt"), APP),
        "no extension": (invoke_command("NoExtensions"), APP),
    }
    medians = alternate(commands, runs=runs)
    for name, seconds in medians.items():
        print(f"{name:>20}: median {seconds * 1000:7.1f} ms over {runs} runs")
    added_ms = (medians["one no-op extension"] - medians["no extension"]) * 1000
    ratio = medians["one no-op extension"] / medians["no extension"]
    verdict = "within" if added_ms < TARGET_MS else "over"
    print(f"one no-op extension adds {added_ms:.1f} ms ({ratio:.2f}x; {verdict} the target of < {TARGET_MS:.0f} ms)")


if __name__ == "__main__":
    main()
