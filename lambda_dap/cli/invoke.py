"""`lambda-dap invoke`: `sam local invoke`'s options in, the function's result on stdout, logs on stderr."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from lambda_dap.cli.main import configure_logging, run_guarded

if TYPE_CHECKING:
    from lambda_dap.request import InvocationResult

EXIT_OK = 0
EXIT_FUNCTION_ERROR = 3
EXIT_TIMEOUT = 4

HELP = """Invoke a Lambda function once in a Docker container and exit.

The event comes from --event (a JSON file, or '-' for stdin); the function's result is printed on stdout, its
logs and lambda-dap's own messages on stderr. FUNCTION_IDENTIFIER is the function's logical ID, its FunctionName,
or Stack/Function inside nested stacks; it may be left out when the template has one function.

\b
Exit codes: 0 success, 1 lambda-dap error (bad input, Docker), 2 usage error,
3 function error (the handler raised, init failed, the runtime crashed), 4 timeout, 130 interrupted.
"""


@click.command("invoke", help=HELP, short_help="Invoke a function once (sam local invoke).")
@click.argument("function_identifier", required=False)
@click.option("-e", "--event", "event", metavar="PATH",
              help="JSON file containing event data passed to the Lambda function during invoke. If this option "
                   "is not specified, no event is assumed. Pass in the value '-' to input JSON via stdin.")
@click.option("--no-event", is_flag=True, default=False,
              help="Invoke the function with an empty event (the default when --event is not given).")
@click.option("-t", "--template", "--template-file", "template_file", metavar="PATH", envvar="SAM_TEMPLATE_FILE",
              help="AWS SAM template which references the built artifacts for resources in the template. "
                   "[default: template.[yaml|yml|json]]")
@click.option("-n", "--env-vars", "env_vars", metavar="PATH",
              help="JSON file containing values for the Lambda function's environment variables "
                   '({"FunctionLogicalId": {...}, "Parameters": {...}}), or a .env file.')
@click.option("--parameter-overrides", metavar="TEXT",
              help="CloudFormation parameter overrides encoded as key-value pairs: "
                   "'ParameterKey=KeyPairName,ParameterValue=MyKey ParameterKey=InstanceType,ParameterValue=t1.micro'"
                   " or 'KeyPairName=MyKey InstanceType=t1.micro'.")
@click.option("-d", "--debug-port", "debug_port", type=int, multiple=True, envvar="SAM_DEBUG_PORT",
              help="When specified, the Lambda function container starts in debug mode and exposes this port on "
                   "the local host (127.0.0.1). Repeatable: every port is published, the first goes to the debugger.")
@click.option("--debugger-path", metavar="TEXT",
              help="Host path to a debugger that will be mounted into the Lambda container.")
@click.option("--debug-args", metavar="TEXT", envvar="DEBUGGER_ARGS",
              help="Additional arguments to be passed to the debugger.")
@click.option("-v", "--docker-volume-basedir", metavar="TEXT", envvar="SAM_DOCKER_VOLUME_BASEDIR",
              help="The location of the base directory where the SAM file exists. If Docker is running on a "
                   "remote machine, you must mount the path where the SAM file exists on the docker machine and "
                   "modify this value to match the remote machine.")
@click.option("--docker-network", metavar="TEXT", envvar="SAM_DOCKER_NETWORK",
              help="Name or ID of an existing Docker network the Lambda container should connect to, along with "
                   "the default bridge network ('host' for the host's network).")
@click.option("--container-env-vars", metavar="PATH",
              help="JSON file containing additional environment variables to be set within the container "
                   "(applied with or without --debug-port).")
@click.option("-l", "--log-file", metavar="TEXT",
              help="File to capture the runtime logs (written as well as stderr).")
@click.option("--layer-cache-basedir", metavar="DIRECTORY", envvar="SAM_LAYER_CACHE_BASEDIR",
              help="Specify the location basedir where the layers your template uses will be downloaded to. "
                   "[default: ~/.aws-sam/layers-pkg]")
@click.option("--skip-pull-image", is_flag=True, envvar="SAM_SKIP_PULL_IMAGE",
              help="Do not pull the Lambda runtime image: use the local one (an error if it is missing).")
@click.option("--force-image-build", is_flag=True, envvar="SAM_FORCE_IMAGE_BUILD",
              help="Rebuild what invoking a function with layers needs: re-download and re-extract its layers.")
@click.option("--profile", metavar="TEXT", help="The profile from your credentials file that gets AWS credentials.")
@click.option("--region", metavar="TEXT", help="The AWS Region to use, for example us-east-1.")
@click.option("--config-file", metavar="PATH",
              help="Configuration file with default parameter values. [default: samconfig.toml in the template's "
                   "directory]")
@click.option("--config-env", metavar="TEXT", default="default", show_default=True,
              help="Environment name in the configuration file whose default parameter values are used.")
@click.option("-ii", "--invoke-image", "invoke_image", multiple=True, metavar="TEXT",
              help="Container image to run the function in, instead of the Lambda base image for its runtime: "
                   "'IMAGE' for every function or 'FunctionLogicalId=IMAGE'. Repeatable.")
@click.option("-r", "--runtime", metavar="TEXT",
              help="Lambda runtime to use instead of the one in the template (for example python3.12).")
@click.option("--shutdown", is_flag=True,
              help="Accepted for SAM compatibility: extensions that subscribed to SHUTDOWN always receive it.")
@click.option("--container-host-interface", default="127.0.0.1", show_default=True, metavar="TEXT",
              help="Host IP address the container's debug ports are published on.")
@click.option("--add-host", multiple=True, metavar="HOST:IP",
              help="Extra hostname-to-IP mapping in the container's /etc/hosts. Repeatable.")
@click.option("--container-dns", multiple=True, metavar="IP", help="DNS server for the container. Repeatable.")
@click.option("--no-memory-limit", is_flag=True, help="Do not limit the container's memory to MemorySize.")
@click.option("--debug", is_flag=True, envvar="SAM_DEBUG",
              help="Turn on debug logging to print debug messages lambda-dap generates, with timestamps.")
@click.pass_context
def invoke_command(ctx: click.Context, **options: Any) -> None:
    configure_logging(options["debug"])
    code = run_guarded(lambda: _invoke(ctx, options), debug=options["debug"])
    ctx.exit(code)


def _invoke(ctx: click.Context, options: dict[str, Any]) -> int:
    from lambda_dap.cli.options import apply_config_defaults, parse_add_hosts, parse_invoke_images
    from lambda_dap.config.overrides import parse_parameter_overrides
    from lambda_dap.config.samconfig import find_config_file, load_command_parameters
    from lambda_dap.errors import OptionError
    from lambda_dap.invoke import InvokeSession
    from lambda_dap.request import DebugOptions, InvokeRequest
    from lambda_dap.template import default_template_path

    cwd = Path.cwd()
    explicit_template = options["template_file"]
    template = Path(explicit_template).resolve() if explicit_template else default_template_path(cwd)
    config_path = find_config_file(options["config_file"], template.parent, cwd)
    if config_path is not None:
        config = load_command_parameters(config_path, options["config_env"])
        apply_config_defaults(ctx, options, config, config_path)
        if not explicit_template and options["template_file"]:
            template = Path(options["template_file"]).resolve()

    event = _read_event(options["event"])
    overrides = (parse_parameter_overrides([options["parameter_overrides"]], template.parent)
                 if options["parameter_overrides"] else {})
    debug = None
    if options["debug_port"]:
        debug = DebugOptions(
            ports=tuple(options["debug_port"]),
            debugger_path=_existing_dir(options["debugger_path"], "--debugger-path"),
            debug_args=options["debug_args"],
            host_ip=options["container_host_interface"],
        )
    elif options["debugger_path"] or options["debug_args"]:
        raise OptionError("--debugger-path and --debug-args need --debug-port")
    request = InvokeRequest(
        template=template,
        function_id=options["function_identifier"],
        env_vars_file=_path(options["env_vars"]),
        parameter_overrides=overrides,
        docker_volume_basedir=_path(options["docker_volume_basedir"]),
        docker_network=options["docker_network"],
        container_env_vars_file=_path(options["container_env_vars"]),
        layer_cache_dir=_path(options["layer_cache_basedir"]),
        skip_pull_image=options["skip_pull_image"],
        force_image_build=options["force_image_build"],
        profile=options["profile"],
        region=options["region"],
        invoke_images=parse_invoke_images(options["invoke_image"]),
        runtime=options["runtime"],
        debug=debug,
        shutdown=options["shutdown"],
        memory_limit=not options["no_memory_limit"],
        extra_hosts=parse_add_hosts(options["add_host"]),
        dns=list(options["container_dns"]),
    )
    with _LogWriter(options["log_file"]) as writer, InvokeSession(request, log_line=writer.line) as session:
        result = session.invoke(event, last=True, on_result=_print_result)
    if result.ok:
        return EXIT_OK
    from lambda_dap.runtime.invocation import Outcome

    return EXIT_TIMEOUT if result.outcome is Outcome.TIMEOUT else EXIT_FUNCTION_ERROR


def _print_result(result: InvocationResult) -> None:
    """The function's answer, on stdout as soon as the runtime posts it (extensions may still be working)."""
    sys.stdout.buffer.write(result.payload)
    if sys.stdout.isatty():  # byte-exact for pipes and files; a line of its own on a terminal
        sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


