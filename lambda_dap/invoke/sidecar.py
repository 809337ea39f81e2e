"""Remote mode for an image with no interpreter for lambda-dap's agent (provided.al2/al2023 for Go, Rust and custom
runtimes; Java, .NET, Ruby): the agent runs beside the function, in a sidecar container.

The sidecar comes from an image with python3 (LAMBDA_DAP_AGENT_IMAGE, default public.ecr.aws/lambda/python:3.12,
pulled once as a function's image is). lambda-dap attaches to it as to an agent in the function's container; its
agent (`--sidecar`) prepares the run directory, the sidecar's own tmpfs volume (anonymous: the engine removes it
with the sidecar) which the function's container mounts too, and listens on the Runtime API's address. The
function's container joins the sidecar's network namespace (the runtime's 127.0.0.1:9001 is the agent's listener,
lambda-dap's dials reach the debugger and telemetry listeners) and its PID namespace (the agent is PID 1: when it
ends, so do the function's processes), and runs `/bin/sh /var/lambda-dap/launch.sh ARGS` itself; its own output
comes through the engine's log stream, the runtime's through the agent. Max Memory Used is the function
container's own cgroup figure, read by an exec in it. Both containers and the volume carry the session's labels
and go together on every path: the function's container first, so that the run directory's volume is the
sidecar's alone when it goes; what a killed lambda-dap leaves, the engine removes (a volume still in use then, the
reaper).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from lambda_dap.container.engine import LABEL, engine
from lambda_dap.container.images import PullStatus, ensure_image
from lambda_dap.container.reaper import RUN_VOLUME_LABEL
from lambda_dap.container.run import Container
from lambda_dap.container.spec import ContainerSpec, VolumeMount
from lambda_dap.container.volumes import PREFIX as CACHE_PREFIX
from lambda_dap.container.volumes import digest_cache_file, ensure_volumes, fill_missing
from lambda_dap.errors import ContainerError, ImagePullError, LambdaDapError
from lambda_dap.invoke.remote import RemoteContainer, RemoteRunDirectory, signals_allowed
from lambda_dap.invoke.spec import AGENT_FILES_MOUNT, FIND_PYTHON_AGENT, agent_files_volume
from lambda_dap.memo import read_memo, write_memo
from lambda_dap.runtime.rundir import MOUNT as RUN_DIR_MOUNT
from lambda_dap.threads import join_if_alive

log = logging.getLogger(__name__)

AGENT_IMAGE_ENV = "LAMBDA_DAP_AGENT_IMAGE"
DEFAULT_AGENT_IMAGE = "public.ecr.aws/lambda/python:3.12"
SIDECAR_LABEL = "lambda-dap.sidecar"
RUN_VOLUME_OPTIONS = (("type", "tmpfs"), ("device", "tmpfs"), ("o", "mode=1777,nosuid,nodev"))
READY_S = 30.0  # the agent's answer once the run directory is ready (the sidecar was just started)
DRAIN_S = 5.0  # ... once the function's container ended: the runtime's last output is through
REMOVED_S = 10.0  # the function's container, killed and being removed by the engine
# The function container's peak memory as its own cgroup counts it (v2, then v1), with nothing but sh's builtins.
PEAK_COMMAND = [
    "/bin/sh",
    "-c",
    "for f in /sys/fs/cgroup/memory.peak /sys/fs/cgroup/memory/memory.max_usage_in_bytes; do "
    'if [ -r "$f" ]; then read -r v < "$f" && echo "$v" && exit 0; fi; done; exit 1',
]

REMEMBERED = 256  # images remembered without an interpreter, the last used kept
_without_interpreter: set[str] = set()  # keys (_key) known here; the others in memo_file()


def agent_image() -> str:
    """The sidecar's image: LAMBDA_DAP_AGENT_IMAGE, else Lambda's Python base image."""
    return os.environ.get(AGENT_IMAGE_ENV, "").strip() or DEFAULT_AGENT_IMAGE


def needs_sidecar(image_details: dict[str, Any], candidates: Sequence[tuple[str, str]]) -> bool:
    """Whether this image is known to have none of the agent's interpreters at `candidates` (a first container of
    it said so, in this process or an earlier one: the image's id is its content's digest)."""
    key = _key(image_details, candidates)
    return key is not None and (key in _without_interpreter or key in _remembered())


def remember_without_interpreter(image_details: dict[str, Any], candidates: Sequence[tuple[str, str]]) -> None:
    key = _key(image_details, candidates)
    if key is None:
        return
    _without_interpreter.add(key)
    others = [item for item in _remembered() if item != key]
    known = [*others[len(others) - REMEMBERED + 1 :], key]  # the newest last: the oldest go first
    write_memo(memo_file(), known)


def memo_file() -> Path:
    """Where the images without an interpreter for the agent are remembered between runs."""
    return digest_cache_file().with_name("agentless-images.json")


def _remembered() -> list[str]:
    known = read_memo(memo_file())
    return [item for item in known if isinstance(item, str)] if isinstance(known, list) else []


def _key(image_details: dict[str, Any], candidates: Sequence[tuple[str, str]]) -> str | None:
    image_id = image_details.get("Id")
    if not image_id:
        return None
    paths = [f"{interpreter}={path}" for interpreter, path in candidates]
    return hashlib.sha256("\0".join([image_id, *paths]).encode()).hexdigest()[:32]


class SidecarContainer(RemoteContainer):
    """This machine's side of a function container in remote mode whose agent runs in a sidecar container."""

    def __init__(
        self,
        spec: ContainerSpec,
        run_dir: RemoteRunDirectory,
        *,
        local_spec: ContainerSpec,
        pull_progress: Callable[[str, PullStatus], None],
        **options: Any,
    ) -> None:
        """`spec` is the function's container as remote_container_spec makes it (an agent of its own), `local_spec`
        as it is without remote mode (its launcher); `pull_progress(image, status)` hears of the agent image's
        pull."""
        super().__init__(spec, run_dir, **options)
        self._remote_spec = spec
        self._local_spec = local_spec
        self._pull_progress = pull_progress
        self.sidecar: Container | None = None
        self._pump: threading.Thread | None = None
        self._agent_output = bytearray()  # what the sidecar wrote to its stderr (why an agent did not start)
        self._function_id: str | None = None

    # --- before the function's container exists -----------------------------------------------------------------

    def prepare(self) -> None:
        """The agent's image is here, the volumes exist, and the sidecar runs (its agent boots meanwhile); `spec` is
        then the function's container, in the sidecar's namespaces."""
        docker = engine()
        image = agent_image()
        try:
            with signals_allowed():  # a first pull can take long: Ctrl-C ends it
                ensure_image(image, skip_pull=False, progress=lambda status: self._pull_progress(image, status))
        except ImagePullError as e:
            raise ImagePullError(
                f"{e} (lambda-dap's agent runs in a container of this image beside the function's, whose image "
                f"{self.spec.image} has neither python3 nor node; {AGENT_IMAGE_ENV} names another image with python3)"
            ) from e
        agent_files = _agent_files(self._remote_spec)
        ensure_volumes(docker, [agent_files, *(volume for volume in self._remote_spec.volumes if _cached(volume))])
        self.sidecar = sidecar = Container(sidecar_spec(self._remote_spec, image), self._attach_sidecar)
        sidecar.start()
        assert self.link is not None and sidecar.id is not None
        self._pump = threading.Thread(target=self._read_link, name="sidecar-link", daemon=True)
        self._pump.start()
        self.spec = function_spec(self._remote_spec, self._local_spec, sidecar.id)

    def respec(self, spec: ContainerSpec) -> None:
        """Try the function's container again with `spec` as remote_container_spec made it (shared-files mode: a
        mount the engine refused is a volume now): its volumes made sure of; the sidecar and its link stay."""
        assert self.sidecar is not None and self.sidecar.id is not None
        self._remote_spec = spec
        ensure_volumes(engine(), [volume for volume in spec.volumes if _cached(volume)])
        self.spec = function_spec(spec, self._local_spec, self.sidecar.id)

    def _attach_sidecar(self, container_id: str) -> None:
        """The sidecar is created: the agent's volume is filled, lambda-dap attached to it."""
        with signals_allowed():
            self.volumes_filled += fill_missing(
                engine(),
                container_id,
                agent_image(),
                [_agent_files(self._remote_spec)],
                self._remote_spec.labels,
                self._notice,
            )
        self.attach(container_id)

    def _read_link(self) -> None:
        """The link's frames, until the sidecar ends; what it writes to its own streams is kept for messages."""
        assert self.link is not None
        for _, data in self.link.frames():
            self._agent_output += data[-4096:]
            del self._agent_output[:-4096]
            log.debug("sidecar: %s", data.decode(errors="replace").rstrip())

    # --- the function's container --------------------------------------------------------------------------------

    def before_start(self, container_id: str, candidates: Sequence[tuple[str, str]]) -> None:
        """The function's container is created: its volumes are filled, and the agent has the run directory ready."""
        self._function_id = container_id
        with signals_allowed():
            self.volumes_filled += fill_missing(
                engine(),
                container_id,
                self.spec.image,
                [volume for volume in self.spec.volumes if _cached(volume)],
                self.spec.labels,
                self._notice,
            )
        assert self.link is not None
        if not self.link.sync(READY_S):
            if self._pump is not None:
                join_if_alive(self._pump, 1.0)  # the sidecar ended: all it said is in
            said = self._agent_output.decode(errors="replace").strip().splitlines()
            why = f": {said[-1]}" if said else ""
            image = self.sidecar.spec.image if self.sidecar is not None else agent_image()
            raise ContainerError(f"lambda-dap's agent did not start in its sidecar container (image {image}){why}")

    def output_frames(self) -> Iterator[tuple[int, bytes]] | None:
        """The function container's own output (the engine's log stream); once it ends, what the runtime wrote
        last is through the agent before the session hears of the end."""
        function_id = self._function_id
        if function_id is None:
            return None

        def frames() -> Iterator[tuple[int, bytes]]:
            try:
                yield from engine().logs(function_id)
            finally:
                if self.link is not None:
                    self.link.sync(DRAIN_S)

        return frames()

    def peak_memory(self) -> int | None:
        """The function container's peak memory, from its own cgroup (an exec in it: the sidecar cannot see it)."""
        if self._function_id is None:
            return None
        try:
            value = engine().exec_output(self._function_id, PEAK_COMMAND).strip()
        except LambdaDapError as e:  # it ended meanwhile, or the engine is gone: unknown, as Lambda's "?"
            log.debug("no peak memory from the function's container: %s", e)
            return None
        return int(value) if value.isdigit() else None

    # --- the end -------------------------------------------------------------------------------------------------

    def close(self) -> None:
        """The function's container gone (the session killed it), the link ends and the sidecar is killed: the
        engine removes it, and the run directory's volume with it (the function's container no longer holds it)."""
        if self._function_id is not None:
            try:
                engine().wait(self._function_id, "removed", timeout=REMOVED_S)
            except LambdaDapError as e:  # gone already (404), or the engine is
                log.debug("function container %s: %s", self._function_id[:12], e)
        super().close()
        if self.sidecar is not None:
            self.sidecar.discard()
        if self._pump is not None:
            join_if_alive(self._pump, 1.0)


