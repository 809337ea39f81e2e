"""The handler of the extension tests: prints a marker line and returns what it can see of the extensions.

At import (the runtime's init) it lists the marks the extensions leave in STATE_DIR: "<name>.registered" after
their /register, "<name>.next" just before their first /event/next. Extensions must be done with both before the
runtime starts, so the list is complete here.
"""

import os
import time

STATE_DIR = "/tmp/lambda-dap-ext-state"
SEEN_AT_INIT = sorted(os.listdir(STATE_DIR)) if os.path.isdir(STATE_DIR) else []


def handler(event, context):
    print(f"handler-marker {context.aws_request_id}", flush=True)
    time.sleep(float(os.environ.get("HANDLER_SLEEP_S") or 0))
    return {
        "requestId": context.aws_request_id,
        "invokedFunctionArn": context.invoked_function_arn,
        "traceId": os.environ.get("_X_AMZN_TRACE_ID"),
        "wrappedBy": os.environ.get("WRAPPED_BY"),
        "seenAtInit": SEEN_AT_INIT,
    }
