#!/bin/sh
# ENTRYPOINT of the lambda-dap test image. Unlike the official image it has no runtime interface emulator: whoever
# runs it must serve the Runtime API and set AWS_LAMBDA_RUNTIME_API. The runtime is the first bootstrap found where
# Lambda looks for one: the function's code, then its layers, then the image.
if [ $# -ge 1 ]; then
  export _HANDLER="$1"
fi
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
  echo "lambda-dap-test/provided:al2023 needs a Lambda Runtime API: set AWS_LAMBDA_RUNTIME_API=host:port" >&2
  exit 1
fi
for bootstrap in /var/task/bootstrap /opt/bootstrap /var/runtime/bootstrap; do
  if [ -x "$bootstrap" ]; then exec "$bootstrap"; fi
done
echo "lambda-dap-test/provided:al2023: no bootstrap in /var/task, /opt or /var/runtime" >&2
exit 127
