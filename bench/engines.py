"""How much does reaching the engine over TLS or ssh cost a cold `lambda-dap invoke`, against its local socket?

The same engine three ways, in turns, in the same run: its unix socket, a mutual-TLS front on loopback
(`DOCKER_HOST=tcp://...`, `DOCKER_TLS_VERIFY`), and OpenSSH on loopback (`DOCKER_HOST=ssh://...`). Needs root (sshd).

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
            medians = alternate({name: (command, APP) for name in envs}, runs=runs, envs=envs)
        finally:
            tls.close()
            ssh.close()
    for name, seconds in medians.items():
        print(f"{name:>13}: median {seconds * 1000:7.1f} ms over {runs} runs")
    local = medians["local socket"]
    print(f"TLS / local socket: {medians['TLS'] / local:.2f}x; ssh / local socket: {medians['ssh'] / local:.2f}x")


if __name__ == "__main__":
    main()
