"""What a function's container looks like: the launcher and its arguments, mounts, environment, ports, network.

Decided from the plan alone (no engine call), so each runtime's debug container is easy to pin in tests.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from lambda_dap.container.reaper import OWNER_LABEL, owner
from lambda_dap.container.spec import ContainerSpec, Mount, PortBinding, VolumeMount
from lambda_dap.invoke.plan import FunctionPlan, image_launcher_args
from lambda_dap.invoke.request import InvokeRequest
from lambda_dap.runtime.rundir import MOUNT as RUN_DIR_MOUNT

SANDBOX_HOST = "sandbox.localdomain"  # 0.0.0.0 inside: a server binding it is reachable from the host too
LABELS_ENV = "LAMBDA_DAP_CONTAINER_LABELS"


def container_spec(
    request: InvokeRequest,
    plan: FunctionPlan,
    image_details: dict[str, Any],
    *,
    run_dir: Path,
    runtime_api: str,
    remote: bool = False,
) -> ContainerSpec:
    """The container for `plan`: launcher, mounts, environment, debugger, network; `runtime_api` is the address
    of lambda-dap's Runtime API server, `run_dir` the host side of the launcher's meeting place; `remote`: the
    engine shares no network with this machine (remote_container_spec follows)."""
    environment = dict(plan.environment)
    launcher_args: list[str] = []
    if plan.function.package_type == "Image":
        launcher_args, handler = image_launcher_args(plan.function, image_details)
        if handler:
            environment.setdefault("AWS_LAMBDA_FUNCTION_HANDLER", handler)
            environment.setdefault("_HANDLER", handler)
    mounts = [Mount(str(run_dir), RUN_DIR_MOUNT, read_only=False)]  # the launcher, the client, the meeting place
    if plan.code.path is not None:
        mounts.append(Mount(str(plan.code.path), "/var/task"))
        mounts.extend(Mount(str(target), f"/var/task/{name}") for target, name in plan.symlink_mounts)
    if plan.opt_dir is not None:
        mounts.append(Mount(str(plan.opt_dir), "/opt"))
    installed = plan.installed_dependencies
    if installed is not None:
        mounts.append(Mount(str(installed.directory), installed.target))
    ports: list[PortBinding] = []
    security_opt: list[str] = []
    cap_add: list[str] = []
    if plan.debug is not None and request.debug is not None:
        environment.update(plan.debug.environment)
        launcher_args = list(plan.debug.launcher_args) or launcher_args
        mounts.extend(Mount(mount.source, mount.target) for mount in plan.debug.mounts)
        relayed = relays_debug_port(request, plan, remote=remote)
        published = request.debug.ports[1:] if relayed else request.debug.ports
        if remote:
            published = ()  # each is a relay on this machine, through the agent (invoke/remote.py)
        ports = [PortBinding(port, port, request.debug.host_ip) for port in published]
        if relayed and request.debug.container_host and request.debug.upstream_port and not remote:
            # the relay reaches the debugger through --container-host: on a host port of its own
            ports.append(PortBinding(request.debug.port, request.debug.upstream_port, request.debug.host_ip))
        security_opt, cap_add = list(plan.debug.security_opt), list(plan.debug.cap_add)
    environment.update(plan.container_environment)
    if installed is not None and installed.python_path is not None:
        environment["PYTHONPATH"] = _python_path(installed.python_path, environment, image_details)
    environment["AWS_LAMBDA_RUNTIME_API"] = runtime_api
    network = request.docker_network
    return ContainerSpec(
        image=plan.image,
        entrypoint=["/bin/sh", f"{RUN_DIR_MOUNT}/launch.sh"],
        command=launcher_args,
        environment=environment,
        mounts=mounts,
        working_dir=plan.working_dir
        if plan.function.package_type != "Image"
        else (plan.function.image_config.get("WorkingDirectory") or None),
        memory_mb=plan.memory_mb if request.memory_limit else None,
        labels={**extra_labels(), "lambda-dap.function": plan.function.full_path, OWNER_LABEL: owner()},
        network_mode="host" if network == "host" else None,
        networks=[network] if network and network != "host" else [],
        extra_hosts={SANDBOX_HOST: "0.0.0.0", **request.extra_hosts},
        dns=list(request.dns),
        ports=ports,
        security_opt=security_opt,
        init=request.debug is not None,  # a debugged container ends on SIGTERM first (the debugger's goodbye)
        cap_add=cap_add,
    )


def _python_path(deps: str, environment: dict[str, str], image_details: dict[str, Any]) -> str:
    """PYTHONPATH with the dependencies after what the function or the image sets (the image's, or Lambda's
    default /var/runtime, when the function sets none: a container's PYTHONPATH replaces the image's)."""
    given = environment.get("PYTHONPATH")
    if given is None:
        image_env = (image_details.get("Config") or {}).get("Env") or []
        given = next((item.partition("=")[2] for item in image_env if item.startswith("PYTHONPATH=")), "/var/runtime")
    parts = [part for part in given.split(":") if part and part != deps]
    return ":".join([*parts, deps])


def relays_debug_port(request: InvokeRequest, plan: FunctionPlan, *, remote: bool = False) -> bool:
    """Whether lambda-dap serves the first debug port itself and relays it to the debugger in the container (with
    the host's network, locally, the debugger listens on this machine itself; not so on a remote engine's)."""
    return (
        request.debug is not None
        and request.debug.relay
        and plan.debug is not None
        and plan.debug.port_is_protocol
        and (remote or request.docker_network != "host")
    )


def extra_labels() -> dict[str, str]:
    """Labels to add to every container, from LAMBDA_DAP_CONTAINER_LABELS="key=value,key2=value2" (e.g. for a CI
    job to find its own containers)."""
    pairs = (item.partition("=") for item in os.environ.get(LABELS_ENV, "").split(",") if item.strip())
    return {key.strip(): value.strip() for key, _, value in pairs if key.strip()}


def container_files() -> list[Path]:
    """The files every function container gets in its run directory: the launcher, the runtime client and the
    pausable context clock."""
    directory = Path(str(resources.files("lambda_dap.runtime") / "container_files"))
    names = ("launch.sh", "runtime_client.py", "lambda_dap_clock.py", "lambda_dap_debugpy.py")
    return [directory / name for name in names]


AGENT_FILES_MOUNT = "/var/lambda-dap-files"  # remote mode: the container files, copied to the run dir by the agent
AGENT_RUNTIME_API = "127.0.0.1:9001"  # remote mode: the agent's listener, as in Lambda itself
RUN_DIR_TMPFS = "rw,exec,nosuid,nodev,mode=1777"


class AgentLanguage(NamedTuple):
    """Remote mode: lambda-dap's agent in one language an image may have."""

    interpreter: str
    places: tuple[str, ...]  # where the interpreter is looked for: Lambda's own place, then the PATH
    file: str  # the agent, among the container files
    prelude: str = ""  # what the entrypoint's shell does before it starts the agent


