"""How does lambda-dap on Podman's Docker-compatible API compare with the local dockerd, cold and warm?

Cold: a whole `lambda-dap invoke` of a trivial handler, in turns on the local dockerd and on rootful Podman (the
service of tests/podman, its own socket and store, the test image loaded into it). Warm: bench/warm.py's re-invoke
through the library API, run against each engine. Needs root (rootful Podman).

    python3 bench/podman.py [--runs 10]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from common import BENCH_DIR, REPO, TEST_IMAGE, alternate, lambda_dap_command, parse_runs

sys.path.insert(0, str(REPO))

APP = BENCH_DIR / "app"


def warm_median_ms(env: dict[str, str], runs: int) -> float:
    """bench/warm.py's median against the engine `env` names."""
    done = subprocess.run(
        [sys.executable, str(BENCH_DIR / "warm.py"), "--runs", str(runs)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(re.search(r"warm invoke: median\s+([\d.]+) ms", done.stdout)[1])


def main() -> None:
    import docker

    from tests.podman.service import PodmanService

    runs = parse_runs(__doc__, default=10)
    command = [*lambda_dap_command(), "invoke", "--invoke-image", TEST_IMAGE, "--skip-pull-image"]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "AWS_", "SAM_", "LAMBDA_DAP_ENGINE"))}
    with PodmanService() as podman:
        local = docker.from_env()
        try:
            podman.load_images(local, [TEST_IMAGE])
        finally:
            local.close()
        envs = {"dockerd": base, "podman": podman.environment(base)}
        cold = alternate({name: (command, APP) for name in envs}, runs=runs, envs=envs)
        warm = {name: warm_median_ms(env, runs=20 * runs) for name, env in envs.items()}
    for name in envs:
        print(f"{name:>8}: cold invoke median {cold[name] * 1000:7.1f} ms over {runs} runs; warm {warm[name]:.2f} ms")
    print(
        f"podman / dockerd: cold {cold['podman'] / cold['dockerd']:.2f}x, warm {warm['podman'] / warm['dockerd']:.2f}x"
    )


if __name__ == "__main__":
    main()
