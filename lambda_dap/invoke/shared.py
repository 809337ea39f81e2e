"""Shared-files mode: an engine in a VM of this machine that sees this machine's files but not its network (Docker
Desktop, OrbStack; or LAMBDA_DAP_ENGINE_MODE=shared-files).

The container is remote mode's (invoke/remote.py: lambda-dap's agent carries every connection, the Runtime API, the
debugger, telemetry pushes, over its attached stdin and stdout), but the code, layers, dependencies, debugger and
lambda-dap's container files are bind-mounted from where they are on this machine, as locally: nothing is copied and
an edit is seen by the next invoke. A path the engine does not share is refused when the container is created or
started ("Mounts denied: ... is not shared from the host" from Docker Desktop, "bind source path does not exist" from
a Linux engine): that mount alone is then copied into a volume as in remote mode, and a notice says how to share it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from lambda_dap.container.spec import ContainerSpec
from lambda_dap.errors import ContainerError, EngineError
from lambda_dap.invoke.spec import is_hand_mounted, remote_container_spec

REFUSALS = ("mounts denied", "not shared from", "bind source path does not exist")
_PATHS = re.compile(r"(?:^|(?<=\s))(/[^\s\"']+)")
_HINTS = {  # {it}: "it" or "them"
    "Docker Desktop": "add {it} (or a folder above) in Docker Desktop's Settings > Resources > File sharing",
    "OrbStack": "share {it} with OrbStack",
}


class SharedFiles:
    """The container spec of shared-files mode, and what it becomes each time the engine refuses a mount."""

    def __init__(
        self,
        spec: ContainerSpec,
        *,
        network_host: bool,
        hand_mounted: Path | None,
        engine_name: str,
        notice: Callable[[str], None] = lambda text: None,
        unshared: Iterable[str] = (),
    ) -> None:
        """`spec`: the container as a local engine would run it; `engine_name`: for the notice ("Docker Desktop");
        `unshared`: sources the engine refused before (copied at once, no notice again)."""
        self._local = spec
        self._network_host = network_host
        self._hand_mounted = hand_mounted
        self._engine_name = engine_name
        self._notice = notice
        self.unshared: list[str] = list(unshared)  # the sources the engine refused, copied into volumes instead

    def spec(self) -> ContainerSpec:
        """The container: every mount a bind of this machine's path, but those the engine refused."""
        return remote_container_spec(
            self._local,
            network_host=self._network_host,
            hand_mounted=self._hand_mounted,
            shared=lambda source: source not in self.unshared,
        )

    def after_refusal(self, error: ContainerError, tried: ContainerSpec) -> ContainerSpec | None:
        """The spec to try next when `error` is the engine refusing bind mounts of `tried` (those become volumes,
        with a notice); None for any other error."""
        cause = error.__cause__
        text = cause.detail if isinstance(cause, EngineError) else str(error)
        candidates = [
            m.source
            for m in tried.mounts
            if m.source not in self.unshared and not is_hand_mounted(m.source, self._hand_mounted)
        ]
        refused = refused_sources(text, candidates)
        if not refused:
            return None
        self.unshared.extend(refused)
        it = "it" if len(refused) == 1 else "them"
        hint = _HINTS.get(self._engine_name, "share {it} with the Docker engine").format(it=it)
        self._notice(
            f"{self._engine_name} does not share {', '.join(refused)} with its containers: copied into a Docker "
            f"volume instead (again after each change); to bind-mount {it}, {hint}"
        )
        return self.spec()


def refused_sources(text: str, sources: Iterable[str]) -> list[str] | None:
    """Which of `sources` the engine's error `text` refuses to bind-mount: those it names (itself, a folder above
    it, or its real path); all of them when it names none; None when `text` is no such refusal."""
    sources = list(sources)
    if not any(refusal in text.lower() for refusal in REFUSALS):
        return None
    named = {path.rstrip(".,;:") for path in _PATHS.findall(text)}
    found = [source for source in sources if _named(source, text, named)]
    return found or sources


def _named(source: str, text: str, named: set[str]) -> bool:
    for candidate in dict.fromkeys((source, os.path.realpath(source))):
        if any(candidate == path or candidate.startswith(path.rstrip("/") + "/") for path in named if path != "/"):
            return True
        if re.search(re.escape(candidate) + r"(?=$|[\s\"',:.;])", text):  # a path with spaces in it
            return True
    return False