def sidecar_spec(remote: ContainerSpec, image: str) -> ContainerSpec:
    """The sidecar for the function container `remote` (as remote_container_spec makes it): the agent with its
    files and the run directory (a tmpfs volume of its own, labelled as the function's container), on the function's
    network (its hosts and DNS: the function joins it); of the function's environment only the Runtime API's
    address, where the agent listens."""
    run_volume = VolumeMount(
        "",
        RUN_DIR_MOUNT,
        source="",
        read_only=False,
        labels=tuple({**remote.labels, LABEL: "1", RUN_VOLUME_LABEL: "1"}.items()),
        driver_options=RUN_VOLUME_OPTIONS,
    )
    return ContainerSpec(
        image=image,
        entrypoint=["/bin/sh", "-c", FIND_PYTHON_AGENT, "lambda-dap-agent"],  # only the Python agent has --sidecar
        command=["--sidecar"],
        environment={"AWS_LAMBDA_RUNTIME_API": remote.environment["AWS_LAMBDA_RUNTIME_API"]},
        volumes=[_agent_files(remote), run_volume],
        labels={**remote.labels, SIDECAR_LABEL: "1"},
        network_mode=remote.network_mode,
        networks=remote.networks,
        extra_hosts=remote.extra_hosts,
        dns=remote.dns,
        attach_stdio=True,
        log_driver="none",
    )


