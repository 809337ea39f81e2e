"""`lambda-dap cache list` and `lambda-dap cache prune`: what lambda-dap keeps between runs, and its removal."""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

import click

SECONDS_PER_DAY = 86400


@click.group("cache")
def cache_command() -> None:
    """Installed dependencies (~/.cache/lambda-dap/deps) and the engine's content volumes (remote mode)."""


@cache_command.command("list")
def list_command() -> None:
    """Show each cache entry: its size and when it was last used (volumes: created)."""
    from lambda_dap.cache.dependencies import dependency_entries
    from lambda_dap.deps.cache import cache_root

    entries = dependency_entries()
    total = sum(entry.size for entry in entries)
    click.echo(f"Dependencies in {cache_root()}: {_count(len(entries), 'entry', 'entries')}, {_size(total)}")
    for entry in entries:
        click.echo(f"  {entry.path.name}  {_size(entry.size)}  last used {_when(entry.last_used)}")
    volumes, engine_url = _volumes()
    if volumes is None:
        return
    sized = [volume.size for volume in volumes if volume.size is not None]
    shown = f", {_size(sum(sized))}" if len(sized) == len(volumes) else ""
    click.echo(
        f"Content volumes on the Docker engine at {engine_url}: {_count(len(volumes), 'volume', 'volumes')}{shown}"
    )
    for volume in volumes:
        size = f"  {_size(volume.size)}" if volume.size is not None else ""
        created = volume.created.astimezone().strftime("%Y-%m-%d %H:%M") if volume.created else "?"
        click.echo(f"  {volume.name}{size}  created {created}")


@cache_command.command("prune")
@click.option(
    "--older-than",
    "older_than_days",
    type=click.FloatRange(min=0),
    default=None,
    metavar="DAYS",
    help="Only what was last used (volumes: created) more than DAYS days ago. Default: everything not in use.",
)
@click.option("--dependencies/--no-dependencies", default=True, help="Prune installed dependencies (default: yes).")
@click.option("--volumes/--no-volumes", default=True, help="Prune the engine's content volumes (default: yes).")
@click.option("--dry-run", is_flag=True, help="Say what would be removed, remove nothing.")
def prune_command(older_than_days: float | None, dependencies: bool, volumes: bool, dry_run: bool) -> None:
    """Remove cache entries no function container uses; the next invoke that needs one makes it again."""
    cutoff = time.time() - older_than_days * SECONDS_PER_DAY if older_than_days is not None else None
    verb = "Would remove" if dry_run else "Removed"
    if dependencies:
        _prune_dependencies(cutoff, dry_run, verb)
    if volumes:
        _prune_volumes(cutoff, dry_run, verb)


def _prune_dependencies(cutoff: float | None, dry_run: bool, verb: str) -> None:
    from lambda_dap.cache.dependencies import dependency_entries, remove_entry
    from lambda_dap.deps.cache import cache_root

    mounts = _mounts()
    in_use = None if mounts is None else {Path(source) for source, _ in mounts if source}
    removed, kept, freed = 0, 0, 0
    for entry in dependency_entries():
        if cutoff is not None and entry.last_used >= cutoff:
            continue
        if in_use is None or any(source == entry.path or entry.path in source.parents for source in in_use):
            kept += 1
            continue
        if dry_run or remove_entry(entry):
            removed += 1
            freed += entry.size
    note = f"; {_count(kept, 'entry', 'entries')} in use kept" if kept else ""
    if in_use is None and kept:
        note = (
            f"; {_count(kept, 'entry', 'entries')} kept (the Docker engine does not answer: cannot tell what is in use)"
        )
    click.echo(
        f"{verb} {_count(removed, 'dependency entry', 'dependency entries')} ({_size(freed)}) from {cache_root()}{note}"
    )


def _prune_volumes(cutoff: float | None, dry_run: bool, verb: str) -> None:
    from lambda_dap.cache.volumes import remove_volume
    from lambda_dap.container.engine import engine

    volumes, engine_url = _volumes()
    if volumes is None:
        return
    mounted = {name for _, name in _mounts() or () if name} if dry_run else set()
    removed, kept, freed = 0, 0, 0
    for volume in volumes:
        if cutoff is not None and (volume.created is None or volume.created.timestamp() >= cutoff):
            continue
        if volume.name not in mounted and (dry_run or remove_volume(engine(), volume.name)):
            removed += 1
            freed += volume.size or 0
        else:
            kept += 1
    note = f"; {_count(kept, 'volume', 'volumes')} in use kept" if kept else ""
    sized = f" ({_size(freed)})" if freed else ""
    what = _count(removed, "content volume", "content volumes")
    click.echo(f"{verb} {what}{sized} from the Docker engine at {engine_url}{note}")


def _volumes():
    """The engine's content volumes and its URL; (None, url) with a line on stderr when it does not answer."""
    from lambda_dap.cache.volumes import content_volumes
    from lambda_dap.container.engine import engine
    from lambda_dap.errors import LambdaDapError

    try:
        docker = engine()
        return content_volumes(docker), docker.host
    except LambdaDapError as error:
        click.echo(f"Content volumes: not looked at: {error.message}", err=True)
        return None, None


def _mounts() -> list[tuple[str | None, str | None]] | None:
    """(host path, volume name) of each mount of lambda-dap's containers (running or not); None when the engine
    does not answer."""
    from lambda_dap.container.engine import LABEL, engine
    from lambda_dap.errors import LambdaDapError

    try:
        containers = engine().list_containers(LABEL)
    except LambdaDapError:
        return None
    return [(mount.get("Source"), mount.get("Name")) for item in containers for mount in item.get("Mounts") or []]


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(cache_command())
