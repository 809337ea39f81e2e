"""How much does reaching the engine over TLS or ssh cost a cold `lambda-dap invoke`, against its local socket?
And an engine that shares neither files nor network (remote mode)?

The same engine three ways, in turns, in the same run: its unix socket, a mutual-TLS front on loopback
(`DOCKER_HOST=tcp://...`, `DOCKER_TLS_VERIFY`), and OpenSSH on loopback (`DOCKER_HOST=ssh://...`). Needs root (sshd).
Then remote mode: forced on the local socket (`LAMBDA_DAP_ENGINE_MODE=remote`: the agent and volumes alone), and
the simulated remote engine of tests/remote (its own network and mount namespaces), both with the function's
volumes already filled (the first invoke of new code copies it once: printed apart, as "first copy"). Then, on
the remote engine, the same Go function (tests/apps/go, built) with its agent in the function's container (the
provided test image, which has python3) and in a sidecar (the same image without python3: invoke/sidecar.py).
Then a Node.js function (the nodejs test image: no python3, so remote mode runs the Node.js agent), cold (one
`lambda-dap invoke`) and warm (re-invokes of one kept container through the library API), local socket against the
remote engine.
Last, shared-files mode (Docker Desktop's: the agent carries the network, the files are bind-mounted) on tests/remote's
second engine, which sees this machine's files but not its network, and the cold invoke that matters there: right
after an edit of the code, in turns, locally, in shared-files mode and in remote mode on that same engine (a copy).

    python3 bench/engines.py [--runs 10]
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from common import BENCH_DIR, REPO, TEST_IMAGE, alternate, lambda_dap_command, parse_runs

sys.path.insert(0, str(REPO))
from tests.container.remote_engines import SshEngine, TlsEngine, write_certificates

APP = BENCH_DIR / "app"
PROVIDED_IMAGE = "lambda-dap-test/provided:al2023"
NODE_APP = BENCH_DIR / "node_app"
NODE_IMAGE = "lambda-dap-test/nodejs:18-nopython"
WARM_RUNS = 40
# Warm re-invokes in a process of their own (its engine and locality are its environment's): ms, one per line.
WARM = f"""
import sys, time
from pathlib import Path
from lambda_dap.invoke import InvokeRequest, InvokeSession
request = InvokeRequest(template=Path(sys.argv[1]), invoke_images={{None: sys.argv[2]}}, skip_pull_image=True)
with InvokeSession(request) as session:
    for _ in range(4):
        assert session.invoke(b"{{}}").ok
    for number in range({WARM_RUNS}):
        started = time.perf_counter()
        result = session.invoke(b'{{"n": %d}}' % number)
        print((time.perf_counter() - started) * 1000)
        assert result.ok, result.payload