# NODE_OPTIONS is the function's (`--inspect-brk` for its debugger, say), not the agent's: set aside for the agent to
# hand back to the launcher.
_NODE_OPTIONS_ASIDE = (
    'if [ -n "${NODE_OPTIONS+set}" ]; then export LAMBDA_DAP_NODE_OPTIONS="$NODE_OPTIONS"; unset NODE_OPTIONS; fi; '
)
AGENTS = (  # in the order they are tried
    AgentLanguage("python3", ("/var/lang/bin/python3", "python3"), "lambda_dap_agent.py"),
    AgentLanguage("node", ("/var/lang/bin/node", "node"), "lambda_dap_agent.js", _NODE_OPTIONS_ASIDE),
)


def find_agent_script(agents: tuple[AgentLanguage, ...], missing: str) -> str:
    """The container's entrypoint, an sh script: the first of `agents` the image has runs its agent (lambda-dap's
    frames on stdin and stdout) with the arguments; else one line naming `missing`, and exit 127."""
    tries = "".join(
        f'for p in {" ".join(agent.places)}; do if command -v "$p" >/dev/null 2>&1; then '
        f'{agent.prelude}exec "$p" {AGENT_FILES_MOUNT}/{agent.file} "$@"; fi; done; '
        for agent in agents
    )
    return tries + f"echo 'lambda-dap: no {missing} in this image for the agent of remote mode' >&2; exit 127"


FIND_AGENT = find_agent_script(AGENTS, "python3 or node")
FIND_PYTHON_AGENT = find_agent_script(AGENTS[:1], "python3")  # a sidecar's: only the Python agent has --sidecar


