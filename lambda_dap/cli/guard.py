"""Running a command body: one `Error:` line and an exit code for every failure; logging set up once."""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from typing import Any

import click


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C so every `finally` removes what it started."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


def run_guarded(action: Callable[[], int], *, debug: bool) -> int:
    """Run a command body: one `Error:` line and an exit code for every failure, a traceback only with --debug."""
    from lambda_dap.errors import LambdaDapError

    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return action()
    except LambdaDapError as e:
        if debug:
            logging.getLogger("lambda_dap").exception("failed")
        click.echo(f"Error: {e.message}", err=True)
        return e.exit_code
    except (KeyboardInterrupt, Terminated) as e:
        click.echo("Aborted: interrupted; the function container was removed.", err=True)
        return 143 if isinstance(e, Terminated) else 130
    except click.exceptions.Exit:
        raise
    except click.ClickException:
        raise
    except Exception as e:
        if debug:
            logging.getLogger("lambda_dap").exception("internal error")
        detail = str(e).strip().splitlines()[0] if str(e).strip() else ""
        hint = "" if debug else " (run with --debug for the traceback)"
        click.echo(f"Error: internal error: {type(e).__name__}: {detail}{hint}", err=True)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)


def configure_logging(debug: bool) -> None:
    if debug:
        logging.basicConfig(
            level=logging.DEBUG, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        for noisy in ("urllib3", "docker", "botocore", "boto3"):
            logging.getLogger(noisy).setLevel(logging.INFO)
    else:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s: %(message)s")
