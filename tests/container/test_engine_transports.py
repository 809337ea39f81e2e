"""`lambda-dap invoke` against an engine reached over TLS or ssh, as DOCKER_HOST and Docker contexts name it."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from tests.conftest import unavailable
from tests.container.remote_engines import SshEngine, TlsEngine, write_certificates
from tests.invoke.conftest import KITCHEN, containers_gone

pytestmark = pytest.mark.docker

TEMPLATE = ["-t", str(KITCHEN / "template.yaml")]


@pytest.fixture
def certificates(tmp_path):
    directory = tmp_path / "certs"
    directory.mkdir()
    write_certificates(directory)
    return directory


@pytest.fixture
def tls_engine(certificates):
    engine = TlsEngine(certificates)
    yield engine
    engine.close()


@pytest.fixture
def ssh_engine(tmp_path):
    if not os.path.exists("/usr/sbin/sshd"):
        unavailable("OpenSSH's server is not installed", "the ssh engine tests")
    directory = tmp_path / "ssh"
    directory.mkdir()
    engine = SshEngine(directory)
    yield engine
    engine.close()


def test_an_invoke_through_a_tls_engine_with_docker_tls_verify(invoke_cli, event_file, tls_engine, certificates):
    env = {
        "DOCKER_HOST": f"tcp://127.0.0.1:{tls_engine.port}",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(certificates),
    }
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "echo", "n": 7}), env=env)
    assert run.code == 0, run.stderr
    assert run.json["event"] == {"action": "echo", "n": 7}
    assert tls_engine.connections > 0 and tls_engine.refused == 0


def test_a_tls_engine_whose_certificate_the_ca_did_not_sign_is_refused_in_one_line(
    invoke_cli, tls_engine, tmp_path, docker_client
):
    other = tmp_path / "other-ca"
    other.mkdir()
    write_certificates(other)  # a CA of its own: it signed neither the engine's certificate nor trusts ours
    host = f"tcp://127.0.0.1:{tls_engine.port}"
    env = {"DOCKER_HOST": host, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(other)}
    run = invoke_cli("Kitchen", *TEMPLATE, env=env)
    assert run.code == 1
    assert "failed TLS verification" in run.stderr and f"127.0.0.1:{tls_engine.port}" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
    assert tls_engine.connections == 0


def test_a_docker_context_with_tls_material(invoke_cli, event_file, tls_engine, certificates, tmp_path):
    config_dir = tmp_path / "docker-config"
    digest = hashlib.sha256(b"secure-box").hexdigest()
    meta = config_dir / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    host = f"tcp://127.0.0.1:{tls_engine.port}"
    meta.joinpath("meta.json").write_text(
        json.dumps({"Name": "secure-box", "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}}})
    )
    tls = config_dir / "contexts" / "tls" / digest / "docker"
    tls.mkdir(parents=True)
    for name in ("ca.pem", "cert.pem", "key.pem"):
        tls.joinpath(name).write_bytes(certificates.joinpath(name).read_bytes())
    config_dir.joinpath("config.json").write_text(json.dumps({"currentContext": "secure-box"}))
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "echo"}), env={"DOCKER_CONFIG": str(config_dir)})
    assert run.code == 0, run.stderr
    assert tls_engine.connections > 0


def test_an_invoke_through_an_ssh_engine(invoke_cli, event_file, ssh_engine, docker_client):
    env = {"DOCKER_HOST": ssh_engine.url, "LAMBDA_DAP_SSH_COMMAND": ssh_engine.ssh_command}
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "echo", "via": "ssh"}), env=env)
    assert run.code == 0, run.stderr
    assert run.json["event"] == {"action": "echo", "via": "ssh"}
    assert containers_gone(docker_client)


def test_an_ssh_engine_that_refuses_the_key_says_what_ssh_said(invoke_cli, ssh_engine):
    ssh_engine.directory.joinpath("authorized_keys").write_text("")  # the test's key no longer admitted
    env = {"DOCKER_HOST": ssh_engine.url, "LAMBDA_DAP_SSH_COMMAND": ssh_engine.ssh_command}
    run = invoke_cli("Kitchen", *TEMPLATE, env=env)
    assert run.code == 1
    assert "Permission denied" in run.stderr and ssh_engine.url in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_remote_mode_over_ssh(invoke_cli, event_file, ssh_engine, docker_client):
    """The agent's frames over the attached stream that ssh's `docker system dial-stdio` carries."""
    env = {"DOCKER_HOST": ssh_engine.url, "LAMBDA_DAP_SSH_COMMAND": ssh_engine.ssh_command}
    env["LAMBDA_DAP_ENGINE_MODE"] = "remote"
    writes = [["stdout", "over "], ["stdout", "ssh\npartial"]]
    run = invoke_cli("Kitchen", *TEMPLATE, "-e", event_file({"action": "write", "writes": writes}), env=env)
    assert run.code == 0, run.stderr
    assert run.json == "written"
    lines = run.stderr.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("END RequestId: "))
    assert lines[end - 2 : end] == ["over ssh", "partial"], run.stderr
    assert containers_gone(docker_client)
