"""lambda-dap's Python runtime client, for images without a Lambda bootstrap (a plain `python:3.12`).

Standard library only: it is mounted read-only into the container and run by its python3. It speaks the Lambda
Runtime API at $AWS_LAMBDA_RUNTIME_API the way awslambdaric does: import the handler, then loop over
`invocation/next`, calling the handler and posting its result or error.
"""

import decimal
import http.client
import importlib
import json
import json.encoder
import logging
import math
import os
import sys
import time
import traceback

from lambda_dap_clock import remaining_ms

API_PREFIX = "/2018-06-01/runtime"
# Frames in these files are the runtime's, not the function's: an error's stackTrace leaves them out.
OWN_FILES = {"runtime_client.py", "lambda_dap_clock.py"}
LOG_INDENT = "\u00a0"  # awslambdaric's error log indents trace lines with no-break spaces
UNHANDLED_WARNING = (  # awslambdaric's words, so logs read as the Lambda runtime's do
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare "
    "cases, a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, "
    "runtime updates can be triggered by a function change, or can be applied automatically. To determine if the "
    "runtime has been updated, check the runtime version in the INIT_START log entry. If this error correlates with "
    "a change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


class LambdaContext:
    """The `context` argument a handler receives: awslambdaric's LambdaContext, attribute for attribute."""

    def __init__(self, headers, environ, client_context=None, cognito_identity=None):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.log_group_name = environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")

        self.client_context = _make_obj(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _make_obj(Client, self.client_context.client)

        self.identity = _make_obj(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")

        self._epoch_deadline_time_in_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)

    def get_remaining_time_in_millis(self):
        return remaining_ms(self.aws_request_id, self._epoch_deadline_time_in_ms)

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"aws_request_id={self.aws_request_id},"
            f"log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},"
            f"function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},"
            f"function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},"
            f"client_context={self.client_context},"
            f"identity={self.identity},"
            f"tenant_id={self.tenant_id}"
            "])"
        )


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}"
            "])"
        )


class Client:
    __slots__ = ["app_package_name", "app_title", "app_version_code", "app_version_name", "installation_id"]

    def __repr__(self):
        return (
            f"{self.__class__.__name__}(["
            f"installation_id={self.installation_id},"
            f"app_title={self.app_title},"
            f"app_version_name={self.app_version_name},"
            f"app_version_code={self.app_version_code},"
            f"app_package_name={self.app_package_name}"
            "])"
        )


class ClientContext:
    __slots__ = ["client", "custom", "env"]

    def __repr__(self):
        return f"{self.__class__.__name__}([custom={self.custom},env={self.env},client={self.client}])"


def _make_obj(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field, None))
    return obj


class FaultError(Exception):
    """awslambdaric's FaultException: a Runtime.* error with its own message and (maybe) stack trace."""

    def __init__(self, error_type, message, trace=None):
        super().__init__(error_type, message)
        self.error_type, self.message, self.trace = error_type, message, trace


class _RawJSON:
    def __init__(self, encoded):
        self.encoded = encoded


def _ensure_ascii():
    """awslambdaric escapes non-ASCII except on the python3.12+ runtimes, which it knows by AWS_EXECUTION_ENV."""
    return os.environ.get("AWS_EXECUTION_ENV") not in {
        "AWS_Lambda_python3.12",
        "AWS_Lambda_python3.13",
        "AWS_Lambda_python3.14",
        "AWS_Lambda_python3.15",
    }


def _float(value):
    if value != value:
        return "NaN"
    if value == math.inf:
        return "Infinity"
    if value == -math.inf:
        return "-Infinity"
    return float.__repr__(value)


def _default(obj):
    if isinstance(obj, decimal.Decimal):
        if obj.is_nan():
            return math.nan
        return _RawJSON(str(obj))
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


def to_json(obj):
    """What awslambdaric's `to_json` gives (simplejson, its options and Decimal as a number), standard library only."""
    quote = json.encoder.encode_basestring_ascii if _ensure_ascii() else json.encoder.encode_basestring
    parts, markers = [], {}

    def key_text(key):
        if isinstance(key, str):
            return key
        if isinstance(key, bytes):
            return str(key, "utf-8")
        if isinstance(key, float):
            return _float(key)
        if key is True:
            return "true"
        if key is False:
            return "false"
        if key is None:
            return "null"
        if isinstance(key, int):
            return int.__repr__(key)
        raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")

    def enter(value):
        marker = id(value)
        if marker in markers:
            raise ValueError("Circular reference detected")
        markers[marker] = value
        return marker

    def encode_dict(value):
        marker = enter(value)
        parts.append("{")
        first = True
        for key, item in value.items():
            text = key_text(key)
            parts.append(("" if first else ", ") + quote(text) + ": ")
            first = False
            encode(item)
        parts.append("}")
        del markers[marker]

    def encode_list(value):
        marker = enter(value)
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(", ")
            encode(item)
        parts.append("]")
        del markers[marker]

    def encode(value):
        if isinstance(value, bytes):
            value = str(value, "utf-8")
        if isinstance(value, str):
            parts.append(quote(value))
        elif value is None:
            parts.append("null")
        elif value is True:
            parts.append("true")
        elif value is False:
            parts.append("false")
        elif isinstance(value, int):
            parts.append(int.__repr__(value))
        elif isinstance(value, float):
            parts.append(_float(value))
        elif isinstance(value, _RawJSON):
            parts.append(value.encoded)
        elif isinstance(value, dict):
            encode_dict(value)
        elif isinstance(value, list):
            encode_list(value)
        else:
            as_dict = getattr(value, "_asdict", None)
            if as_dict and callable(as_dict):
                mapping = as_dict()
                if not isinstance(mapping, dict):
                    raise TypeError(f"_asdict() must return a dict, not {mapping.__class__.__name__}")
                encode_dict(mapping)
            elif isinstance(value, tuple):
                encode_list(value)
            else:
                marker = enter(value)
                encode(_default(value))
                del markers[marker]

    encode(obj)
    return "".join(parts)