def _read_event(source: str | None) -> bytes:
    from lambda_dap.errors import EventError

    if source is None:
        return b"{}"
    if source == "-":
        click.echo("Reading invoke payload from stdin (you can also pass it from file with --event)", err=True)
        data, where = sys.stdin.buffer.read(), "stdin"
    else:
        try:
            data, where = Path(source).read_bytes(), source
        except OSError as e:
            raise EventError(f"Cannot read event file {source}: {e.strerror or e}") from e
    try:
        json.loads(data)
    except ValueError as e:
        raise EventError(f"Event from {where} is not valid JSON: {e}") from e
    return data


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser().resolve() if value else None


def _existing_dir(value: str | None, option: str) -> Path | None:
    from lambda_dap.errors import OptionError

    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise OptionError(f"{option} '{value}' is not a directory")
    return path


class _LogWriter:
    """Writes log lines to stderr, and to --log-file when given; thread-safe."""

    def __init__(self, log_file: str | None) -> None:
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        if log_file:
            from lambda_dap.errors import OptionError

            try:
                self._file = open(os.path.expanduser(log_file), "w", encoding="utf-8")  # noqa: SIM115
            except OSError as e:
                raise OptionError(f"Cannot open --log-file {log_file}: {e.strerror or e}") from e

    def __enter__(self) -> _LogWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._file is not None:
            self._file.close()

    def line(self, text: str) -> None:
        with self._lock:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
            if self._file is not None:
                self._file.write(text + "\n")
                self._file.flush()
