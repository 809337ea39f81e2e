"""The context clock of a Python runtime that lambda-dap started: remaining time that pauses with a debugger.

lambda-dap keeps /var/lambda-dap/deadline up to date ("REQUEST_ID running EPOCH_DEADLINE_MS" or
"REQUEST_ID paused REMAINING_MS"). `context.get_remaining_time_in_millis()` reads it, so the time a debugger sits
at a breakpoint is not taken from the function. Runs as a wrapper too, around a runtime's bootstrap script:

    python [-m debugpy ...] /var/lambda-dap/lambda_dap_clock.py /var/runtime/bootstrap.py

which patches awslambdaric's LambdaContext, then runs the script as `__main__`. Standard library only.
"""

import os
import runpy
import sys
import time

DEADLINE_FILE = "/var/lambda-dap/deadline"


def remaining_ms(request_id, fallback_deadline_ms):
    """Milliseconds left for `request_id`: lambda-dap's word when it has one, else the deadline header's."""
    try:
        with open(DEADLINE_FILE) as handle:
            fields = handle.read().split()
    except OSError:
        fields = []
    now_ms = int(time.time() * 1000)
    if len(fields) == 3 and fields[0] == request_id:
        value = int(fields[2]) if fields[2].lstrip("-").isdigit() else 0
        return max(value if fields[1] == "paused" else value - now_ms, 0)
    return max(fallback_deadline_ms - now_ms, 0)


def _patch_awslambdaric():
    try:
        from awslambdaric import lambda_context
    except Exception:  # not this runtime: nothing to patch
        return
    context_class = lambda_context.LambdaContext

    def get_remaining_time_in_millis(self):
        return remaining_ms(self.aws_request_id, getattr(self, "_epoch_deadline_time_in_ms", 0))

    context_class.get_remaining_time_in_millis = get_remaining_time_in_millis


def _restore_socket():
    """lambda_dap_debugpy.py sped up debugpy's own connections; the function gets the standard socket."""
    import socket

    standard = getattr(socket, "lambda_dap_standard_connect", None)
    if standard is not None:
        socket.socket.connect = standard
        del socket.lambda_dap_standard_connect


def main():
    _restore_socket()
    script = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(script))  # as if the script had been started itself
    _patch_awslambdaric()
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
