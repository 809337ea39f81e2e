"""lambda-dap: run and debug AWS Lambda functions locally, from any editor that speaks DAP."""

__version__ = "0.1.0"