def marshal_response(response):
    """awslambdaric's LambdaMarshaller.marshal_response: bytes go as they are, anything else as JSON."""
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultError("Runtime.MarshalError", f"Unable to marshal response: {e}") from None


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

    def respond(self, request_id, payload, content_type="application/json"):
        self._call("POST", f"/invocation/{request_id}/response", payload, {"Content-Type": content_type})

    def error(self, request_id, error):
        self._call(
            "POST",
            f"/invocation/{request_id}/error",
            to_json(error).encode("utf-8", "surrogatepass"),
            {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error["errorType"]},
        )

    def init_error(self, error):
        self._call(
            "POST",
            "/init/error",
            to_json(error).encode("utf-8", "surrogatepass"),
            {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error["errorType"]},
        )


def error_document(error_type, message, stack_trace=None, request_id=None):
    """awslambdaric's make_error."""
    return {
        "errorMessage": message if message else "",
        "errorType": error_type if error_type else "",
        "requestId": request_id if request_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _own_file(filename):
    return os.path.basename(filename) in OWN_FILES


def stack_trace(tb):
    """The frames of `tb` from the first one that is not this runtime client's, formatted as awslambdaric formats
    them: it leaves out its bootstrap.py's frames, and formats (file, line, function, text) tuples, so no `^^^`
    markers under the failing expression."""
    frames = traceback.extract_tb(tb)
    for index, frame in enumerate(frames):
        if not _own_file(frame.filename):
            frames = frames[index:]
            break
    return traceback.format_list([(frame.filename, frame.lineno, frame.name, frame.line) for frame in frames])


def fault_document(error, request_id=None):
    """The error document for an exception: a Runtime.* fault's own, or the exception's with its frames."""
    if isinstance(error, FaultError):
        return error_document(error.error_type, error.message, error.trace, request_id)
    return error_document(type(error).__name__, str(error), stack_trace(error.__traceback__), request_id)


def _indented(line):
    """A trace line with its leading spaces made no-break spaces, as awslambdaric logs them."""
    text = line.lstrip(" ")
    return LOG_INDENT * (len(line) - len(text)) + text


def _json_logs():
    """AWS_LAMBDA_LOG_FORMAT=JSON (LoggingConfig.LogFormat): awslambdaric then logs JSON objects, one a line."""
    return (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"


def _utc_stamp(now, milliseconds):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    return stamp + (f".{int(now % 1 * 1000):03d}Z" if milliseconds else "Z")


def log_error(document):
    """awslambdaric's error log, on stdout: `[ERROR] Type: message`, then the trace, lines joined by \r; or, with JSON
    logs, the document with its time stamp and level."""
    if _json_logs():
        sys.stdout.write(to_json({"timestamp": _utc_stamp(time.time(), False), "level": "ERROR", **document}) + "\n")
        sys.stdout.flush()
        return
    head = "[ERROR]"
    if document["errorType"]:
        head += " " + document["errorType"]
    if document["errorMessage"]:
        head += (":" if document["errorType"] else "") + " " + document["errorMessage"]
    lines = [head, "Traceback (most recent call last):"]
    for element in document["stackTrace"]:
        if element:
            lines.extend(_indented(line) for line in element.splitlines())
        else:
            lines.append("")
    sys.stdout.write("\r".join(lines) + "\n")
    sys.stdout.flush()


def log_init_warning():
    """The warning awslambdaric logs before an init error, as its root logger formats it (text or JSON); not when
    AWS_LAMBDA_LOG_LEVEL is above WARNING."""
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL") or ""
    if level.upper() in ("ERROR", "CRITICAL", "FATAL"):
        return
    now = time.time()
    message = UNHANDLED_WARNING + "\r"
    if _json_logs():
        record = {"timestamp": _utc_stamp(now, False), "level": "WARNING", "message": message, "logger": "root"}
        line = json.dumps({**record, "requestId": ""}, ensure_ascii=False) + "\n"
    else:
        line = f"[WARNING]\t{_utc_stamp(now, True)}\t\t{message}\n"
    sys.stdout.write(line)
    sys.stdout.flush()


# The invocation a log record belongs to, as awslambdaric keeps it for its log filter.
LOG_CONTEXT = {"request_id": "", "tenant_id": None}
TEXT_LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n"
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "aws_request_id", "tenant_id"}


class InvocationLogFilter(logging.Filter):
    """Stamps every record with the current request id (and tenant), as awslambdaric's filter does."""

    def filter(self, record):
        record.aws_request_id = LOG_CONTEXT["request_id"]
        record.tenant_id = LOG_CONTEXT["tenant_id"]
        return True


class StdoutLogHandler(logging.Handler):
    """Writes formatted records to stdout, where awslambdaric's standard log sink writes them."""

    def emit(self, record):
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


class JsonLogFormatter(logging.Formatter):
    """LoggingConfig LogFormat JSON: one object a line with awslambdaric's fields (None ones left out)."""

    def __init__(self):
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")

    def format(self, record):
        level = min(50, max(0, record.levelno)) // 10 * 10
        exc_info = record.exc_info
        message = record.msg if isinstance(record.msg, dict) and not record.args else record.getMessage()
        document = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": logging.getLevelName(level),
            "message": message,
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc_info[2]) if exc_info else None,
            "errorType": exc_info[0].__name__ if exc_info else None,
            "errorMessage": str(exc_info[1]) if exc_info else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc_info else None,
        }
        if getattr(record, "tenant_id", None) is not None:
            document["tenantId"] = record.tenant_id
        document.update((key, value) for key, value in vars(record).items() if key not in _RECORD_FIELDS)
        kept = {key: value for key, value in document.items() if value is not None}
        return json.dumps(kept, ensure_ascii=False, default=str) + "\n"


