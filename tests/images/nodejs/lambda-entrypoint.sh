#!/bin/sh
# ENTRYPOINT of the lambda-dap test image. Unlike the official image it has no runtime interface
# emulator: whoever runs it must serve the Runtime API and set AWS_LAMBDA_RUNTIME_API.
if [ $# -ge 1 ]; then
  export _HANDLER="$1"
fi
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
  echo "lambda-dap-test/nodejs:18-nopython needs a Lambda Runtime API: set AWS_LAMBDA_RUNTIME_API=host:port" >&2
  exit 1
fi
exec /var/runtime/bootstrap "$@"
