"""`lambda-dap`: the command-line front door. Heavy modules are imported only by the command that needs them."""

from __future__ import annotations

import sys

import click

from lambda_dap import __version__


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True, no_args_is_help=True
)
@click.version_option(__version__, prog_name="lambda-dap")
@click.option("--stdio", is_flag=True, help="Serve the Debug Adapter Protocol on stdin/stdout.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    metavar="N",
    help="Serve the Debug Adapter Protocol on 127.0.0.1:N, one session per connection (0: any free port).",
)
@click.option(
    "--dap-log",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="With --stdio/--port: write the adapter's debug log to FILE (default: warnings on stderr).",
)
@click.pass_context
def cli(ctx: click.Context, stdio: bool, port: int | None, dap_log: str | None) -> None:
    """Run and debug AWS Lambda functions locally.

    \b
    lambda-dap invoke [OPTIONS] [FUNCTION_IDENTIFIER]   a drop-in for `sam local invoke`
    lambda-dap --stdio | --port N                      a Debug Adapter Protocol server for editors
    lambda-dap lsp                                     a language server for templates and launch.json
    lambda-dap cache list | prune                      what lambda-dap keeps between runs, and its clean-up
    """
    if ctx.invoked_subcommand is not None:
        if stdio or port is not None:
            raise click.UsageError(f"--stdio/--port start the DAP server; not with `{ctx.invoked_subcommand}`")
        return
    if stdio == (port is not None):
        raise click.UsageError("give exactly one of --stdio or --port N (or a command such as `invoke`)")
    from lambda_dap.dap.server import run_dap_server

    ctx.exit(run_dap_server(stdio=stdio, port=port, log_file=dap_log))


@click.command("lsp")
@click.option("--stdio", is_flag=True, help="Serve on stdin/stdout (the default and only transport).")
def lsp_command(stdio: bool) -> None:
    """Serve the Language Server Protocol on stdin/stdout (templates, handlers, launch.json)."""
    from lambda_dap.lsp import run_language_server

    sys.exit(run_language_server())


def _register_commands() -> None:
    from lambda_dap.cli.cache import cache_command
    from lambda_dap.cli.invoke import invoke_command

    cli.add_command(invoke_command)
    cli.add_command(cache_command)
    cli.add_command(lsp_command)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    from lambda_dap.cli.options import gather_nargs_option

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=gather_nargs_option(args, "--parameter-overrides"), prog_name="lambda-dap")
    except SystemExit as done:
        if argv is not None:  # called as a library function: leave the interpreter be
            raise
        _exit_now(done.code)


def _exit_now(code: int | str | None) -> None:
    """End the process as soon as the command is done: everything it started is already removed, and the
    interpreter's own finalisation of ~500 modules would add ~13 ms to every invoke."""
    import logging
    import os

    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 1  # stdout closed under us (a pipe's reader went away)
    logging.shutdown()
    os._exit(code or 0)
