"""`--events`: a script of test cases, every event read and checked before anything runs.

The source is a JSON Lines file (one event per line, blank lines skipped), a directory of `.json` files (one event
per file, in name order; hidden files skipped) or `-`: JSON Lines on stdin. Each event must be JSON, as Lambda
requires; a bad one is reported by its line number (or file name), and an empty script is an error too. The events
are kept as the bytes they were written as (surrounding whitespace aside).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lambda_dap.errors import EventError

JSON_LINES_HINT = "one JSON event per line"


@dataclass(frozen=True)
class ScriptedEvent:
    """One event of a script and where it came from (`cases.jsonl:3`, `cases/02-error.json`, `stdin:2`)."""

    source: str
    data: bytes


def read_events(source: str, cwd: Path, *, stdin: IO[bytes] | None = None) -> tuple[ScriptedEvent, ...]:
    """The events `--events SOURCE` names, in order; raises EventError (one line) on anything unusable."""
    if source == "-":
        return parse_json_lines((stdin or sys.stdin.buffer).read(), "stdin", given="-")
    path = Path(source).expanduser()
    path = path if path.is_absolute() else cwd / path
    if path.is_dir():
        return _read_directory(path, source)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise EventError(f"Cannot read --events {source}: {e.strerror or e}") from e
    return parse_json_lines(data, source)


def parse_json_lines(data: bytes, shown: str, *, given: str | None = None) -> tuple[ScriptedEvent, ...]:
    """One event per non-blank line; `shown` names the source in each event's `source`, `given` (default: `shown`)
    what the user gave `--events` in messages."""
    given = given or shown
    found: list[ScriptedEvent] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        line = raw.rstrip(b"\r")  # columns in messages count from the line's own start
        if not line.strip():
            continue
        try:
            json.loads(line)
        except ValueError as e:
            raise EventError(
                f"--events {given}: line {number} is not valid JSON ({_reason(e, lines=False)}); {JSON_LINES_HINT}"
            ) from e
        found.append(ScriptedEvent(f"{shown}:{number}", line.strip()))
    if not found:
        what = "nothing came on stdin" if shown == "stdin" else "the file is empty or holds only blank lines"
        raise EventError(f"--events {given}: no events ({what}); expected {JSON_LINES_HINT}")
    return tuple(found)


def _read_directory(path: Path, shown: str) -> tuple[ScriptedEvent, ...]:
    files = sorted(
        (item for item in path.iterdir() if item.suffix == ".json" and not item.name.startswith(".")),
        key=lambda item: item.name,
    )
    found: list[ScriptedEvent] = []
    for item in files:
        if item.is_dir():
            continue
        name = f"{shown.rstrip('/')}/{item.name}"
        try:
            data = item.read_bytes()
            json.loads(data)
        except OSError as e:
            raise EventError(f"Cannot read --events {name}: {e.strerror or e}") from e
        except ValueError as e:
            raise EventError(f"--events {name} is not valid JSON ({_reason(e)}); expected one event per file") from e
        found.append(ScriptedEvent(name, data.strip()))
    if not found:
        raise EventError(f"--events {shown}: no .json files in the directory; expected one event per file")
    return tuple(found)


def _reason(error: ValueError, *, lines: bool = True) -> str:
    """json's own words and where; `lines=False` for a document on one line (a column is enough)."""
    if isinstance(error, json.JSONDecodeError):
        where = f"line {error.lineno} column {error.colno}" if lines else f"column {error.colno}"
        return f"{error.msg} at {where}"
    return str(error)  # not UTF-8 (or UTF-16/32) text
