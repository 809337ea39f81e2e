"""One handler, many behaviours: the event's "action" picks what the invoke tests need."""

import json
import os
import sys
import time


def handler(event, context):
    action = event.get("action", "echo")
    if action == "echo":
        return {"event": event, "requestId": context.aws_request_id}
    if action == "raise":
        raise ValueError(event.get("message", "boom"))
    if action == "sleep":
        time.sleep(event["seconds"])
        return {"slept": event["seconds"]}
    if action == "big":
        return "x" * event["size"]
    if action == "env":
        return {name: os.environ.get(name) for name in event["names"]}
    if action == "print":
        print(event["stdout"])
        sys.stderr.write(event["stderr"] + "\n")
        return "printed"
    if action == "write":  # [["stdout" | "stderr", text], ...], written as they are: no newline added, no flush
        for stream, text in event["writes"]:
            (sys.stdout if stream == "stdout" else sys.stderr).write(text)
        return "written"
    if action == "flood":  # many numbered lines, then a partial one
        for number in range(event["lines"]):
            print(f"{number:08d} " + "x" * event["width"])
        sys.stdout.write("tail")
        return "flooded"
    if action == "clock":  # the context's remaining time before and after a sleep
        before = context.get_remaining_time_in_millis()
        time.sleep(event["seconds"])
        return {"before": before, "after": context.get_remaining_time_in_millis()}
    if action == "alloc":
        hoard = bytearray(event["mb"] * 1024 * 1024)
        for i in range(0, len(hoard), 4096):
            hoard[i] = 1
        return len(hoard)
    if action == "context":
        return {
            "function_name": context.function_name,
            "memory_limit_in_mb": str(context.memory_limit_in_mb),
            "invoked_function_arn": context.invoked_function_arn,
            "remaining_ms": context.get_remaining_time_in_millis(),
        }
    if action == "layer":
        import helper  # from the layer, under /opt/python

        return helper.greet("layer")
    if action == "fetch":
        import urllib.request

        with urllib.request.urlopen(event["url"], timeout=5) as response:
            return response.read().decode()
    if action == "bytes":  # returned as bytes: the Lambda runtime posts them as they are
        return event["text"].encode()
    if action == "decimal":  # Decimal values: the Lambda runtime writes them as JSON numbers, digits kept
        from decimal import Decimal

        return {"values": [Decimal(text) for text in event["values"]], "nested": {"bytes": b"raw"}}
    if action == "context_all":  # every context attribute, as text where the value is an object
        return {
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "function_name": context.function_name,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "tenant_id": context.tenant_id,
            "client_context": repr(context.client_context),
            "identity": repr(context.identity),
            "has_log": callable(getattr(context, "log", None)),
            "has_request_id": bool(context.aws_request_id),
            "remaining_positive": context.get_remaining_time_in_millis() > 0,
        }
    if action == "exit":
        os._exit(event.get("code", 3))
    raise KeyError(f"unknown action {action!r}: {json.dumps(event)}")