def function_spec(remote: ContainerSpec, local: ContainerSpec, sidecar_id: str) -> ContainerSpec:
    """The function's container beside sidecar `sidecar_id`: launch.sh (`local`'s launcher) in the sidecar's
    network and PID namespaces, its run directory the sidecar's volume (with the agent's files, read-only, as
    there), `remote`'s copies of its directories; no agent and no link (its own output is the engine's log stream,
    as locally)."""
    return dataclasses.replace(
        remote,
        entrypoint=local.entrypoint,
        command=local.command,
        mounts=[m for m in remote.mounts if m.target != AGENT_FILES_MOUNT],
        volumes=[v for v in remote.volumes if v.target != AGENT_FILES_MOUNT],
        volumes_from=[sidecar_id],
        tmpfs={},
        attach_stdio=False,
        log_driver=None,
        network_mode=f"container:{sidecar_id}",
        pid_mode=f"container:{sidecar_id}",
        networks=[],
        extra_hosts={},
        dns=[],
        ports=[],
        init=False,  # the agent is PID 1 and reaps; launch.sh's process is no PID 1: SIGTERM reaches it
    )


def _agent_files(remote: ContainerSpec) -> VolumeMount:
    """The volume of the agent's files in `remote`; in shared-files mode, where they are bind-mounted, one of its
    own all the same: the sidecar's image is no function's, and its container is never tried again."""
    return next((v for v in remote.volumes if v.target == AGENT_FILES_MOUNT), None) or agent_files_volume()


def _cached(volume: VolumeMount) -> bool:
    """A volume of lambda-dap's cache (a copy of a directory here), not the run directory."""
    return volume.name.startswith(CACHE_PREFIX)
