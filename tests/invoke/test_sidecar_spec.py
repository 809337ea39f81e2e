"""The two containers of a sidecar (invoke/sidecar.py), as the engine is asked for them: the function's in the
sidecar's network and PID namespaces with its own launcher, mounts and debugger rights; the sidecar with the agent,
the function's network settings, and none of the function's environment. And the images remembered as having no
interpreter for the agent."""

from __future__ import annotations

from lambda_dap.container.spec import ContainerSpec, Mount
from lambda_dap.invoke.sidecar import function_spec, sidecar_spec
from lambda_dap.invoke.spec import AGENT_FILES_MOUNT, remote_container_spec


def specs(tmp_path) -> tuple[ContainerSpec, ContainerSpec, ContainerSpec]:
    """(the function's container without remote mode, the sidecar, the function's beside it)."""
    code, run_dir = tmp_path / "code", tmp_path / "run"
    code.mkdir()
    run_dir.mkdir()
    (code / "bootstrap").write_bytes(b"\x7fELF")
    local = ContainerSpec(
        image="lambda-dap-test/provided-agentless:1",
        entrypoint=["/bin/sh", "/var/lambda-dap/launch.sh"],
        command=["--wrap", "/tmp/lambci_debug_files/dlv", "exec", "--headless"],
        environment={"AWS_SECRET_ACCESS_KEY": "never in the sidecar", "AWS_LAMBDA_RUNTIME_API": "10.0.0.1:5000"},
        mounts=[Mount(str(run_dir), "/var/lambda-dap", read_only=False), Mount(str(code), "/var/task")],
        labels={"lambda-dap.owner": "here:1"},
        networks=["project-net"],
        extra_hosts={"sandbox.localdomain": "0.0.0.0"},
        dns=["10.0.0.2"],
        security_opt=["seccomp=unconfined"],
        cap_add=["SYS_PTRACE"],
        init=True,
        memory_mb=128,
    )
    remote = remote_container_spec(local, network_host=False)
    return local, sidecar_spec(remote, "agent-image:1"), function_spec(remote, local, "SID")


def test_the_function_joins_the_sidecars_namespaces_with_its_own_launcher(tmp_path):
    local, _, function = specs(tmp_path)
    assert (function.network_mode, function.pid_mode) == ("container:SID", "container:SID")
    assert (function.networks, function.extra_hosts, function.dns, function.ports) == ([], {}, [], [])
    assert function.entrypoint == ["/bin/sh", "/var/lambda-dap/launch.sh"] and function.command == local.command
    assert function.environment["AWS_SECRET_ACCESS_KEY"] == "never in the sidecar"
    assert function.environment["AWS_LAMBDA_RUNTIME_API"] == "127.0.0.1:9001"  # the agent's listener
    assert [volume.target for volume in function.volumes] == ["/var/task"]
    assert function.volumes_from == ["SID"]  # the run directory: the sidecar's volume
    assert function.mounts == [] and function.tmpfs == {}
    assert (function.security_opt, function.cap_add) == (["seccomp=unconfined"], ["SYS_PTRACE"])  # delve's
    assert function.memory_mb == 128
    assert not function.init  # the agent is PID 1
    assert not function.attach_stdio and function.log_driver is None  # its own output: the engine's log stream


def test_the_sidecar_has_the_agent_the_network_and_none_of_the_functions_environment(tmp_path):
    _, sidecar, _ = specs(tmp_path)
    assert sidecar.image == "agent-image:1"
    assert sidecar.command == ["--sidecar"] and "lambda_dap_agent.py" in " ".join(sidecar.entrypoint)
    assert sidecar.environment == {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}
    assert (sidecar.networks, sidecar.dns) == (["project-net"], ["10.0.0.2"])
    assert sidecar.extra_hosts == {"sandbox.localdomain": "0.0.0.0"}
    targets = {volume.target: volume for volume in sidecar.volumes}
    assert set(targets) == {AGENT_FILES_MOUNT, "/var/lambda-dap"}
    assert targets[AGENT_FILES_MOUNT].read_only and not targets["/var/lambda-dap"].read_only
    run_volume = targets["/var/lambda-dap"]
    assert run_volume.name == ""  # anonymous: the engine removes it with the sidecar
    assert dict(run_volume.labels)["lambda-dap.run"] == "1" and dict(run_volume.labels)["lambda-dap.owner"] == "here:1"
    assert dict(run_volume.driver_options)["type"] == "tmpfs"
    assert sidecar.labels["lambda-dap.sidecar"] == "1" and sidecar.labels["lambda-dap.owner"] == "here:1"
    assert sidecar.attach_stdio and sidecar.log_driver == "none"


def test_the_engine_is_asked_for_the_namespaces_and_the_sidecars_own_tmpfs_volume(tmp_path):
    from lambda_dap.container.run import Container

    _, sidecar, function = specs(tmp_path)
    host_config = Container(function)._create_config()["HostConfig"]
    assert (host_config["NetworkMode"], host_config["PidMode"]) == ("container:SID", "container:SID")
    assert host_config["VolumesFrom"] == ["SID"] and host_config["AutoRemove"]
    run_mount = Container(sidecar)._create_config()["HostConfig"]["Mounts"][-1]
    assert "Source" not in run_mount and run_mount["Target"] == "/var/lambda-dap"
    options = run_mount["VolumeOptions"]
    assert options["Labels"]["lambda-dap.run"] == "1"
    assert options["DriverConfig"] == {
        "Name": "local",
        "Options": {"type": "tmpfs", "device": "tmpfs", "o": "mode=1777,nosuid,nodev"},
    }


def test_an_image_without_an_interpreter_is_remembered_by_its_id_and_the_paths_looked_at(tmp_path, monkeypatch):
    from lambda_dap.invoke import sidecar

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(sidecar, "_without_interpreter", set())
    image, candidates = {"Id": "sha256:aaaa"}, ["/var/lang/bin/python3", "/usr/bin/python3"]
    assert not sidecar.needs_sidecar(image, candidates)
    sidecar.remember_without_interpreter(image, candidates)
    monkeypatch.setattr(sidecar, "_without_interpreter", set())  # a later process: from the file
    assert sidecar.needs_sidecar(image, candidates)
    assert not sidecar.needs_sidecar({"Id": "sha256:bbbb"}, candidates)
    assert not sidecar.needs_sidecar(image, [*candidates, "/usr/bin/node"])  # another check: found out again
    assert not sidecar.needs_sidecar({}, candidates)


def test_the_remembered_images_are_the_last_ones(tmp_path, monkeypatch):
    from lambda_dap.invoke import sidecar

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(sidecar, "_without_interpreter", set())
    monkeypatch.setattr(sidecar, "REMEMBERED", 3)
    for number in range(5):
        sidecar.remember_without_interpreter({"Id": f"sha256:{number}"}, ["/usr/bin/python3"])
    monkeypatch.setattr(sidecar, "_without_interpreter", set())
    kept = [number for number in range(5) if sidecar.needs_sidecar({"Id": f"sha256:{number}"}, ["/usr/bin/python3"])]
    assert kept == [2, 3, 4]
