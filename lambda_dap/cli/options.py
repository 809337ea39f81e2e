"""Option plumbing of the command line: SAM's multi-token options."""

from __future__ import annotations

import shlex


def gather_nargs_option(args: list[str], option: str) -> list[str]:
    """Join the tokens after `option` into its one value, as SAM's `--parameter-overrides A=1 B=2` allows.

    Tokens are taken while they look like overrides (contain '='), so a function identifier after them stays one.
    """
    result: list[str] = []
    index = 0
    while index < len(args):
        token = args[index]
        result.append(token)
        index += 1
        if token == option:
            values = []
            while index < len(args) and not args[index].startswith("-") and ("=" in args[index] or not values):
                values.append(args[index])
                index += 1
            result.append(values[0] if len(values) == 1 else shlex.join(values))
    return result
