"""`lambda-dap`: the command-line front door. Heavy modules are imported only by the command that needs them."""

from __future__ import annotations

import sys

import click

from lambda_dap import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lambda-dap")
def cli() -> None:
    """Run and debug AWS Lambda functions locally.

    \b
    lambda-dap invoke [OPTIONS] [FUNCTION_IDENTIFIER]   a drop-in for `sam local invoke`
    """


def _register_commands() -> None:
    from lambda_dap.cli.invoke import invoke_command

    cli.add_command(invoke_command)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    from lambda_dap.cli.options import gather_nargs_option

    args = list(sys.argv[1:] if argv is None else argv)
    cli.main(args=gather_nargs_option(args, "--parameter-overrides"), prog_name="lambda-dap")
