"""Running a command body: one `Error:` line and an exit code for every failure; logging set up once."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

import click

from lambda_dap.cli.signals import Guard, Interrupted
from lambda_dap.errors import LambdaDapError


def run_guarded(action: Callable[[], int], *, debug: bool) -> int:
    """Run a command body: one `Error:` line and an exit code for every failure, a traceback only with --debug;
    a signal at any moment unwinds it (everything it started is removed on the way) and exits 128 + its number."""
    try:
        with Guard():
            return _outcome_of(action, debug)
    except Interrupted as e:
        click.echo(f"Aborted: {e.name}; everything lambda-dap had started is removed.", err=True)
        return e.exit_code


def _outcome_of(action: Callable[[], int], debug: bool) -> int:
    try:
        return action()
    except LambdaDapError as e:
        if debug:
            logging.getLogger("lambda_dap").exception("failed")
        click.echo(f"Error: {e.message}", err=True)
        return e.exit_code
    except KeyboardInterrupt:  # raised by code that installed its own SIGINT handler
        click.echo("Aborted: SIGINT; everything lambda-dap had started is removed.", err=True)
        return 130
    except (click.exceptions.Exit, click.ClickException):
        raise
    except Exception as e:
        if debug:
            logging.getLogger("lambda_dap").exception("internal error")
        detail = str(e).strip().splitlines()[0] if str(e).strip() else ""
        hint = "" if debug else " (run with --debug for the traceback)"
        click.echo(f"Error: internal error: {type(e).__name__}: {detail}{hint}", err=True)
        return 1


def configure_logging(debug: bool) -> None:
    if debug:
        logging.basicConfig(
            level=logging.DEBUG, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        for noisy in ("urllib3", "docker", "botocore", "boto3"):
            logging.getLogger(noisy).setLevel(logging.INFO)
    else:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s: %(message)s")
