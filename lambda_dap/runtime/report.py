"""The platform lines Lambda writes around every invocation: START, END, REPORT and the timeout message."""

from __future__ import annotations

import math
from datetime import datetime, timezone


def start_line(request_id: str, version: str = "$LATEST") -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def billed_ms(duration_ms: float) -> int:
    """Lambda bills whole milliseconds, rounded up, at least one."""
    return max(1, math.ceil(duration_ms))


def report_line(
    request_id: str,
    *,
    duration_ms: float,
    memory_size_mb: int,
    max_memory_used_mb: int | None,
    init_duration_ms: float | None = None,
) -> str:
    """Lambda's REPORT line; `Max Memory Used` is the container's measured peak, not the configured size."""
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {billed_ms(duration_ms)} ms",
        f"Memory Size: {memory_size_mb} MB",
        f"Max Memory Used: {max_memory_used_mb if max_memory_used_mb is not None else '?'} MB",
    ]
    if init_duration_ms is not None:
        fields.append(f"Init Duration: {init_duration_ms:.2f} ms")
    return "\t".join(fields) + "\t"


def timeout_message(timeout_s: float) -> str:
    return f"Task timed out after {timeout_s:.2f} seconds"


def timeout_line(request_id: str, timeout_s: float, at: float | None = None) -> str:
    """Lambda's timeout line, stamped with when it timed out (`at`, epoch seconds; now when not given)."""
    moment = datetime.fromtimestamp(at, timezone.utc) if at is not None else datetime.now(timezone.utc)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return f"{stamp} {request_id} {timeout_message(timeout_s)}"