def remote_container_spec(
    spec: ContainerSpec,
    *,
    network_host: bool,
    hand_mounted: Path | None = None,
    shared: Callable[[str], bool] | None = None,
) -> ContainerSpec:
    """The same container for an engine that sees neither this machine's files nor its network: each bind mount
    becomes a volume holding a copy of its directory, the run directory a tmpfs, and lambda-dap's agent the
    entrypoint (it starts launch.sh and carries the Runtime API and debugger connections over stdin/stdout).
    `network_host`: the container shares the engine host's network, where 9001 may be taken. `hand_mounted`
    (--docker-volume-basedir, SAM's meaning): paths under it are the engine machine's own, bind-mounted as given.
    `shared` (shared-files mode): whether the engine sees this path of this machine; those are bind-mounted, and
    a source it cannot see then fails the container's creation instead of showing an empty directory."""
    from lambda_dap.container.volumes import volume_for
    from lambda_dap.errors import EngineUnsuitable

    def bound(source: str) -> bool:
        return is_hand_mounted(source, hand_mounted) or (shared is not None and shared(source))

    directory = container_files()[0].parent
    binds, volumes = [], []
    if shared is not None and shared(str(directory)):
        binds.append(Mount(str(directory), AGENT_FILES_MOUNT))
    else:
        volumes.append(agent_files_volume())
    grafts = {parent: grafted for parent, grafted in _symlink_grafts(spec.mounts).items() if not bound(parent.source)}
    for mount in spec.mounts:
        source = Path(mount.source)
        if mount.target == RUN_DIR_MOUNT or any(mount in grafted for grafted in grafts.values()):
            continue
        if bound(mount.source):
            binds.append(mount)
            continue
        if not source.is_dir():
            raise EngineUnsuitable(
                f"{mount.source} (mounted at {mount.target}) is a file: with an engine that cannot see this "
                "machine's files lambda-dap copies directories only; mount its directory instead"
            )
        extra = tuple((m.target.rsplit("/", 1)[1], m.source) for m in grafts.get(mount, []))
        volumes.append(volume_for(source, mount.target, read_only=mount.read_only, grafts=extra))
    runtime_api = AGENT_RUNTIME_API
    if network_host:
        runtime_api = f"127.0.0.1:{30000 + int.from_bytes(os.urandom(2), 'big') % 20000}"
    return dataclasses.replace(
        spec,
        entrypoint=["/bin/sh", "-c", FIND_AGENT, "lambda-dap-agent"],
        command=list(spec.entrypoint[2:] if spec.entrypoint else []) + list(spec.command or []),
        environment={**spec.environment, "AWS_LAMBDA_RUNTIME_API": runtime_api},
        mounts=binds,
        volumes=volumes,
        tmpfs={RUN_DIR_MOUNT: RUN_DIR_TMPFS},
        attach_stdio=True,
        log_driver="none",  # the frames are the link's: the engine keeps no copy of the traffic, events, secrets
        binds_must_exist=shared is not None,
    )


def is_hand_mounted(source: str, hand_mounted: Path | None) -> bool:
    """Whether `source` is under --docker-volume-basedir (SAM's meaning: a path of the engine's machine)."""
    return hand_mounted is not None and Path(source).is_relative_to(hand_mounted)


def agent_files_volume() -> VolumeMount:
    """lambda-dap's container files and its agents (Python, Node.js), copied into a volume (at AGENT_FILES_MOUNT)."""
    from lambda_dap.container.volumes import volume_for

    own = container_files()
    files = [*own, *(own[0].parent / agent.file for agent in AGENTS)]
    return volume_for(files[0].parent, AGENT_FILES_MOUNT, names=tuple(file.name for file in files))


def _symlink_grafts(mounts: list[Mount]) -> dict[Mount, list[Mount]]:
    """The mounts that stand where a symlink of another mount's directory points (code/symlinks mounted as SAM
    does), by that other mount: in remote mode their content is copied into its volume in the link's place."""
    grafts: dict[Mount, list[Mount]] = {}
    for mount in mounts:
        parent_target, _, name = mount.target.rpartition("/")
        parent = next((m for m in mounts if m.target == parent_target and m is not mount), None)
        if parent is not None and name and (Path(parent.source) / name).is_symlink():
            grafts.setdefault(parent, []).append(mount)
    return grafts


def agent_candidates(image_details: dict[str, Any]) -> list[tuple[str, str]]:
    """Where an interpreter for the agent may be in the image, as (interpreter, path), in the order the container's
    entrypoint tries them: each interpreter's absolute places, then each directory of the image's PATH."""
    env = dict(item.partition("=")[::2] for item in (image_details.get("Config") or {}).get("Env") or [])
    path = env.get("PATH") or "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    directories = [directory.rstrip("/") for directory in path.split(":") if directory.startswith("/")]
    candidates: list[tuple[str, str]] = []
    for agent in AGENTS:
        for place in agent.places:
            found = [place] if place.startswith("/") else [f"{directory}/{place}" for directory in directories]
            candidates += [(agent.interpreter, file) for file in found]
    return list(dict.fromkeys(candidates))
