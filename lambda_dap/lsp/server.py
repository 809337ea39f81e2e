"""The lambda-dap language server (pygls 2): templates, handler files, launch.json and env-vars files.

Features live in their own modules, each with `register(server)`; the server holds the workspace view.
"""

from __future__ import annotations

import logging

from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from lambda_dap import __version__
from lambda_dap.lsp.project import Project

FEATURE_MODULES = ("diagnostics", "lenses", "commands", "completion", "hover", "definition")


class LambdaLanguageServer(LanguageServer):
    """A pygls server with a `Project` over its workspace."""

    def __init__(self) -> None:
        super().__init__("lambda-dap", __version__)
        self._project: Project | None = None

    @property
    def project(self) -> Project:
        if self._project is None or self._project.workspace is not self.workspace:
            self._project = Project(self.workspace)
        return self._project


def build_server() -> LambdaLanguageServer:
    """A new server with every feature registered."""
    import importlib

    server = LambdaLanguageServer()
    for name in FEATURE_MODULES:
        importlib.import_module(f"lambda_dap.lsp.{name}").register(server)
    return server


def run_language_server() -> int:
    """Serve LSP on stdin/stdout until the client exits."""
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_answered_errors)
    build_server().start_io()
    return 0


def _answered_errors(record: logging.LogRecord) -> bool:
    """Drop pygls' traceback for an error already sent as a command's answer (a user error, not a bug)."""
    error = record.exc_info[1] if record.exc_info else None
    return not (isinstance(error, JsonRpcException) and isinstance(error.data, dict) and "code" in error.data)