def setup_logging():
    """The root logger as awslambdaric sets it up: records on stdout in Lambda's text (or JSON) format, the level
    from AWS_LAMBDA_LOG_LEVEL when it names one (else logging's own default, WARNING)."""
    logging.Formatter.converter = time.gmtime
    handler = StdoutLogHandler()
    if _json_logs():
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_LOG_FORMAT, "%Y-%m-%dT%H:%M:%S"))
    level = (os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()
    root = logging.getLogger()
    if isinstance(logging.getLevelName(level), int):  # a level's name (getLevelName maps names to numbers too)
        root.setLevel(level)
    handler.addFilter(InvocationLogFilter())
    root.addHandler(handler)


def load_handler(spec, task_root):
    """'pkg/mod.func' or 'pkg.mod.func' -> the function, importing from the task root and /opt/python; every
    failure is the Runtime.* fault awslambdaric raises for it, with its message."""
    for path in (
        f"/opt/python/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages",
        "/opt/python",
        task_root,
    ):
        if path not in sys.path:
            sys.path.insert(0, path)
    try:
        module_path, function_name = spec.rsplit(".", 1)
    except ValueError as e:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{spec}': {e}") from None
    try:
        if module_path.split(".")[0] in sys.builtin_module_names:
            raise FaultError(
                "Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_path} as a handler module"
            )
        module = importlib.import_module(module_path.replace("/", "."))
    except ImportError as e:
        raise FaultError("Runtime.ImportModuleError", f"Unable to import module '{module_path}': {e}") from None
    except SyntaxError as e:
        trace = [f'  File "{e.filename}" Line {e.lineno}\n    {e.text}']
        raise FaultError("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_path}': {e}", trace) from None
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise FaultError(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_path}'"
        ) from None


def _json_header(value, name):
    if not value:
        return None
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultError("Runtime.LambdaContextUnmarshalError", f"Unable to parse {name} JSON: {e}") from None


def _unmarshal(body, content_type):
    if content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultError("Runtime.UnmarshalError", f"Unable to unmarshal input: {e}") from None


def handle(client, handler, headers, body):
    request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    LOG_CONTEXT["request_id"], LOG_CONTEXT["tenant_id"] = request_id or "", headers.get("Lambda-Runtime-Aws-Tenant-Id")
    try:
        context = LambdaContext(
            headers,
            os.environ,
            _json_header(headers.get("Lambda-Runtime-Client-Context"), "Client Context"),
            _json_header(headers.get("Lambda-Runtime-Cognito-Identity"), "Cognito Identity"),
        )
        event = _unmarshal(body, headers.get("Content-Type", "application/json")) if body else {}
        payload, content_type = marshal_response(handler(event, context))
    except Exception as e:
        document = fault_document(e, request_id)
        log_error(document)
        client.error(request_id, document)
    else:
        client.respond(request_id, payload, content_type)


def main():
    sys.stdout, sys.stderr = Unbuffered(sys.stdout), Unbuffered(sys.stderr)
    client = RuntimeApiClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    os.chdir(task_root) if os.path.isdir(task_root) else None
    spec = os.environ.get("_HANDLER") or (sys.argv[1] if len(sys.argv) > 1 else "")
    setup_logging()
    try:
        handler = load_handler(spec, task_root)
    except Exception as e:
        document = fault_document(e)
        log_init_warning()
        log_error(document)
        client.init_error(document)
        sys.exit(1)
    while True:
        headers, body = client.next()
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("Lambda-Runtime-Trace-Id", "")
        handle(client, handler, headers, body)


if __name__ == "__main__":
    main()
