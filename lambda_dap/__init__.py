"""lambda-dap: run and debug AWS Lambda functions locally, from any editor that speaks DAP."""

__version__ = "0.1.0"

LOCAL_ACCOUNT_ID = "123456789012"  # the account every local invocation runs in, as SAM's
