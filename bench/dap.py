"""How quickly does F5 reach a breakpoint through `lambda-dap --stdio`, and what does the proxy add?

On the hello example (image present), in the same run:
  launch:   the adapter already running and initialized: from the `launch` request to `stopped` at a breakpoint in
            the handler (target <= 0.8 s), against the baseline `lambda-dap invoke -d` + a hand attach (start of
            the command to `stopped`)
  warm:     with keepAlive, from the custom `invoke` request to `stopped` again (target <= 0.1 s)
  relayed:  a `stackTrace` round trip through the adapter against the same request, from the same kind of client,
            sent to `lambda-dap invoke -d`'s debug port, which copies bytes only (added latency, target < 1 ms)
  memory:   the adapter's peak RSS (target < 60 MB)

    python3 bench/dap.py [--runs 7]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import HANDLER, HELLO, REPO, TEST_IMAGE, breakpoint_line, free_port, lambda_dap_command, parse_runs

sys.path.insert(0, str(REPO))
from tests.dap.client import DapClient

STACK_TRACES = 50


def connect_when_listening(port: int) -> DapClient:
    """The same strict client as the adapter's, on `invoke -d`'s port once debugpy answers there."""
    deadline = time.monotonic() + 60
    while True:
        client = DapClient.connect("127.0.0.1", port, timeout=60, strict_startup=False, default_timeout=60)
        try:
            client.wait_event("output", timeout=2)  # debugpy greets every client first
            return client
        except AssertionError:
            client.close(check=False)
            if time.monotonic() > deadline:
                raise


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stack_trace_ms(send, thread_id: int) -> float:
    samples = []
    for _ in range(STACK_TRACES):
        started = time.perf_counter()
        send("stackTrace", {"threadId": thread_id})
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def adapter_session() -> tuple[float, float, float, float]:
    """(launch -> stopped s, warm invoke -> stopped s, stackTrace ms, peak RSS MB) through `lambda-dap --stdio`."""
    dap = DapClient.spawn([*lambda_dap_command(), "--stdio"], cwd=HELLO, name="bench", default_timeout=60)
    try:
        dap.initialize()
        started = time.perf_counter()
        launch = dap.send_request(
            "launch",
            {
                "type": "lambda",
                "name": "bench",
                "event": {"name": "bench"},
                "invokeImage": TEST_IMAGE,
                "skipPullImage": True,
                "keepAlive": True,
            },
        )
        dap.wait_event("initialized")
        dap.request("setBreakpoints", {"source": {"path": str(HANDLER)}, "breakpoints": [{"line": breakpoint_line()}]})
        dap.request("configurationDone")
        dap.wait_response(launch)
        stopped = dap.wait_event("stopped")
        launch_s = time.perf_counter() - started
        thread = stopped["body"]["threadId"]
        relayed = stack_trace_ms(lambda command, arguments: dap.request(command, arguments), thread)
        dap.request("continue", {"threadId": thread})
        dap.wait_output("REPORT RequestId", category="console")
        stops = len(dap.events_named("stopped"))
        started = time.perf_counter()
        again = dap.send_request("invoke", {"event": {"name": "again"}})
        while len(dap.events_named("stopped")) == stops:
            time.sleep(0.001)
        warm_s = time.perf_counter() - started
        dap.request("continue", {"threadId": dap.events_named("stopped")[-1]["body"]["threadId"]})
        dap.wait_response(again)
        rss = peak_rss_mb(dap.process.pid)
        dap.request("disconnect")
        dap.close()
        return launch_s, warm_s, relayed, rss
    finally:
        dap.close(check=False)


def hand_attach_session() -> tuple[float, float]:
    """(start -> stopped s, stackTrace ms) for `lambda-dap invoke -d` and a client attaching by hand."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            *lambda_dap_command(),
            "invoke",
            "-d",
            str(port),
            "--invoke-image",
            TEST_IMAGE,
            "--skip-pull-image",
            "-e",
            "events/event.json",
        ],
        cwd=HELLO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        client = connect_when_listening(port)
        client.request("initialize", {"adapterID": "debugpy", "pathFormat": "path"})
        attach = client.send_request(
            "attach", {"pathMappings": [{"localRoot": str(HANDLER.parent), "remoteRoot": "/var/task"}]}
        )
        client.wait_event("initialized")
        breakpoints = {"source": {"path": str(HANDLER)}, "breakpoints": [{"line": breakpoint_line()}]}
        client.request("setBreakpoints", breakpoints)
        client.request("configurationDone")
        client.wait_response(attach)
        stopped = client.wait_event("stopped")["body"]
        total = time.perf_counter() - started
        direct = stack_trace_ms(lambda command, arguments: client.request(command, arguments), stopped["threadId"])
        client.request("continue", {"threadId": stopped["threadId"]})
        process.communicate(timeout=60)
        client.close(check=False)
        return total, direct
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def main() -> None:
    runs = parse_runs(__doc__, default=7)
    adapter_session()  # warm-up: caches, the image's pages
    adapter, baseline = [], []
    for _ in range(runs):  # in turns, so both see the same machine
        adapter.append(adapter_session())
        baseline.append(hand_attach_session())
    launch, warm, relayed, _ = (statistics.median(values) for values in zip(*adapter, strict=True))
    hand, direct = (statistics.median(values) for values in zip(*baseline, strict=True))
    print(
        f"  launch -> stopped: median {launch * 1000:7.1f} ms ({launch / hand:.2f}x invoke -d + hand attach, "
        f"{hand * 1000:.1f} ms; target <= 800 ms)"
    )
    print(f"  warm invoke -> stopped: median {warm * 1000:7.1f} ms (target <= 100 ms)")
    print(
        f"  stackTrace: {relayed:.3f} ms through the adapter, {direct:.3f} ms through invoke -d's byte relay: "
        f"+{relayed - direct:.3f} ms per relayed request (target < 1 ms)"
    )
    print(f"  adapter peak RSS: {max(row[3] for row in adapter):.1f} MB (target < 60 MB)")


if __name__ == "__main__":
    main()
