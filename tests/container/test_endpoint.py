"""Which engine lambda-dap talks to: the one the Docker CLI would use with the same environment and config."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from lambda_dap.container.endpoint import local_socket_candidates, resolve_endpoint
from lambda_dap.errors import DockerNotAvailable


def make_context(config_dir: Path, name: str, host: str, *, tls_files=(), skip_verify: bool = False) -> None:
    """A context as `docker context create NAME --docker host=HOST[,ca=...,cert=...,key=...]` stores it."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    meta = config_dir / "contexts" / "meta" / digest
    meta.mkdir(parents=True)
    document = {"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip_verify}}}
    (meta / "meta.json").write_text(json.dumps(document))
    if tls_files:
        tls = config_dir / "contexts" / "tls" / digest / "docker"
        tls.mkdir(parents=True)
        for file in tls_files:
            (tls / file).write_text("PEM")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / ".docker").mkdir()
    return tmp_path


def test_docker_host_wins_over_docker_context_and_the_current_context(home):
    make_context(home / ".docker", "remote", "tcp://10.9.9.9:2375")
    (home / ".docker" / "config.json").write_text(json.dumps({"currentContext": "remote"}))
    endpoint = resolve_endpoint({"DOCKER_HOST": "unix:///run/other.sock", "DOCKER_CONTEXT": "remote"}, home)
    assert (endpoint.scheme, endpoint.path, endpoint.origin) == ("unix", "/run/other.sock", "DOCKER_HOST")


def test_docker_context_names_a_context_of_the_store(home):
    make_context(home / ".docker", "build-box", "ssh://me@build-box:2222")
    endpoint = resolve_endpoint({"DOCKER_CONTEXT": "build-box"}, home)
    assert (endpoint.scheme, endpoint.user, endpoint.host, endpoint.port) == ("ssh", "me", "build-box", 2222)
    assert endpoint.origin == "Docker context 'build-box'"


def test_the_current_context_of_the_cli_config_is_used(home):
    make_context(home / ".docker", "desktop-linux", "unix:///home/me/.docker/desktop/docker.sock")
    (home / ".docker" / "config.json").write_text(json.dumps({"auths": {}, "currentContext": "desktop-linux"}))
    assert resolve_endpoint({}, home).path == "/home/me/.docker/desktop/docker.sock"


def test_docker_config_moves_the_config_directory(tmp_path):
    config_dir = tmp_path / "elsewhere"
    make_context(config_dir, "ci", "tcp://127.0.0.1:2375")
    (config_dir / "config.json").write_text(json.dumps({"currentContext": "ci"}))
    endpoint = resolve_endpoint({"DOCKER_CONFIG": str(config_dir)}, tmp_path)
    assert (endpoint.host, endpoint.port, endpoint.tls) == ("127.0.0.1", 2375, None)


def test_a_context_with_certificates_speaks_tls_and_verifies_unless_told_not_to(home):
    make_context(home / ".docker", "secure", "tcp://127.0.0.1:2376", tls_files=("ca.pem", "cert.pem", "key.pem"))
    make_context(home / ".docker", "lax", "tcp://127.0.0.1:2376", tls_files=("cert.pem", "key.pem"), skip_verify=True)
    secure = resolve_endpoint({"DOCKER_CONTEXT": "secure"}, home)
    assert secure.tls is not None and secure.tls.verify and secure.tls.ca.name == "ca.pem"
    lax = resolve_endpoint({"DOCKER_CONTEXT": "lax"}, home)
    assert lax.tls is not None and not lax.tls.verify and lax.tls.ca is None and lax.tls.cert.name == "cert.pem"


def test_the_default_context_is_the_local_socket(home):
    endpoint = resolve_endpoint({"DOCKER_CONTEXT": "default"}, home)
    assert endpoint.scheme == "unix" and endpoint.origin in ("default", "found")


def test_a_missing_context_is_one_line_naming_it(home):
    with pytest.raises(DockerNotAvailable) as caught:
        resolve_endpoint({"DOCKER_CONTEXT": "gone"}, home)
    assert "Docker context 'gone' does not exist" in str(caught.value)
    assert "docker context ls" in str(caught.value) and "\n" not in str(caught.value)


def test_a_broken_cli_config_names_the_file(home):
    (home / ".docker" / "config.json").write_text("{not json")
    with pytest.raises(DockerNotAvailable) as caught:
        resolve_endpoint({}, home)
    assert str(home / ".docker" / "config.json") in str(caught.value)


def test_docker_tls_verify_takes_the_certificates_from_docker_cert_path(tmp_path):
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("PEM")
    environ = {"DOCKER_HOST": "tcp://127.0.0.1", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)}
    endpoint = resolve_endpoint(environ, tmp_path)
    assert endpoint.port == 2376, "TLS's default port"
    assert endpoint.tls.verify and endpoint.tls.ca == tmp_path / "ca.pem" and endpoint.tls.key == tmp_path / "key.pem"


def test_docker_tls_without_verify_needs_no_ca(tmp_path):
    endpoint = resolve_endpoint({"DOCKER_HOST": "tcp://127.0.0.1:2376", "DOCKER_TLS": "1"}, tmp_path)
    assert endpoint.tls is not None and not endpoint.tls.verify


def test_plain_tcp_defaults_to_port_2375(tmp_path):
    endpoint = resolve_endpoint({"DOCKER_HOST": "tcp://127.0.0.1"}, tmp_path)
    assert (endpoint.port, endpoint.tls) == (2375, None)


def test_half_a_client_certificate_is_an_error(tmp_path):
    (tmp_path / "ca.pem").write_text("PEM")
    (tmp_path / "cert.pem").write_text("PEM")
    environ = {"DOCKER_HOST": "tcp://127.0.0.1", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)}
    with pytest.raises(DockerNotAvailable, match=r"both cert\.pem and key\.pem"):
        resolve_endpoint(environ, tmp_path)


@pytest.mark.parametrize(
    ("host", "says"),
    [
        ("ssh://me@box/var/run/docker.sock", "has no path"),
        ("unix://", "expected unix:///path"),
        ("tcp://:2375", "expected tcp://HOST:PORT"),
    ],
)
def test_malformed_hosts_are_one_line(tmp_path, host, says):
    with pytest.raises(DockerNotAvailable) as caught:
        resolve_endpoint({"DOCKER_HOST": host}, tmp_path)
    assert says in str(caught.value) and host in str(caught.value)


def test_without_a_system_socket_the_sockets_of_other_engines_are_found(tmp_path, monkeypatch):
    import lambda_dap.container.endpoint as endpoint_module

    monkeypatch.setattr(endpoint_module, "DEFAULT_SOCKET", str(tmp_path / "absent.sock"))
    podman = tmp_path / "run" / "podman" / "podman.sock"
    podman.parent.mkdir(parents=True)
    podman.write_text("")  # stands for the socket: only its existence is looked at
    environ = {"XDG_RUNTIME_DIR": str(tmp_path / "run")}
    assert str(podman) in local_socket_candidates(environ, tmp_path)
    endpoint = resolve_endpoint(environ, tmp_path)
    assert (endpoint.path, endpoint.origin) == (str(podman), "found")
