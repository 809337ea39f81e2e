"""How quickly does a debugged invoke become useful?

Measures, over several runs of `lambda-dap invoke --debug-port P` on the hello example (image present):
  ready:  from starting the command to the debug port answering a DAP `initialize`
  break:  from sending `attach` to the `stopped` event at a breakpoint in the handler
and compares their sum with a bare `docker run` of the same image measured in the same run. The last line is the
total (target: under 2 s).

    python3 bench/debug.py [--runs 7]
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from common import (
    HANDLER,
    HELLO,
    REPO,
    TEST_IMAGE,
    alternate,
    breakpoint_line,
    free_port,
    lambda_dap_command,
    parse_runs,
)

sys.path.insert(0, str(REPO))
from tests.debug.dap_client import DapClient


def one_session() -> tuple[float, float]:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*lambda_dap_command(), "invoke", "-d", str(port), "--invoke-image", TEST_IMAGE, "--skip-pull-image"],
        cwd=HELLO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        client = DapClient.connect("127.0.0.1", port, timeout=60)
        client.request("initialize", {"adapterID": "debugpy", "pathFormat": "path"})
        ready = time.perf_counter() - started
        attached = time.perf_counter()
        attach = client.send_request(
            "attach", {"pathMappings": [{"localRoot": str(HANDLER.parent), "remoteRoot": "/var/task"}]}
        )
        client.event("initialized")
        breakpoints = [{"line": breakpoint_line()}]
        client.request("setBreakpoints", {"source": {"path": str(HANDLER)}, "breakpoints": breakpoints})
        client.request("configurationDone")
        client.response(attach)
        stopped = client.event("stopped", timeout=60)["body"]
        hit = time.perf_counter() - attached
        client.request("continue", {"threadId": stopped["threadId"]})
        stdout, stderr = process.communicate(timeout=60)
        client.close()
        if process.returncode != 0 or "statusCode" not in json.loads(stdout):
            raise SystemExit(f"debugged invoke failed ({process.returncode}):\n{stderr.decode()[-2000:]}")
        return ready, hit
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def main() -> None:
    runs = parse_runs(__doc__, default=7)
    one_session()  # warm-up
    readies, hits = zip(*(one_session() for _ in range(runs)), strict=True)
    bare = alternate(
        {"bare": (["docker", "run", "--rm", "--entrypoint", "/var/lang/bin/python3", TEST_IMAGE, "-c", "pass"], None)},
        runs=runs,
        warmup=1,
    )["bare"]
    ready, hit = statistics.median(readies), statistics.median(hits)
    print(f"   start -> DAP initialize answered: median {ready * 1000:7.1f} ms ({ready / bare:.2f}x a bare docker run)")
    print(f"  attach -> breakpoint hit:          median {hit * 1000:7.1f} ms")
    print(f"  bare docker run (same image):      median {bare * 1000:7.1f} ms")
    print(f"debug ready + breakpoint: {(ready + hit):.2f} s (target < 2 s)")


if __name__ == "__main__":
    main()
