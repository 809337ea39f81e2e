"""Whether the engine is on this machine: engines here, however reached, get bind mounts and the bridge gateway; an
engine on another machine gets remote mode, unless LAMBDA_DAP_ENGINE_MODE=local asks otherwise: then it is refused,
in one line and before any request."""

from __future__ import annotations

import subprocess

import pytest

from lambda_dap.container.endpoint import parse_host
from lambda_dap.container.locality import check_engine_is_here, check_gateway_is_here, is_this_machine
from lambda_dap.errors import EngineElsewhere
from tests.conftest import unavailable

ELSEWHERE = "198.51.100.2"  # TEST-NET-2: the tests' own "remote" engine address (tests/remote); never routed


def own_address() -> str:
    """An IPv4 address of one of this machine's interfaces other than loopback, as `ip` lists them."""
    listing = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True)
    for line in listing.stdout.splitlines():
        fields = line.split()
        if "inet" in fields:
            return fields[fields.index("inet") + 1].split("/")[0]
    unavailable("no global IPv4 address on this machine", "the locality tests")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "127.0.0.53", "::1"])
def test_loopback_is_this_machine(host):
    assert is_this_machine(host)


def test_an_address_of_this_machines_interfaces_is_this_machine():
    assert is_this_machine(own_address())


def test_other_addresses_and_unknown_names_are_elsewhere():
    assert not is_this_machine(ELSEWHERE)
    assert not is_this_machine("build-box.invalid")  # .invalid never resolves


@pytest.mark.parametrize("url", ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2376", "ssh://me@localhost"])
def test_engines_on_this_machine_pass(url):
    check_engine_is_here(parse_host(url, "DOCKER_HOST"))


@pytest.mark.parametrize("url", [f"tcp://{ELSEWHERE}:2375", f"ssh://me@{ELSEWHERE}", "tcp://build-box.invalid:2376"])
def test_an_engine_elsewhere_is_one_line_naming_it(url):
    with pytest.raises(EngineElsewhere) as caught:
        check_engine_is_here(parse_host(url, "DOCKER_HOST"))
    message = str(caught.value)
    assert url in message and "DOCKER_HOST" in message and "another machine" in message and "\n" not in message


def test_a_bridge_gateway_that_is_no_address_here_means_a_vm():
    # TEST-NET-3: only ever inside tests/remote's namespace, never an address of this machine's own interfaces
    endpoint = parse_host("unix:///var/run/docker.sock", "default")
    with pytest.raises(EngineElsewhere, match=r"bridge gateway 203\.0\.113\.200 is no address of this machine"):
        check_gateway_is_here("203.0.113.200", endpoint)
    check_gateway_is_here("127.0.0.1", endpoint)


@pytest.mark.docker
def test_local_mode_refuses_an_engine_elsewhere_before_sending_it_anything(invoke_cli):
    env = {"DOCKER_HOST": f"tcp://{ELSEWHERE}:2375", "LAMBDA_DAP_ENGINE_MODE": "local"}
    run = invoke_cli("Kitchen", env=env, timeout=30)
    assert run.code == 1
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "runs on another machine" in lines[0], run.stderr
    assert "LAMBDA_DAP_ENGINE_MODE=local" in lines[0]


@pytest.mark.parametrize("value", ["local", "remote", "Remote ", "shared-files", ""])
def test_the_engine_mode_setting(monkeypatch, value):
    from lambda_dap.container.locality import forced_mode

    monkeypatch.setenv("LAMBDA_DAP_ENGINE_MODE", value)
    assert forced_mode() == (value.strip().lower() or None)


@pytest.mark.docker
def test_an_unknown_engine_mode_is_one_line(invoke_cli):
    run = invoke_cli("Kitchen", env={"LAMBDA_DAP_ENGINE_MODE": "cloud"}, timeout=30)
    assert run.code == 1
    assert run.stderr.strip().splitlines() == [
        "Error: LAMBDA_DAP_ENGINE_MODE=cloud: expected local, remote or shared-files"
    ]


# What `GET /info` answers (the fields that matter) on engines in a VM of this machine, and on others.
DESKTOP_MAC = {"OperatingSystem": "Docker Desktop", "Name": "docker-desktop", "KernelVersion": "6.10.14-linuxkit"}
DESKTOP_LABELLED = {"OperatingSystem": "", "Name": "", "Labels": ["com.docker.desktop.address=unix:///x.sock"]}
ORBSTACK = {"OperatingSystem": "OrbStack", "Name": "orbstack", "KernelVersion": "6.12.5-orbstack"}
DEBIAN = {"OperatingSystem": "Debian GNU/Linux 12 (bookworm)", "Name": "build-box", "Labels": []}
COLIMA = {"OperatingSystem": "Ubuntu 24.04.1 LTS", "Name": "colima"}
PODMAN = {"OperatingSystem": "fedora", "Name": "localhost.localdomain"}


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        (DESKTOP_MAC, "Docker Desktop"),
        (DESKTOP_LABELLED, "Docker Desktop"),
        (ORBSTACK, "OrbStack"),
        (DEBIAN, None),
        (COLIMA, None),
        (PODMAN, None),
        ({}, None),
    ],
    ids=["desktop", "desktop-label", "orbstack", "debian", "colima", "podman", "empty"],
)
def test_an_engine_that_shares_this_machines_files_is_told_by_its_info(info, expected):
    from lambda_dap.container.locality import file_sharing_engine

    assert file_sharing_engine(info) == expected


def test_an_engine_that_does_not_answer_info_shares_nothing():
    from lambda_dap.container.locality import engine_shares_files
    from lambda_dap.errors import EngineError

    class Refusing:
        def info(self):
            raise EngineError(500, "no info here")

    class Desktop:
        def info(self):
            return DESKTOP_MAC

    assert engine_shares_files(Refusing()) is None
    assert engine_shares_files(Desktop()) == "Docker Desktop"
