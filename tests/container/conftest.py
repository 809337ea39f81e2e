"""The invoke fixtures (`invoke_cli`, `event_file`) for engine tests that run `lambda-dap invoke` end to end."""

from tests.invoke.conftest import event_file, invoke_cli  # noqa: F401
