"""The engine every front door stands on: from raw options to a request, from a request to invocations.

    from lambda_dap.invoke import InvokeRequest, InvokeSession

    with InvokeSession(InvokeRequest(template=Path("template.yaml"), function_id="Hello")) as session:
        result = session.invoke(b'{"name": "world"}')

`build_request(options)` turns a front door's raw option values (the CLI's, a launch configuration's) into an
`InvokeRequest` with the same rules and errors for all; `InvokeSession` runs it, reporting typed `events`.
"""

from lambda_dap.invoke import events
from lambda_dap.invoke.build import build_request, load_event
from lambda_dap.invoke.request import CodeTarget, DebugOptions, InvocationResult, InvokeRequest
from lambda_dap.invoke.session import InvokeSession, invoke
from lambda_dap.runtime.outcome import Outcome

__all__ = [
    "CodeTarget",
    "DebugOptions",
    "InvocationResult",
    "InvokeRequest",
    "InvokeSession",
    "Outcome",
    "build_request",
    "events",
    "invoke",
    "load_event",
]
