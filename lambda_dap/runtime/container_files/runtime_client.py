"""lambda-dap's Python runtime client, for images without a Lambda bootstrap (a plain `python:3.12`).

Standard library only: it is mounted read-only into the container and run by its python3. It speaks the Lambda
Runtime API at $AWS_LAMBDA_RUNTIME_API the way awslambdaric does: import the handler, then loop over
`invocation/next`, calling the handler and posting its result or error.
"""

import http.client
import importlib
import json
import os
import sys
import traceback

from lambda_dap_clock import remaining_ms

API_PREFIX = "/2018-06-01/runtime"


class LambdaContext:
    """The `context` argument a handler receives."""

    def __init__(self, headers, environ):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn", "")
        self._deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = _json_header(headers.get("Lambda-Runtime-Cognito-Identity"))
        self.client_context = _json_header(headers.get("Lambda-Runtime-Client-Context"))

    def get_remaining_time_in_millis(self):
        return remaining_ms(self.aws_request_id, self._deadline_ms)


class Unbuffered:
    """A stream that hands every write on at once, as Lambda's runtimes do: a partial line is never held back."""

    def __init__(self, stream):
        self._stream = stream

    def write(self, data):
        written = self._stream.write(data)
        self._stream.flush()
        return written

    def writelines(self, lines):
        self._stream.writelines(lines)
        self._stream.flush()

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _json_header(value):
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


class RuntimeApiClient:
    def __init__(self, address):
        host, _, port = address.rpartition(":")
        self._connection = http.client.HTTPConnection(host, int(port))

    def _call(self, method, path, body=None, headers=None):
        self._connection.request(method, API_PREFIX + path, body=body, headers=headers or {})
        response = self._connection.getresponse()
        return response, response.read()

    def next(self):
        response, body = self._call("GET", "/invocation/next")
        if response.status != 200:
            raise SystemExit(0)  # the environment is shutting down
        return dict(response.getheaders()), body

    def respond(self, request_id, payload):
        self._call("POST", f"/invocation/{request_id}/response", payload, {"Content-Type": "application/json"})

    def error(self, request_id, error):
        self._call(
            "POST",
            f"/invocation/{request_id}/error",
            json.dumps(error).encode(),
            {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error["errorType"]},
        )

    def init_error(self, error):
        self._call(
            "POST",
            "/init/error",
            json.dumps(error).encode(),
            {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error["errorType"]},
        )


def error_document(error_type, message, tb=None):
    stack = traceback.format_list(traceback.extract_tb(tb)) if tb is not None else []
    return {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": stack}


def log_error(document):
    lines = [f"[ERROR] {document['errorType']}: {document['errorMessage']}"]
    if document["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in document["stackTrace"])
    sys.stderr.write("\r".join(lines) + "\n")
    sys.stderr.flush()


def load_handler(spec, task_root):
    """'pkg/mod.func' or 'pkg.mod.func' -> the function, importing from the task root and /opt/python."""
    module_path, _, function_name = spec.rpartition(".")
    if not module_path or not function_name:
        raise LookupError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': expected module.function")
    for path in (
        f"/opt/python/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages",
        "/opt/python",
        task_root,
    ):
        if path not in sys.path:
            sys.path.insert(0, path)
    try:
        module = importlib.import_module(module_path.replace("/", "."))
    except ImportError as e:
        raise LookupError("Runtime.ImportModuleError", f"Unable to import module '{module_path}': {e}") from e
    except SyntaxError as e:
        raise LookupError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_path}': {e}") from e
    handler = getattr(module, function_name, None)
    if handler is None:
        raise LookupError("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_path}'")
    return handler


def main():
    sys.stdout, sys.stderr = Unbuffered(sys.stdout), Unbuffered(sys.stderr)
    client = RuntimeApiClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    os.chdir(task_root) if os.path.isdir(task_root) else None
    spec = os.environ.get("_HANDLER") or (sys.argv[1] if len(sys.argv) > 1 else "")
    try:
        handler = load_handler(spec, task_root)
    except LookupError as e:
        document = error_document(e.args[0], e.args[1])
        log_error(document)
        client.init_error(document)
        sys.exit(1)
    except Exception as e:
        document = error_document(type(e).__name__, str(e), e.__traceback__)
        log_error(document)
        client.init_error(document)
        sys.exit(1)
    while True:
        headers, body = client.next()
        context = LambdaContext(headers, os.environ)
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("Lambda-Runtime-Trace-Id", "")
        try:
            event = json.loads(body) if body else {}
            result = handler(event, context)
            payload = json.dumps(result).encode()
        except Exception as e:
            document = error_document(type(e).__name__, str(e), e.__traceback__)
            document["requestId"] = context.aws_request_id
            log_error(document)
            client.error(context.aws_request_id, document)
        else:
            client.respond(context.aws_request_id, payload)


if __name__ == "__main__":
    main()
