"""How long does a warm re-invoke of a trivial handler take through the library API?

One `InvokeSession`, the container kept warm, N invocations timed one by one; the baseline, measured in the same
run, is a loopback HTTP round trip to a stdlib server (a warm invoke needs two: the runtime's answer and its next
`next`). Target: median at most 3 ms.

    python3 bench/warm.py [--runs 40]
"""

from __future__ import annotations

import statistics
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from common import BENCH_DIR, TEST_IMAGE, parse_runs

from lambda_dap.invoke import InvokeRequest, InvokeSession

APP = BENCH_DIR / "app"


class _Pong(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"pong")

    def log_message(self, *args: object) -> None:
        pass


def loopback_round_trip_ms(runs: int) -> float:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pong)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    samples = []
    try:
        for _ in range(runs):
            started = time.perf_counter()
            with urllib.request.urlopen(url) as response:
                response.read()
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        server.shutdown()
        server.server_close()
    return statistics.median(samples)


def main() -> None:
    runs = parse_runs(__doc__, default=40)
    request = InvokeRequest(template=APP / "template.yaml", invoke_images={None: TEST_IMAGE}, skip_pull_image=True)
    samples = []
    with InvokeSession(request) as session:
        session.invoke(b"{}")  # the cold start
        for _ in range(3):
            session.invoke(b"{}")
        for number in range(runs):
            started = time.perf_counter()
            result = session.invoke(b'{"n": %d}' % number)
            samples.append((time.perf_counter() - started) * 1000)
            assert result.ok, result.payload
    baseline = loopback_round_trip_ms(runs)
    median = statistics.median(samples)
    print(f"  warm invoke: median {median:6.2f} ms over {runs} runs (min {min(samples):.2f}, max {max(samples):.2f})")
    print(f"  loopback HTTP round trip: median {baseline:6.2f} ms")
    print(f"warm invoke / loopback round trip: {median / baseline:.1f}x; median {median:.2f} ms (target <= 3 ms)")


if __name__ == "__main__":
    main()
