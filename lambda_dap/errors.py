"""The one error hierarchy of lambda-dap.

Lower layers raise only `LambdaDapError` subclasses. Each subclass carries a unique numeric `code` (the DAP server
sends it as `body.error.id`) and a one-line, user-facing message that names what is wrong and where. The CLI prints
`Error: <message>` and exits with `exit_code`.

Code ranges: 1xxx template, 2xxx config and layers, 3xxx container and Docker, 4xxx runtime API,
5xxx invoke and debug, 6xxx DAP server, 7xxx language server.
"""

from __future__ import annotations

from typing import ClassVar


class LambdaDapError(Exception):
    """Base of every error lambda-dap reports to a user."""

    code: ClassVar[int] = 1
    exit_code: ClassVar[int] = 1
    _by_code: ClassVar[dict[int, type[LambdaDapError]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            raise TypeError(f"{cls.__name__} must define its own error code")
        taken = LambdaDapError._by_code.setdefault(cls.code, cls)
        if taken is not cls:
            raise TypeError(f"error code {cls.code} of {cls.__name__} is already used by {taken.__name__}")

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --- template (1xxx) ---------------------------------------------------------------------------------------------


class TemplateNotFound(LambdaDapError):
    code = 1001


class TemplateError(LambdaDapError):
    """The template (or a nested one) is malformed: bad YAML/JSON, a bad property, an intrinsic that cannot work."""

    code = 1002


class FunctionNotFound(LambdaDapError):
    code = 1003


class FunctionIdentifierRequired(LambdaDapError):
    code = 1004


class UnsupportedFunction(LambdaDapError):
    """The function exists but cannot run locally (S3 CodeUri, remote image without a local copy, ...)."""

    code = 1005


# --- config and layers (2xxx) ------------------------------------------------------------------------------------


class EnvVarsFileError(LambdaDapError):
    code = 2001


class ParameterOverrideError(LambdaDapError):
    code = 2002


class ConfigFileError(LambdaDapError):
    code = 2003


class EventError(LambdaDapError):
    code = 2004


class CredentialsError(LambdaDapError):
    code = 2005


class LayerError(LambdaDapError):
    """A layer cannot be found, downloaded or unpacked."""

    code = 2006


class OptionError(LambdaDapError):
    """A command-line or launch option value is invalid in a way click cannot check."""

    code = 2007


class OptionValueError(OptionError):
    """A command-line option's value (or its SAM environment variable's) is unusable: a usage error, exit 2."""

    code = 2008
    exit_code = 2


class SettingError(LambdaDapError):
    """A `LAMBDA_DAP_*` environment variable holds a value lambda-dap cannot use."""

    code = 2009


class TenancyError(LambdaDapError):
    """`--tenant-id` and the function's TenancyConfig disagree (SAM's TenantIdValidationError)."""

    code = 2010


class UnsupportedOption(OptionError):
    """An option of `sam local invoke` that needs what lambda-dap does not do (Terraform, durable executions)."""

    code = 2011


class DependencyError(LambdaDapError):
    """A function's requirements.txt or package.json cannot be installed (no such package, no wheel, no pip/npm)."""

    code = 2012


# --- container and Docker (3xxx) ---------------------------------------------------------------------------------


class DockerNotAvailable(LambdaDapError):
    code = 3001


class ImageNotFound(LambdaDapError):
    code = 3002


class ImagePullError(LambdaDapError):
    code = 3003


class ContainerError(LambdaDapError):
    code = 3004


class PortInUse(LambdaDapError):
    code = 3005


class NetworkNotFound(LambdaDapError):
    code = 3007


class EngineElsewhere(DockerNotAvailable):
    """The Docker engine runs on another machine (or in a VM), which lambda-dap cannot work with yet."""

    code = 3009


class EngineUnsuitable(ContainerError):
    """The engine, or the image on it, lacks what lambda-dap needs there (python3 for the agent of remote mode,
    a directory where a volume must stand in for a file)."""

    code = 3010


class NoAgentInterpreter(EngineUnsuitable):
    """The function's image has no interpreter for the agent of remote mode: its agent runs in a sidecar instead
    (invoke/sidecar.py); said as an error only where that cannot be done."""

    code = 3011


class EngineError(ContainerError):
    """The Docker engine answered with an HTTP error (`status`); `message` is its first line, `detail` all of it."""

    code = 3008

    def __init__(self, status: int, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail or message


# --- runtime API (4xxx) ------------------------------------------------------------------------------------------


class RuntimeApiError(LambdaDapError):
    code = 4001


# --- invoke and debug (5xxx) -------------------------------------------------------------------------------------


class DebuggingNotSupported(LambdaDapError):
    code = 5003


class DebuggerError(LambdaDapError):
    code = 5004


class InvocationCancelled(LambdaDapError):
    """The caller cancelled the invocation (`InvokeSession.cancel()`); the sandbox was reset."""

    code = 5005


# --- DAP server (6xxx) -------------------------------------------------------------------------------------------


class ProtocolError(LambdaDapError):
    """A DAP message could not be read. `recoverable`: the bad frame was skipped and the next read can go on."""

    code = 6001

    def __init__(self, message: str, *, recoverable: bool) -> None:
        super().__init__(message)
        self.recoverable = recoverable


class RequestRefused(LambdaDapError):
    """A DAP request the session cannot serve now: out of order, after the end, or not supported here."""

    code = 6002


class LaunchConfigError(LambdaDapError):
    """A launch or attach configuration is invalid; the message names the field and what it expects."""

    code = 6010


# --- language server (7xxx) --------------------------------------------------------------------------------------


class LspCommandError(LambdaDapError):
    """A `workspace/executeCommand` of the language server got arguments it cannot use."""

    code = 7001


class LaunchJsonError(LambdaDapError):
    """`.vscode/launch.json` cannot be read or updated (not JSON, not an object, ...)."""

    code = 7002