"""


def main() -> None:
    runs = parse_runs(__doc__, default=10)
    command = [*lambda_dap_command(), "invoke", "--invoke-image", TEST_IMAGE, "--skip-pull-image"]
    with tempfile.TemporaryDirectory(prefix="lambda-dap-bench-") as scratch:
        certificates, ssh_dir = Path(scratch) / "certs", Path(scratch) / "ssh"
        certificates.mkdir()
        ssh_dir.mkdir()
        write_certificates(certificates)
        tls, ssh = TlsEngine(certificates), SshEngine(ssh_dir)
        try:
            base = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "AWS_", "SAM_"))}
            envs = {
                "local socket": base,
                "TLS": {
                    **base,
                    "DOCKER_HOST": f"tcp://127.0.0.1:{tls.port}",
                    "DOCKER_TLS_VERIFY": "1",
                    "DOCKER_CERT_PATH": str(certificates),
                },
                "ssh": {**base, "DOCKER_HOST": ssh.url, "LAMBDA_DAP_SSH_COMMAND": ssh.ssh_command},
            }
            envs["remote mode, local socket"] = {**base, "LAMBDA_DAP_ENGINE_MODE": "remote"}
            remote = _remote_engine()
            if remote is not None:
                envs["remote (other namespace)"] = {**base, "DOCKER_HOST": remote.docker_host}
            shared = _remote_engine(shared_files=True)
            if shared is not None:
                envs["shared-files (no network)"] = {
                    **base,
                    "DOCKER_HOST": shared.docker_host,
                    "LAMBDA_DAP_ENGINE_MODE": "shared-files",
                }
            try:
                medians = alternate({name: (command, APP) for name in envs}, runs=runs, envs=envs)
                first = _first_copy(command, envs["remote (other namespace)"]) if remote is not None else None
                sidecar = _sidecar(remote, envs["remote (other namespace)"], runs) if remote is not None else {}
                node = _node(runs, base, envs.get("remote (other namespace)"))
                edits = big_edits = None
                if shared is not None:
                    edit_envs = {
                        "local, after an edit": base,
                        "shared-files, after an edit": envs["shared-files (no network)"],
                        "remote, after an edit": {**base, "DOCKER_HOST": shared.docker_host},
                    }
                    edits = _after_edits(command, edit_envs, runs)
                    big_edits = _after_edits(command, edit_envs, runs, padding_mb=10)
            finally:
                for engine in (remote, shared):
                    if engine is not None:
                        engine.stop()
        finally:
            tls.close()
            ssh.close()
    for name, seconds in medians.items():
        print(f"{name:>26}: median {seconds * 1000:7.1f} ms over {runs} runs")
    if first is not None:
        print(f"{'remote, first copy':>26}: median {first * 1000:7.1f} ms over 5 runs (new code: a volume filled)")
    local = medians["local socket"]
    print(f"TLS / local socket: {medians['TLS'] / local:.2f}x; ssh / local socket: {medians['ssh'] / local:.2f}x")
    if "remote (other namespace)" in medians:
        print(f"remote / local socket: {medians['remote (other namespace)'] / local:.2f}x")
    for name, seconds in sidecar.items():
        print(f"{'Go, ' + name:>26}: median {seconds * 1000:7.1f} ms over {runs} runs (remote engine)")
    if sidecar:
        print(f"sidecar / agent in the function's container: {sidecar['sidecar'] / sidecar['in-container agent']:.2f}x")
    for name, seconds in node.items():
        unit = f"over {runs} runs" if name.endswith("cold") else f"over {WARM_RUNS} re-invokes"
        print(f"{name:>26}: median {seconds * 1000:7.1f} ms {unit}")
    for kind in ("cold", "warm"):
        if f"node remote, {kind}" in node:
            ratio = node[f"node remote, {kind}"] / node[f"node local, {kind}"]
            print(f"node {kind}: remote (Node.js agent) / local socket: {ratio:.2f}x")
    if "shared-files (no network)" in medians:
        print(f"shared-files / local socket: {medians['shared-files (no network)'] / local:.2f}x")
    for label, series in (("", edits), (", 10 MB of dependencies beside the code", big_edits)):
        if series is None:
            continue
        for name, seconds in series.items():
            print(f"{name:>28}: median {seconds * 1000:7.1f} ms over {runs} runs (the code edited just before{label})")
        edited, shared = series["local, after an edit"], series["shared-files, after an edit"]
        print(
            f"after an edit{label}: shared-files / local {shared / edited:.2f}x, "
            f"remote / local {series['remote, after an edit'] / edited:.2f}x, "
            f"remote / shared-files {series['remote, after an edit'] / shared:.2f}x"
        )


def _node(runs: int, local: dict[str, str], remote: dict[str, str] | None) -> dict[str, float]:
    """A Node.js function's cold and warm invokes, locally and (when there) on the remote engine: seconds."""
    import statistics
    import subprocess

    command = [*lambda_dap_command(), "invoke", "--invoke-image", NODE_IMAGE, "--skip-pull-image"]
    envs = {"node local, cold": local} | ({"node remote, cold": remote} if remote is not None else {})
    medians = alternate({name: (command, NODE_APP) for name in envs}, runs=runs, envs=envs)
    for name, env in (("node local, warm", local), ("node remote, warm", remote)):
        if env is None:
            continue
        done = subprocess.run(
            [sys.executable, "-c", WARM, str(NODE_APP / "template.yaml"), NODE_IMAGE],
            env={**env, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            check=True,
        )
        medians[name] = statistics.median(float(line) for line in done.stdout.split()) / 1000
    return medians


def _remote_engine(shared_files: bool = False):
    """The simulated remote engine (or the one that sees this machine's files) with the test image, or None (said
    why) where it cannot run."""
    import docker

    from tests.remote.dockerd import REMOTE, SHARED_FILES, RemoteEngine, RemoteEngineError

    engine = RemoteEngine(layout=SHARED_FILES if shared_files else REMOTE)
    try:
        engine.start()
        engine.load_images(docker.from_env(), [TEST_IMAGE, NODE_IMAGE])
    except RemoteEngineError as error:
        print(f"(no {engine.layout.name} engine row: {error})")
        engine.stop()
        return None
    return engine


def _sidecar(remote, env: dict[str, str], runs: int) -> dict[str, float]:
    """Medians of a cold invoke of the built Go function on the remote engine: its agent in the function's
    container / in a sidecar (LAMBDA_DAP_AGENT_IMAGE: the Python test image), the code's volume filled."""
    import docker

    from tests.debug.go_function import build_app
    from tests.remote.images import agentless_image

    local = docker.from_env()
    remote.load_images(local, [PROVIDED_IMAGE])
    bare = agentless_image(remote.client, PROVIDED_IMAGE, {"lambda-dap": "1"})
    with tempfile.TemporaryDirectory(prefix="lambda-dap-bench-") as scratch:
        template = build_app(local, REPO / "tests" / "apps" / "go", Path(scratch) / ".aws-sam" / "build")
        base = [*lambda_dap_command(), "invoke", "-t", str(template), "--skip-pull-image", "--invoke-image"]
        commands = {
            "in-container agent": ([*base, PROVIDED_IMAGE], template.parent),
            "sidecar": ([*base, bare], template.parent),
        }
        envs = {name: {**env, "LAMBDA_DAP_AGENT_IMAGE": TEST_IMAGE} for name in commands}
        return alternate(commands, runs=runs, envs=envs)


def _first_copy(command: list[str], env: dict[str, str], runs: int = 5) -> float:
    """The median of invokes of code no volume holds yet (each a copy of the app with a new file): the copy's cost
    included."""
    import shutil
    import statistics
    import subprocess
    import time
    import uuid

    seconds = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="lambda-dap-bench-") as scratch:
            app = Path(scratch) / "app"
            shutil.copytree(APP, app)
            (app / "new.txt").write_text(uuid.uuid4().hex)
            started = time.perf_counter()
            subprocess.run(command, cwd=app, env=env, check=True, capture_output=True)
            seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def _after_edits(
    command: list[str], envs: dict[str, dict[str, str]], runs: int, padding_mb: int = 0
) -> dict[str, float]:
    """The median cold invoke of each setting, in turns, each right after an edit of the handler (untimed): a copy
    of the app of its own per setting, so that each edit is new to it; `padding_mb` of dependencies beside the
    handler (as `sam build` puts them), 100 kB files."""
    import shutil
    import statistics
    import subprocess
    import time
    import uuid

    samples: dict[str, list[float]] = {name: [] for name in envs}
    with tempfile.TemporaryDirectory(prefix="lambda-dap-bench-") as scratch:
        apps = {name: Path(scratch) / f"app{index}" for index, name in enumerate(envs)}
        for app in apps.values():
            shutil.copytree(APP, app)
            for index in range(padding_mb * 10):
                package = app / "vendored" / f"pkg{index // 50}"
                package.mkdir(parents=True, exist_ok=True)
                (package / f"blob{index}.bin").write_bytes(os.urandom(100_000))
        handler = (APP / "app.py").read_text()
        for round_number in range(1 + runs):  # the first round warms up (image, digests, lambda-dap's own volume)
            for name, env in envs.items():
                (apps[name] / "app.py").write_text(f"{handler}\nEDIT = {uuid.uuid4().hex!r}\n")
                started = time.perf_counter()
                subprocess.run(command, cwd=apps[name], env=env, check=True, capture_output=True)
                if round_number:
                    samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


if __name__ == "__main__":
    main()
