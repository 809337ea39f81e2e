"""`lambda-dap invoke`: `sam local invoke`'s options in, the function's result on stdout, logs on stderr."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from lambda_dap.cli.guard import configure_logging, run_guarded

HELP = """Invoke a Lambda function once in a Docker container and exit.

The event comes from --event (a JSON file, or '-' for stdin); the function's result is printed on stdout, its
logs and lambda-dap's own messages on stderr. FUNCTION_IDENTIFIER is the function's logical ID, its FunctionName,
or Stack/Function inside nested stacks; it may be left out when the template has one function.

SAM's environment variables are read too: SAM_TEMPLATE_FILE, SAM_DEBUG_PORT, DEBUGGER_ARGS,
SAM_DOCKER_VOLUME_BASEDIR, SAM_DOCKER_NETWORK, SAM_LAYER_CACHE_BASEDIR, SAM_SKIP_PULL_IMAGE,
SAM_FORCE_IMAGE_BUILD, SAM_DEBUG; options given on the command line win over them, and they over samconfig.toml
(SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS sits under samconfig.toml, as in SAM; SAM_CLI_BETA_FEATURES is accepted).

\b
Exit codes: 0 success, 1 lambda-dap error (bad input, Docker), 2 usage error,
3 function error (the handler raised, init failed, the runtime crashed), 4 timeout, 130 interrupted.
"""


@click.command("invoke", help=HELP, short_help="Invoke a function once (sam local invoke).")
@click.argument("function_identifier", required=False)
@click.option(
    "-e",
    "--event",
    "event",
    metavar="PATH",
    help="JSON file containing event data passed to the Lambda function during invoke. If this option "
    "is not specified, no event is assumed. Pass in the value '-' to input JSON via stdin.",
)
@click.option(
    "--events",
    "events",
    metavar="PATH",
    help="Run a script of events one after another in one warm container: a JSON Lines file (one event per line), "
    "a directory of .json files (one event each, in name order) or '-' (JSON Lines on stdin). One line per event on "
    "stdout: its result, or Lambda's error document; the exit code is the worst outcome.",
)
@click.option(
    "--no-event",
    is_flag=True,
    default=False,
    help="Invoke the function with an empty event (the default when --event is not given).",
)
@click.option(
    "-t",
    "--template",
    "--template-file",
    "template_file",
    metavar="PATH",
    help="AWS SAM template which references the built artifacts for resources in the template. "
    "[default: template.[yaml|yml|json]]",
)
@click.option(
    "-n",
    "--env-vars",
    "env_vars",
    metavar="PATH",
    help="JSON file containing values for the Lambda function's environment variables "
    '({"FunctionLogicalId": {...}, "Parameters": {...}}), or a .env file.',
)
@click.option(
    "--parameter-overrides",
    metavar="TEXT",
    help="CloudFormation parameter overrides encoded as key-value pairs: "
    "'ParameterKey=KeyPairName,ParameterValue=MyKey ParameterKey=InstanceType,ParameterValue=t1.micro'"
    " or 'KeyPairName=MyKey InstanceType=t1.micro'.",
)
@click.option(
    "-d",
    "--debug-port",
    "debug_port",
    type=int,
    multiple=True,
    help="When specified, the Lambda function container starts in debug mode and exposes this port on "
    "the local host (127.0.0.1). Repeatable: every port is published, the first goes to the debugger.",
)
@click.option(
    "--debugger-path", metavar="TEXT", help="Host path to a debugger that will be mounted into the Lambda container."
)
@click.option("--debug-args", metavar="TEXT", help="Additional arguments to be passed to the debugger.")
@click.option(
    "-v",
    "--docker-volume-basedir",
    metavar="TEXT",
    help="The location of the base directory where the SAM file exists. If Docker is running on a "
    "remote machine, you must mount the path where the SAM file exists on the docker machine and "
    "modify this value to match the remote machine.",
)
@click.option(
    "--docker-network",
    metavar="TEXT",
    help="Name or ID of an existing Docker network the Lambda container should connect to, along with "
    "the default bridge network ('host' for the host's network).",
)
@click.option(
    "--container-env-vars",
    metavar="PATH",
    help="JSON file containing additional environment variables to be set within the container "
    "(applied with or without --debug-port).",
)
@click.option("-l", "--log-file", metavar="TEXT", help="File to capture the runtime logs (written as well as stderr).")
@click.option(
    "--layer-cache-basedir",
    metavar="DIRECTORY",
    help="Specify the location basedir where the layers your template uses will be downloaded to. "
    "[default: ~/.aws-sam/layers-pkg]",
)
@click.option(
    "--skip-pull-image",
    is_flag=True,
    help="Do not pull the Lambda runtime image: use the local one (an error if it is missing).",
)
@click.option(
    "--force-image-build",
    is_flag=True,
    help="Rebuild what invoking a function needs: re-download and re-extract its layers, re-install its dependencies.",
)
@click.option(
    "--skip-dependencies",
    is_flag=True,
    help="Do not install the function's requirements.txt or package.json (lambda-dap does when the code directory "
    "is not a sam build output and has no installed packages): the code directory brings its own.",
)
@click.option("--profile", metavar="TEXT", help="The profile from your credentials file that gets AWS credentials.")
@click.option("--region", metavar="TEXT", help="The AWS Region to use, for example us-east-1.")
@click.option(
    "--config-file",
    metavar="PATH",
    help="Configuration file with default parameter values. [default: samconfig.toml in the template's directory]",
)
@click.option(
    "--config-env",
    metavar="TEXT",
    help="Environment name in the configuration file whose default parameter values are used. [default: default]",
)
@click.option(
    "-ii",
    "--invoke-image",
    "invoke_image",
    multiple=True,
    metavar="TEXT",
    help="Container image to run the function in, instead of the Lambda base image for its runtime: "
    "'IMAGE' for every function or 'FunctionLogicalId=IMAGE'. Repeatable.",
)
@click.option(
    "-r",
    "--runtime",
    metavar="TEXT",
    help="Lambda runtime to use instead of the one in the template (for example python3.12).",
)
@click.option(
    "--shutdown",
    is_flag=True,
    help="Accepted for SAM compatibility: extensions that subscribed to SHUTDOWN always receive it.",
)
@click.option(
    "--container-host-interface",
    metavar="TEXT",
    help="Host IP address the container's debug ports are published on. [default: 127.0.0.1]",
)
@click.option(
    "--add-host",
    multiple=True,
    metavar="HOST:IP",
    help="Extra hostname-to-IP mapping in the container's /etc/hosts. Repeatable.",
)
@click.option("--container-dns", multiple=True, metavar="IP", help="DNS server for the container. Repeatable.")
@click.option("--no-memory-limit", is_flag=True, help="Do not limit the container's memory to MemorySize.")
@click.option(
    "--tenant-id",
    metavar="TEXT",
    help="Tenant ID for multi-tenant Lambda functions (TenancyConfig): required by them, refused by the others; "
    "the function sees it as context.tenant_id. Must be 1-256 characters, the allowed characters are a-z and "
    "A-Z, numbers, spaces, and the characters _ . : / = + - @",
)
@click.option(
    "--durable-execution-name",
    metavar="TEXT",
    help="Name for the durable execution (for durable functions only). lambda-dap does not emulate durable "
    "executions: with a DurableConfig function it is an error, with another function it is ignored (as in SAM).",
)
@click.option(
    "--mount-symlinks/--no-mount-symlinks",
    default=None,
    help="Also mount every symlink at the top level of the code directory (read-only, where it points to) so it "
    "resolves in the container; by default only symlinks to a node_modules directory are. This can give access "
    "to locations outside of your workspace.",
)
@click.option(
    "--language-extensions/--no-language-extensions",
    default=None,
    help="Expand AWS::LanguageExtensions transforms (Fn::ForEach, Fn::Length, Fn::ToJsonString, Fn::FindInMap "
    "with DefaultValue) locally. Off by default. Equivalent env var: SAM_CLI_ENABLE_LANGUAGE_EXTENSIONS=1.",
)
@click.option(
    "--container-host",
    metavar="TEXT",
    help="Host where lambda-dap reaches the container's published ports (the debugger), for example "
    "host.docker.internal when lambda-dap runs in a container. [default: the container's own address]",
)
@click.option(
    "--save-params",
    is_flag=True,
    help="Save the parameters provided via the command line to the configuration file "
    "([<env>.local_invoke.parameters] of samconfig.toml).",
)
@click.option(
    "--beta-features/--no-beta-features",
    default=None,
    help="Accepted for SAM compatibility (also SAM_CLI_BETA_FEATURES): nothing in lambda-dap is gated behind it.",
)
@click.option(
    "--hook-name",
    metavar="TEXT",
    help="Hook package id (terraform). lambda-dap does not run Terraform: it goes on only when "
    ".aws-sam/build/template.yaml is already prepared (`sam build --hook-name terraform`), as SAM does.",
)
@click.option(
    "--skip-prepare-infra/--prepare-infra",
    default=None,
    help="Skip preparation stage when there are no infrastructure changes. Only used in conjunction with --hook-name.",
)
@click.option(
    "--terraform-plan-file",
    metavar="PATH",
    help="Used for passing a custom plan file when executing the Terraform hook (needs --hook-name).",
)
@click.option(
    "--debug", is_flag=True, help="Turn on debug logging to print debug messages lambda-dap generates, with timestamps."
)
@click.pass_context
def invoke_command(ctx: click.Context, **options: Any) -> None:
    given = {
        name: value for name, value in options.items() if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE
    }
    early_debug = bool(given.get("debug")) or os.environ.get("SAM_DEBUG", "").lower() in ("1", "true", "yes", "on")
    configure_logging(early_debug)
    code = run_guarded(lambda: _invoke(given), debug=early_debug)
    ctx.exit(code)


def _invoke(given: dict[str, Any]) -> int:
    from lambda_dap.cli.render import InvokeRenderer
    from lambda_dap.invoke import InvokeSession, build_request

    request = build_request(
        given,
        cwd=Path.cwd(),
        notice=lambda text: click.echo(text, err=True),
        warn=lambda text: click.echo(f"Warning: {text}", err=True),
    )
    if request.debug_logging:
        configure_logging(True)
    scripted = request.events
    with (
        InvokeRenderer(request.log_file, one_line=scripted is not None) as render,
        InvokeSession(request, on_event=render) as session,
    ):
        if scripted is None:
            return session.invoke(last=True).exit_code
        results = session.invoke_all([event.data for event in scripted])
        return max(result.exit_code for result in results)  # the worst: a timeout (4) over a function error (3)
