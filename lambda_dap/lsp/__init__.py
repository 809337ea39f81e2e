"""`lambda-dap lsp`: a language server for SAM/CloudFormation templates, handler files, launch.json and env-vars
files: code lenses (Invoke, Debug), diagnostics, completion, hover and go to definition. See `server.py`."""

from __future__ import annotations


def run_language_server() -> int:
    from lambda_dap.lsp.server import run_language_server as run

    return run()
